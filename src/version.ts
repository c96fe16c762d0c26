import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** zdp's own version, from package.json (src/ and dist/ both sit one level below it). */
export const ZDP_VERSION: string = (require('../package.json') as { version: string }).version;

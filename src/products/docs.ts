/**
 * Human documentation of a data product (Markdown and HTML) from its contract, rendered by
 * @asyncapi/generator with zdp's templates (templates/markdown, templates/html). No browser, no
 * network: the templates are plain Nunjucks and the generator installs nothing.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvironmentError, ZdpError } from '../errors.js';
import { renderYaml } from '../core/contracts/asyncapi.js';
import type { DataProduct } from '../core/products/spec.js';

export const DOC_FORMATS = { markdown: 'README.md', html: 'index.html' } as const;
export type DocFormat = keyof typeof DOC_FORMATS;

const require = createRequire(import.meta.url);

function templateDir(format: DocFormat): string {
  return fileURLToPath(new URL(`../../templates/${format}`, import.meta.url));
}

/** What a reader of the docs needs to know about the product beyond its contract. */
export function productTerms(p: DataProduct): Record<string, unknown> {
  const m = p.metadata;
  return {
    name: m.name,
    version: m.version,
    owner: [m.owner.team, m.owner.email ? `<${m.owner.email}>` : ''].filter(Boolean).join(' '),
    ...(m.domain ? { domain: m.domain } : {}),
    contacts: m.contacts.map((c) => [c.name, c.email ? `<${c.email}>` : '', c.role ?? ''].filter(Boolean).join(' ')),
    consumption: [...p.spec.consumption],
    access: p.spec.access.map((a) => ({ principal: a.principal, permissions: a.permissions.join(', '), channels: a.channels.join(', ') })),
    channels: p.spec.channels.map((c) => ({ id: c.id, topic: p.spec.deployment.topics[c.id] ?? c.address, read: c.read, write: c.write, compatibility: c.compatibility })),
    ...(p.spec.serviceLevels.freshnessSeconds !== undefined ? { freshnessSeconds: p.spec.serviceLevels.freshnessSeconds } : {}),
    ...(p.spec.serviceLevels.retentionMs !== undefined ? { retentionMs: p.spec.serviceLevels.retentionMs } : {}),
    cluster: p.spec.deployment.cluster,
  };
}

type GeneratorClass = new (template: string, out: string, options: object) => { generateFromString(text: string): Promise<unknown> };

export const DOCS_PACKAGE = '@asyncapi/generator';
export const DOCS_INSTALL_HINT = `npm install -g ${DOCS_PACKAGE}@^2.11 (beside a global zdp), or npm install ${DOCS_PACKAGE}@^2.11 in the project that runs zdp`;

/**
 * The generator is an optional peer dependency: it serves only the documentation and is a third of
 * a zdp install, so it is loaded here, when documentation is asked for, and installed only by who
 * wants it. Undefined when it is not installed.
 */
export function loadDocsGenerator(): GeneratorClass | undefined {
  try {
    return require(DOCS_PACKAGE) as GeneratorClass;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND' && err.message.includes(DOCS_PACKAGE)) return undefined;
    throw e;
  }
}

/** Writes docs/README.md and/or docs/index.html under `dir`; returns the files. */
export async function generateDocs(product: DataProduct, dir: string, formats: readonly DocFormat[]): Promise<string[]> {
  const Generator = loadDocsGenerator();
  if (!Generator) {
    throw new EnvironmentError('DOCS_GENERATOR_MISSING', `product documentation needs ${DOCS_PACKAGE}, which is not installed`, { hint: DOCS_INSTALL_HINT });
  }
  mkdirSync(dir, { recursive: true });
  // the product's own terms ride along as an extension the templates read: who owns it, who may do
  // what, how it is consumed, what each channel promises
  const text = renderYaml({ ...product.spec.contract, 'x-zdp-product': productTerms(product) });
  const files: string[] = [];
  for (const format of formats) {
    const template = templateDir(format);
    if (!existsSync(join(template, 'package.json'))) throw new ZdpError('internal', 'TEMPLATE_MISSING', `the ${format} documentation template is missing at ${template}`);
    const generator = new Generator(template, dir, { forceWrite: true, install: false, debug: false });
    // the generator logs through console: keep zdp's stdout for results
    const log = console.log;
    const info = console.info;
    console.log = () => {};
    console.info = () => {};
    try {
      await generator.generateFromString(text);
    } catch (cause) {
      throw new ZdpError('internal', 'DOCS_FAILED', `generating ${format} documentation failed: ${(cause as Error).message}`, { cause });
    } finally {
      console.log = log;
      console.info = info;
    }
    const file = join(dir, DOC_FORMATS[format]);
    readFileSync(file);
    files.push(file);
  }
  return files;
}

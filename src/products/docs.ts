/**
 * Human documentation of a data product (Markdown and HTML) from its contract, rendered by
 * @asyncapi/generator with zdp's templates (templates/markdown, templates/html). No browser, no
 * network: the templates are plain Nunjucks and the generator installs nothing.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZdpError } from '../errors.js';
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

/** Writes docs/README.md and/or docs/index.html under `dir`; returns the files. */
export async function generateDocs(product: DataProduct, dir: string, formats: readonly DocFormat[]): Promise<string[]> {
  const Generator = require('@asyncapi/generator') as new (template: string, out: string, options: object) => { generateFromString(text: string): Promise<unknown> };
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

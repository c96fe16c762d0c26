/**
 * Human documentation of a data product (Markdown and HTML) from its contract, with zdp's
 * templates (templates/markdown, templates/html). They are @asyncapi/generator templates (Nunjucks
 * over the dereferenced document, as the generator passes it); zdp renders them itself with
 * Nunjucks, the generator's own renderer, in a few milliseconds instead of starting the generator
 * and its parser for every document (seconds). `engine: 'generator'` (`zdp product docs
 * --generator`) runs @asyncapi/generator instead, and test/commands/product.test.ts holds both to
 * the same bytes. No browser, no network.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvironmentError, ZdpError } from '../errors.js';
import { renderYaml } from '../core/contracts/asyncapi.js';
import { resolvePointer } from '../core/contracts/schema-walk.js';
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

export type DocsEngine = 'zdp' | 'generator';

/** Writes docs/README.md and/or docs/index.html under `dir`; returns the files. */
export async function generateDocs(product: DataProduct, dir: string, formats: readonly DocFormat[], engine: DocsEngine = 'zdp'): Promise<string[]> {
  if (engine === 'zdp') return renderDocs(product, dir, formats);
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

type Doc = Record<string, unknown>;

/** The document with every local $ref replaced by what it points at, as the parser hands it to templates. */
export function dereference(root: Doc): Doc {
  const resolving = new Set<string>();
  const resolved = new Map<string, unknown>();
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const ref = (v as Doc).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/')) {
      if (resolved.has(ref)) return resolved.get(ref);
      // a reference cycle stays a reference (the templates never follow one)
      if (resolving.has(ref)) return v;
      resolving.add(ref);
      const out = walk(resolvePointer(root, ref));
      resolving.delete(ref);
      resolved.set(ref, out);
      return out;
    }
    const out: Doc = {};
    for (const [k, x] of Object.entries(v as Doc)) out[k] = walk(x);
    return out;
  };
  return walk(root) as Doc;
}

interface NunjucksEnvironment {
  addFilter(name: string, fn: (...args: unknown[]) => unknown): void;
  renderString(template: string, context: object, options: { path: string }): string;
}
type NunjucksModule = { Environment: new (loader: unknown, options: object) => NunjucksEnvironment; FileSystemLoader: new (dir: string) => unknown };

/** zdp's templates rendered as the generator renders them: one Nunjucks environment per template, its filters registered, every file under template/. */
function renderDocs(product: DataProduct, dir: string, formats: readonly DocFormat[]): string[] {
  const nunjucks = require('nunjucks') as NunjucksModule;
  mkdirSync(dir, { recursive: true });
  const document = { ...product.spec.contract, 'x-zdp-product': productTerms(product) };
  const text = renderYaml(document);
  const doc = dereference(document);
  const asyncapi = { json: () => doc };
  const files: string[] = [];
  for (const format of formats) {
    const template = templateDir(format);
    if (!existsSync(join(template, 'package.json'))) throw new ZdpError('internal', 'TEMPLATE_MISSING', `the ${format} documentation template is missing at ${template}`);
    const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(template), {});
    for (const file of readdirSync(join(template, 'filters'))) {
      const filters = require(join(template, 'filters', file)) as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(filters)) if (typeof filters[name] === 'function') env.addFilter(name, filters[name] as (...args: unknown[]) => unknown);
    }
    for (const name of readdirSync(join(template, 'template')).sort()) {
      const path = join(template, 'template', name);
      const out = join(dir, name);
      writeFileSync(out, env.renderString(readFileSync(path, 'utf8'), { asyncapi, params: {}, originalAsyncAPI: text }, { path }));
    }
    files.push(join(dir, DOC_FORMATS[format]));
  }
  return files;
}

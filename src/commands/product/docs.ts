/** `zdp product docs <name[@version]>`: Markdown and HTML documentation of a product from its contract. */
import { join, relative } from 'node:path';
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parseChoice, resolvePath } from '../../cli/flags.js';
import type { Runtime } from '../../cli/runtime.js';
import { ensureDir } from '../../atomic-file.js';
import { generateDocs, type DocFormat, type DocsEngine } from '../../products/docs.js';
import { productDir, readProduct } from '../../products/store.js';
import { parseProductRef } from './shared.js';

export interface DocsOptions {
  productsDir: string;
  name: string;
  version?: string;
  formats: DocFormat[];
  out?: string;
  engine: DocsEngine;
}

export function parseDocsOptions(ref: string, flags: { format: string; out?: string; generator?: boolean }, rt: ParseContext): DocsOptions {
  const format = parseChoice(flags.format, '--format', ['markdown', 'html', 'both'] as const);
  return { ...parseProductRef(ref), productsDir: rt.config().productsDir, formats: format === 'both' ? ['markdown', 'html'] : [format], ...(flags.out ? { out: resolvePath(rt.cwd, flags.out, '--out') } : {}), engine: flags.generator ? 'generator' : 'zdp' };
}

export async function runDocs(options: DocsOptions, rt: Runtime): Promise<View> {
  const p = readProduct(options.productsDir, options.name, options.version);
  const dir = options.out ?? join(productDir(options.productsDir, p.metadata.name, p.metadata.version), 'docs');
  ensureDir(dir, 'docs directory');
  const files = (await generateDocs(p, dir, options.formats, options.engine)).map((f) => relative(rt.cwd, f) || f);
  return { kind: 'ProductDocs', data: { product: p.metadata.name, productVersion: p.metadata.version, files }, text: `wrote ${files.join(', ')}` };
}

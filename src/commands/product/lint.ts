/** `zdp product lint [files or directories...]`: product files against the schema, their contract and each other. */
import { existsSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { resolvePath } from '../../cli/flags.js';
import type { Runtime } from '../../cli/runtime.js';
import { ConfigError, NotFoundError, type Diagnostic } from '../../errors.js';
import { validateAsyncApi } from '../../contracts/validate.js';
import { readProductFile } from '../../products/store.js';
import { productFilesUnder } from './shared.js';

export interface LintOptions {
  /** files and directories as resolved paths; empty: the products directory */
  paths: string[];
  productsDir: string;
}

export function parseLintOptions(files: string[], rt: ParseContext): LintOptions {
  return { paths: files.map((f) => resolvePath(rt.cwd, f, 'path')), productsDir: rt.config().productsDir };
}

export async function runLint(options: LintOptions, rt: Runtime): Promise<View> {
  const shown = (f: string) => relative(rt.cwd, f) || f;
  const roots = options.paths.length > 0 ? options.paths : [options.productsDir];
  const targets: string[] = [];
  for (const p of roots) {
    if (!existsSync(p)) {
      if (options.paths.length === 0) continue;
      throw new NotFoundError('FILE_NOT_FOUND', `no product file or directory at ${shown(p)}`, { hint: 'name product.yaml files or a products directory' });
    }
    targets.push(...(statSync(p).isDirectory() ? productFilesUnder(p) : [p]));
  }
  if (targets.length === 0) {
    const where = options.paths.length > 0 ? options.paths.map(shown).join(', ') : shown(options.productsDir);
    throw new NotFoundError('NO_PRODUCTS', `no data products in ${where}`, { hint: 'create one with `zdp productize`, or name product.yaml files' });
  }
  const diagnostics: Diagnostic[] = [];
  for (const file of targets) {
    try {
      const p = readProductFile(file);
      for (const d of await validateAsyncApi(JSON.stringify(p.spec.contract), p.spec.contract, shown(file), 'parser')) if (d.severity === 'error') diagnostics.push({ ...d, message: `spec.contract.${d.path}: ${d.message}` });
    } catch (e) {
      if (e instanceof ConfigError) diagnostics.push(...(e.diagnostics.length > 0 ? e.diagnostics : [{ code: e.code, severity: 'error' as const, message: e.message }]).map((d) => ({ ...d, file: shown(file) })));
      else throw e;
    }
  }
  const files = targets.map(shown);
  const valid = diagnostics.length === 0;
  return {
    kind: 'ProductLint',
    data: { files, valid, diagnostics },
    text: valid ? `valid: ${targets.length} product file${targets.length === 1 ? '' : 's'}` : '',
    ...(valid ? {} : { failure: new ConfigError('PRODUCT_INVALID', `${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} in ${targets.length} product file${targets.length === 1 ? '' : 's'}`, { diagnostics, hint: 'fix the files, or write the product again with `zdp productize`' }) }),
  };
}

/** What the product verbs share: product references, contracts read from disk, the gate's rendering. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseUserYaml, readUserFile } from '../../atomic-file.js';
import { renderTable } from '../../cli/render/table.js';
import { ConfigError, UsageError, type Diagnostic } from '../../errors.js';
import { printable } from '../../core/names.js';
import { parseSemver, PRODUCT_NAME, type GateResult } from '../../core/products/spec.js';
import { validateAsyncApi } from '../../contracts/validate.js';

export type Doc = Record<string, any>;

/** `name` or `name@version`: the name passes the product-name rule, the version is semver (both become paths). */
export function parseProductRef(ref: string, what = 'product'): { name: string; version?: string } {
  const at = ref.indexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const version = at < 0 ? undefined : ref.slice(at + 1);
  if (!PRODUCT_NAME.test(name)) throw new UsageError(`${what} ${JSON.stringify(printable(ref))}: a product name has 2-63 lower-case letters, digits and -, starting with a letter`, { code: 'BAD_NAME', hint: 'write name or name@version, e.g. orders@1.0.0; `zdp product list` shows them' });
  if (version !== undefined && !parseSemver(version)) throw new UsageError(`${what} ${JSON.stringify(printable(ref))}: ${JSON.stringify(printable(version))} is not a version like 1.0.0`, { code: 'BAD_VERSION' });
  return version === undefined ? { name } : { name, version };
}

/** Reads and validates an AsyncAPI contract a user named. */
export async function loadContract(path: string, shown: string): Promise<Doc> {
  const text = readUserFile(path, 'contract', { shown });
  const parsed = parseUserYaml(text, shown, 'contract');
  if (parsed.errors.length > 0) throw new ConfigError('CONTRACT_YAML', `${shown} is not valid YAML or JSON: ${parsed.errors[0]}`, { hint: 'fix the file, or extract it again with `zdp extract`' });
  const doc = (parsed.value ?? {}) as Doc;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError('CONTRACT_INVALID', `${shown} is not an AsyncAPI document (no mapping at the top)`, { hint: 'write one with `zdp extract`' });
  const diagnostics = (await validateAsyncApi(text, doc, shown)).filter((d) => d.severity === 'error');
  if (diagnostics.length > 0) {
    throw new ConfigError('CONTRACT_INVALID', `${shown} is not a valid AsyncAPI document (${diagnostics.length} error${diagnostics.length === 1 ? '' : 's'})`, {
      diagnostics: diagnostics.map((d) => ({ ...d, message: d.path ? `${d.path}: ${d.message}` : d.message })),
      hint: 'fix the contract, or extract it again with `zdp extract`',
    });
  }
  return doc;
}

/** product.yaml files below a directory (products/<name>/<version>/product.yaml), sorted; bounded depth. */
export function productFilesUnder(dir: string, depth = 4): string[] {
  const out: string[] = [];
  const walk = (d: string, left: number) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, entry.name);
      if (entry.isFile() && entry.name === 'product.yaml') out.push(p);
      else if (entry.isDirectory() && left > 0 && !entry.name.startsWith('.') && entry.name !== 'node_modules') walk(p, left - 1);
    }
  };
  if (statSync(dir).isDirectory()) walk(dir, depth);
  return out;
}

export function gateDiagnostics(gate: GateResult): Diagnostic[] {
  return gate.changes.filter((c) => c.breaking).map((c) => ({ code: `BREAKING_${c.kind.toUpperCase().replaceAll('-', '_')}`, severity: 'error', message: `${c.path}: ${c.detail} (against ${c.against}, breaks under ${c.rule})`, path: c.path }));
}

export function renderGate(gate: GateResult): string {
  if (gate.changes.length === 0) return 'no changes to the contract';
  return renderTable(['CHANGE', 'WHERE', 'NEW READS OLD', 'OLD READS NEW', 'CONSUMERS', 'RULE', 'VERDICT'], gate.changes.map((c) => [c.kind, c.path, c.backward, c.forward, c.consumers, c.rule, c.breaking ? 'BREAKING' : c.consumers === 'flag' || c.backward === 'flag' || c.forward === 'flag' ? 'review' : 'ok']));
}


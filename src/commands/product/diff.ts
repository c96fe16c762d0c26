/** `zdp product diff <old> <new>`: classify the changes between two versions; exit 7 on a break without a major bump. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { resolvePath } from '../../cli/flags.js';
import { CheckFailedError, UsageError } from '../../errors.js';
import { versionGate, type DataProduct } from '../../core/products/spec.js';
import { readProduct, readProductFile } from '../../products/store.js';
import { gateDiagnostics, parseProductRef, renderGate } from './shared.js';

type Ref = { file: string } | { name: string; version?: string };

export interface DiffOptions {
  productsDir: string;
  older: Ref;
  newer: Ref;
  acrossProducts: boolean;
}

function differentProducts(a: string, b: string): UsageError {
  return new UsageError(`${a} and ${b} are different products: a diff compares two versions of one product`, {
    code: 'DIFFERENT_PRODUCTS',
    hint: `to compare them anyway (e.g. one product replacing another), add --across-products`,
  });
}

function parseRef(ref: string, rt: ParseContext, what: string): Ref {
  if (ref.endsWith('.yaml') || ref.endsWith('.yml') || ref.includes('/')) return { file: resolvePath(rt.cwd, ref, what) };
  return parseProductRef(ref, what);
}

export function parseDiffOptions(a: string, b: string, rt: ParseContext, flags: { acrossProducts?: boolean } = {}): DiffOptions {
  const older = parseRef(a, rt, '<old>');
  const newer = parseRef(b, rt, '<new>');
  const acrossProducts = flags.acrossProducts === true;
  // names given: refused before any file is read
  if (!acrossProducts && 'name' in older && 'name' in newer && older.name !== newer.name) throw differentProducts(older.name, newer.name);
  return { older, newer, productsDir: rt.config().productsDir, acrossProducts };
}

export function runDiff(options: DiffOptions): View {
  const load = (ref: Ref): DataProduct => ('file' in ref ? readProductFile(ref.file) : readProduct(options.productsDir, ref.name, ref.version));
  const older = load(options.older);
  const newer = load(options.newer);
  if (!options.acrossProducts && older.metadata.name !== newer.metadata.name) throw differentProducts(older.metadata.name, newer.metadata.name);
  const gate = versionGate([older], newer);
  return {
    kind: 'ProductDiff',
    data: { product: older.metadata.name, ...(newer.metadata.name !== older.metadata.name ? { newProduct: newer.metadata.name } : {}), old: older.metadata.version, new: newer.metadata.version, breaking: gate.breaking, majorBump: gate.majorBump, ok: gate.ok, changes: gate.changes },
    text: renderGate(gate),
    ...(gate.ok ? {} : { failure: new CheckFailedError('BREAKING_CHANGE', `${gate.breaking} breaking change${gate.breaking === 1 ? '' : 's'} from ${older.metadata.version} to ${newer.metadata.version} without a major version bump`, { diagnostics: gateDiagnostics(gate) }) }),
  };
}

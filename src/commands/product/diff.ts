/** `zdp product diff <old> <new>`: classify the changes between two versions; exit 7 on a break without a major bump. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { resolvePath } from '../../cli/flags.js';
import { CheckFailedError } from '../../errors.js';
import { versionGate, type DataProduct } from '../../core/products/spec.js';
import { readProduct, readProductFile } from '../../products/store.js';
import { gateDiagnostics, parseProductRef, renderGate } from './shared.js';

type Ref = { file: string } | { name: string; version?: string };

export interface DiffOptions {
  productsDir: string;
  older: Ref;
  newer: Ref;
}

function parseRef(ref: string, rt: ParseContext, what: string): Ref {
  if (ref.endsWith('.yaml') || ref.endsWith('.yml') || ref.includes('/')) return { file: resolvePath(rt.cwd, ref, what) };
  return parseProductRef(ref, what);
}

export function parseDiffOptions(a: string, b: string, rt: ParseContext): DiffOptions {
  return { older: parseRef(a, rt, '<old>'), newer: parseRef(b, rt, '<new>'), productsDir: rt.config().productsDir };
}

export function runDiff(options: DiffOptions): View {
  const load = (ref: Ref): DataProduct => ('file' in ref ? readProductFile(ref.file) : readProduct(options.productsDir, ref.name, ref.version));
  const older = load(options.older);
  const newer = load(options.newer);
  const gate = versionGate([older], newer);
  return {
    kind: 'ProductDiff',
    data: { old: older.metadata.version, new: newer.metadata.version, breaking: gate.breaking, majorBump: gate.majorBump, ok: gate.ok, changes: gate.changes },
    text: renderGate(gate),
    ...(gate.ok ? {} : { failure: new CheckFailedError('BREAKING_CHANGE', `${gate.breaking} breaking change${gate.breaking === 1 ? '' : 's'} from ${older.metadata.version} to ${newer.metadata.version} without a major version bump`, { diagnostics: gateDiagnostics(gate) }) }),
  };
}

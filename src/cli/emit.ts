/**
 * The one output path. A command's run function returns a View; `emit` renders it as a table (the
 * human text), JSON (the envelope: kind, version, zdpVersion, then the result) or YAML (the same
 * envelope), writes its warnings and next steps to stderr, and raises the view's failure, if any,
 * after the result is out (the command ran and the answer is no: parity mismatch, breaking change).
 */
import { stringify as stringifyYaml } from 'yaml';
import type { ZdpError } from '../errors.js';
import { ZDP_VERSION } from '../version.js';
import { jsonReplacer, type Io } from './io.js';

export { OUTPUT_FORMATS, type OutputFormat } from './io.js';

export interface View {
  /** the result kind in JSON and YAML, e.g. ParityReport */
  kind: string;
  /** the result, without the envelope fields */
  data: object;
  /** the human form on stdout (table format); omitted: the YAML form */
  text?: string | ((io: Io) => string);
  /** a document that is the result itself (`--out -`): written as it is, whatever the format */
  document?: string;
  /** warnings (stderr, always) */
  warnings?: string[];
  /** next steps and notes (stderr; not with --quiet) */
  notes?: string[];
  /** raised after the result is written */
  failure?: ZdpError;
}

/** The envelope every machine-readable result has: kind, version, zdpVersion first, then the data. */
export function envelope(view: Pick<View, 'kind' | 'data'>): Record<string, unknown> {
  const { kind: _kind, version: _version, zdpVersion: _z, ...rest } = view.data as Record<string, unknown>;
  return { kind: view.kind, version: 1, zdpVersion: ZDP_VERSION, ...rest };
}

/** YAML with bigints as decimal strings, as in JSON. */
export function toYaml(value: unknown): string {
  return stringifyYaml(JSON.parse(JSON.stringify(value, jsonReplacer)), { lineWidth: 0 });
}

export function emit(io: Io, view: View): void {
  // warnings: on stderr for people; inside the document for machines (stderr stays clean)
  for (const w of view.warnings ?? []) io.warn(w);
  if (view.document !== undefined) io.stdout.write(view.document);
  else if (io.json) {
    const doc = envelope(view);
    if (io.heldWarnings.length > 0 && doc.warnings === undefined) doc.warnings = [...new Set(io.heldWarnings)];
    if (io.format === 'json') io.outJson(doc);
    else io.out(toYaml(doc));
  } else {
    const text = typeof view.text === 'function' ? view.text(io) : view.text ?? toYaml(envelope(view));
    if (text.length > 0) io.out(text);
  }
  for (const n of view.notes ?? []) io.info(n);
  if (view.failure) throw view.failure;
}

/**
 * Classifies every change between two versions of a data product's contract, and decides which
 * changes break under a compatibility rule. Rules are data: each change says what it does to
 * consumers reading old data with the new schema (backward) and to old consumers reading new data
 * (forward). Pure.
 */
import avsc from 'avsc';
import { resolvePointer, schemaBranch, schemaTypes } from '../contracts/schema-walk.js';

import type { CompatibilityRule } from './terms.js';
export { COMPATIBILITY_RULES, DEFAULT_COMPATIBILITY, type CompatibilityRule } from './terms.js';

/** ok: compatible; breaks: incompatible; flag: compatible but worth a reviewer's eye */
export type Effect = 'ok' | 'breaks' | 'flag';

export interface Change {
  /** where: channel address + JSON path, e.g. orders.created payload.properties.total */
  path: string;
  kind: string;
  detail: string;
  backward: Effect;
  forward: Effect;
  /**
   * what the change does to the consumers a product already has and the ones it will have (reading
   * old data or new): breaks when either direction breaks, or when a reader could rely on what went away
   */
  consumers: Effect;
}

type Classified = Omit<Change, 'consumers'>;

/** Changes that break no registry rule but take away something an existing reader may use. */
const CONSUMER_BREAKS = new Set(['optional-property-removed']);

function withConsumers(c: Classified): Change {
  const consumers: Effect = c.backward === 'breaks' || c.forward === 'breaks' || CONSUMER_BREAKS.has(c.kind) ? 'breaks' : c.backward === 'flag' || c.forward === 'flag' ? 'flag' : 'ok';
  return { ...c, consumers };
}

type Schema = Record<string, unknown>;

/** integer ⊂ number: a type set widened if it now also accepts what it did not. */
function accepts(set: Set<string>, type: string): boolean {
  return set.has('any') || set.has(type) || (type === 'integer' && set.has('number'));
}

/** Lower bounds: a higher one rejects values the old one took. Upper bounds the other way. */
const LOWER_BOUNDS = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties'] as const;
const UPPER_BOUNDS = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties'] as const;

/**
 * Value constraints of the branches both schemas share: tightened (new readers reject old data:
 * backward breaks) or loosened (old readers meet values they never accepted: forward breaks).
 */
function diffBounds(before: Schema, after: Schema, path: string, out: Classified[]): void {
  for (const type of ['string', 'integer', 'number', 'array', 'object']) {
    const b = schemaBranch(before, type);
    const a = schemaBranch(after, type);
    // one schema can be the branch of several types (type: [integer, number]): compare it once
    if (!b || !a || (type === 'number' && schemaBranch(before, 'integer') === b && schemaBranch(after, 'integer') === a)) continue;
    const bound = (key: string, lower: boolean) => {
      const vb = typeof b[key] === 'number' ? (b[key] as number) : undefined;
      const va = typeof a[key] === 'number' ? (a[key] as number) : undefined;
      if (vb === va) return;
      // a bound that appears, or moves inward, tightens; one that goes, or moves outward, loosens
      const tighter = vb === undefined || (va !== undefined && (lower ? va > vb : va < vb));
      out.push(tighter
        ? { path, kind: 'constraint-tightened', detail: `${key} ${vb ?? 'none'} -> ${va ?? 'none'}`, backward: 'breaks', forward: 'ok' }
        : { path, kind: 'constraint-loosened', detail: `${key} ${vb ?? 'none'} -> ${va ?? 'none'}`, backward: 'ok', forward: 'breaks' });
    };
    for (const key of LOWER_BOUNDS) bound(key, true);
    for (const key of UPPER_BOUNDS) bound(key, false);
    if (b.multipleOf !== a.multipleOf) out.push({ path, kind: 'constraint-changed', detail: `multipleOf ${String(b.multipleOf ?? 'none')} -> ${String(a.multipleOf ?? 'none')}`, backward: a.multipleOf === undefined ? 'ok' : 'breaks', forward: b.multipleOf === undefined ? 'ok' : 'breaks' });
    if (b.pattern !== a.pattern) {
      out.push(a.pattern === undefined
        ? { path, kind: 'pattern-removed', detail: `pattern ${String(b.pattern)} dropped`, backward: 'ok', forward: 'breaks' }
        : b.pattern === undefined
          ? { path, kind: 'pattern-added', detail: `pattern ${String(a.pattern)} required`, backward: 'breaks', forward: 'ok' }
          // which strings two patterns share is undecidable here: either side may meet a value it rejects
          : { path, kind: 'pattern-changed', detail: `pattern ${String(b.pattern)} -> ${String(a.pattern)}`, backward: 'breaks', forward: 'breaks' });
    }
    if (JSON.stringify(b.const) !== JSON.stringify(a.const)) {
      out.push(a.const === undefined
        ? { path, kind: 'const-removed', detail: 'no longer a constant', backward: 'ok', forward: 'breaks' }
        : { path, kind: 'const-changed', detail: `constant ${JSON.stringify(b.const ?? null)} -> ${JSON.stringify(a.const)}`, backward: 'breaks', forward: b.const === undefined ? 'ok' : 'breaks' });
    }
  }
}

/** Compares two JSON Schemas (the AsyncAPI schema dialect zdp writes) and lists the changes. */
function diffJsonSchemas(before: Schema | undefined, after: Schema | undefined, path: string, out: Classified[] = []): Classified[] {
  if (!before && !after) return out;
  if (!before || !after) {
    out.push({ path, kind: before ? 'schema-removed' : 'schema-added', detail: before ? 'schema removed' : 'schema added', backward: 'breaks', forward: 'breaks' });
    return out;
  }
  const tb = schemaTypes(before);
  const ta = schemaTypes(after);
  for (const t of tb) {
    if (accepts(ta, t)) continue;
    if (t === 'null') out.push({ path, kind: 'null-removed', detail: 'no longer nullable', backward: 'breaks', forward: 'ok' });
    else out.push({ path, kind: 'type-narrowed', detail: `no longer accepts ${t} (now ${[...ta].sort().join(' | ')})`, backward: 'breaks', forward: 'ok' });
  }
  for (const t of ta) {
    if (accepts(tb, t)) continue;
    if (t === 'null') out.push({ path, kind: 'null-added', detail: 'now nullable', backward: 'ok', forward: 'breaks' });
    else out.push({ path, kind: 'type-widened', detail: `now also accepts ${t} (was ${[...tb].sort().join(' | ')})`, backward: 'ok', forward: 'breaks' });
  }
  // Constraints of the shared string branch
  const sb = schemaBranch(before, 'string');
  const sa = schemaBranch(after, 'string');
  if (sb && sa) {
    const eb = Array.isArray(sb.enum) ? (sb.enum as unknown[]).filter((v) => v !== null).map(String) : undefined;
    const ea = Array.isArray(sa.enum) ? (sa.enum as unknown[]).filter((v) => v !== null).map(String) : undefined;
    if (eb && ea) {
      for (const v of eb) if (!ea.includes(v)) out.push({ path, kind: 'enum-value-removed', detail: `enum value "${v}" removed`, backward: 'breaks', forward: 'ok' });
      for (const v of ea) if (!eb.includes(v)) out.push({ path, kind: 'enum-value-added', detail: `enum value "${v}" added`, backward: 'ok', forward: 'breaks' });
    } else if (!eb && ea) {
      out.push({ path, kind: 'enum-added', detail: `restricted to ${ea.join(', ')}`, backward: 'breaks', forward: 'ok' });
    } else if (eb && !ea) {
      out.push({ path, kind: 'enum-removed', detail: 'no longer restricted to an enum', backward: 'ok', forward: 'breaks' });
    }
    if (sb.format !== sa.format) {
      if (sa.format === undefined) out.push({ path, kind: 'format-removed', detail: `format ${String(sb.format)} dropped`, backward: 'ok', forward: 'breaks' });
      else if (sb.format === undefined) out.push({ path, kind: 'format-added', detail: `format ${String(sa.format)} required`, backward: 'breaks', forward: 'ok' });
      else out.push({ path, kind: 'format-changed', detail: `format ${String(sb.format)} -> ${String(sa.format)}`, backward: 'breaks', forward: 'breaks' });
    }
  }
  diffBounds(before, after, path, out);
  // Objects
  const ob = schemaBranch(before, 'object');
  const oa = schemaBranch(after, 'object');
  if (ob && oa) {
    const pb = (ob.properties ?? {}) as Record<string, Schema>;
    const pa = (oa.properties ?? {}) as Record<string, Schema>;
    const rb = new Set((ob.required ?? []) as string[]);
    const ra = new Set((oa.required ?? []) as string[]);
    for (const name of [...new Set([...Object.keys(pb), ...Object.keys(pa)])].sort()) {
      const p = `${path}.${name}`;
      if (!(name in pa)) {
        out.push(rb.has(name)
          ? { path: p, kind: 'required-property-removed', detail: 'required property removed', backward: 'ok', forward: 'breaks' }
          : { path: p, kind: 'optional-property-removed', detail: 'optional property removed', backward: 'ok', forward: 'flag' });
        continue;
      }
      if (!(name in pb)) {
        out.push(ra.has(name)
          ? { path: p, kind: 'required-property-added', detail: 'required property added (old records lack it)', backward: 'breaks', forward: 'ok' }
          : { path: p, kind: 'optional-property-added', detail: 'optional property added', backward: 'ok', forward: 'ok' });
        continue;
      }
      if (!rb.has(name) && ra.has(name)) out.push({ path: p, kind: 'became-required', detail: 'optional -> required', backward: 'breaks', forward: 'ok' });
      if (rb.has(name) && !ra.has(name)) out.push({ path: p, kind: 'became-optional', detail: 'required -> optional', backward: 'ok', forward: 'breaks' });
      diffJsonSchemas(pb[name], pa[name], p, out);
    }
    const ab = ob.additionalProperties as Schema | boolean | undefined;
    const aa = oa.additionalProperties as Schema | boolean | undefined;
    if (typeof ab === 'object' && typeof aa === 'object') diffJsonSchemas(ab, aa, `${path}.*`, out);
    else if (aa === false && ab !== false) out.push({ path, kind: 'closed', detail: 'additional properties no longer allowed', backward: 'breaks', forward: 'ok' });
    else if (ab === false && aa !== false) out.push({ path, kind: 'opened', detail: 'additional properties now allowed', backward: 'ok', forward: 'breaks' });
  }
  // Arrays
  const arb = schemaBranch(before, 'array');
  const ara = schemaBranch(after, 'array');
  if (arb && ara && (arb.items || ara.items)) diffJsonSchemas((arb.items ?? {}) as Schema, (ara.items ?? {}) as Schema, `${path}[]`, out);
  return out;
}

/** Avro: real schema resolution with avsc, in both directions. */
function diffAvroSchemas(before: unknown, after: unknown, path: string): Classified[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const load = (s: unknown) => avsc.Type.forSchema(s as avsc.Schema, { wrapUnions: true });
  const resolves = (reader: unknown, writer: unknown) => {
    try {
      load(reader).createResolver(load(writer));
      return true;
    } catch {
      return false;
    }
  };
  const backward = resolves(after, before) ? 'ok' : 'breaks';
  const forward = resolves(before, after) ? 'ok' : 'breaks';
  const out: Classified[] = [{ path, kind: 'avro-schema-changed', detail: `Avro schema changed (new reads old: ${backward === 'ok' ? 'yes' : 'no'}; old reads new: ${forward === 'ok' ? 'yes' : 'no'})`, backward, forward }];
  // a field that went away resolves (an old reader takes its default) but that reader now sees the default, not the data
  const fb = avroFields(before, path);
  const fa = avroFields(after, path);
  for (const f of [...fb].filter((f) => !fa.has(f)).sort()) out.push({ path: f, kind: 'optional-property-removed', detail: 'Avro field removed (readers that have it get its default)', backward: 'ok', forward: forward === 'ok' ? 'flag' : 'breaks' });
  return out;
}

/** Paths of the fields of an Avro schema's records, nested records included (named types once). */
function avroFields(schema: unknown, path: string, out = new Set<string>(), seen = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const branch of schema) avroFields(branch, path, out, seen);
    return out;
  }
  if (!schema || typeof schema !== 'object') return out;
  const s = schema as { type?: unknown; name?: string; fields?: { name: string; type: unknown }[]; items?: unknown; values?: unknown };
  if (s.type === 'record' && Array.isArray(s.fields)) {
    if (s.name && seen.has(s.name)) return out;
    if (s.name) seen.add(s.name);
    for (const f of s.fields) {
      out.add(`${path}.${f.name}`);
      avroFields(f.type, `${path}.${f.name}`, out, seen);
    }
  } else if (s.type === 'array') avroFields(s.items, `${path}[]`, out, seen);
  else if (s.type === 'map') avroFields(s.values, `${path}.*`, out, seen);
  else if (typeof s.type === 'object') avroFields(s.type, path, out, seen);
  return out;
}

type Doc = Record<string, any>;

function resolveRef(doc: Doc, value: unknown): any {
  let v = value as Doc | undefined;
  for (let i = 0; i < 16 && v && typeof v.$ref === 'string' && v.$ref.startsWith('#/'); i++) v = resolvePointer(doc, v.$ref) as Doc | undefined;
  return v;
}

interface ChannelView {
  id: string;
  address: string;
  binding: Doc;
  messages: Doc[];
  actions: Set<string>;
}

function channels(doc: Doc): Map<string, ChannelView> {
  const out = new Map<string, ChannelView>();
  for (const [id, raw] of Object.entries((doc.channels ?? {}) as Doc)) {
    const ch = resolveRef(doc, raw) as Doc;
    const messages = Object.values((ch.messages ?? {}) as Doc).map((m) => resolveRef(doc, m) as Doc);
    out.set(ch.address ?? id, { id, address: ch.address ?? id, binding: ch.bindings?.kafka ?? {}, messages, actions: new Set() });
  }
  for (const op of Object.values((doc.operations ?? {}) as Doc) as Doc[]) {
    const ch = resolveRef(doc, op.channel) as Doc | undefined;
    if (ch?.address && out.has(ch.address)) out.get(ch.address)!.actions.add(op.action);
  }
  return out;
}

function payloadKind(p: Doc | undefined): string {
  if (!p) return 'none';
  if (typeof p.schemaFormat === 'string') return p.schemaFormat.split(';')[0]!;
  return 'json-schema';
}

/** Every change from one contract to the next, channels matched by address. */
export function diffContracts(before: Doc, after: Doc): Change[] {
  const out: Classified[] = [];
  const cb = channels(before);
  const ca = channels(after);
  for (const address of [...new Set([...cb.keys(), ...ca.keys()])].sort()) {
    const b = cb.get(address);
    const a = ca.get(address);
    if (!a) {
      out.push({ path: address, kind: 'channel-removed', detail: 'channel removed', backward: 'breaks', forward: 'breaks' });
      continue;
    }
    if (!b) {
      out.push({ path: address, kind: 'channel-added', detail: 'channel added', backward: 'ok', forward: 'ok' });
      continue;
    }
    for (const action of b.actions) if (!a.actions.has(action)) out.push({ path: address, kind: 'operation-removed', detail: `${action} operation removed`, backward: 'breaks', forward: 'breaks' });
    const pb = Number(b.binding.partitions);
    const pa = Number(a.binding.partitions);
    if (pb && pa && pb !== pa) {
      out.push(pa > pb
        ? { path: `${address} bindings.partitions`, kind: 'partitions-increased', detail: `${pb} -> ${pa}: per-key ordering changes`, backward: 'flag', forward: 'flag' }
        : { path: `${address} bindings.partitions`, kind: 'partitions-decreased', detail: `${pb} -> ${pa}: Kafka cannot shrink a topic`, backward: 'breaks', forward: 'breaks' });
    }
    const tcb = (b.binding.topicConfiguration ?? {}) as Doc;
    const tca = (a.binding.topicConfiguration ?? {}) as Doc;
    if (JSON.stringify([...(tcb['cleanup.policy'] ?? [])].sort()) !== JSON.stringify([...(tca['cleanup.policy'] ?? [])].sort())) {
      out.push({ path: `${address} bindings.topicConfiguration.cleanup.policy`, kind: 'cleanup-policy-changed', detail: `${(tcb['cleanup.policy'] ?? []).join(',')} -> ${(tca['cleanup.policy'] ?? []).join(',')}`, backward: 'breaks', forward: 'breaks' });
    }
    const rb = Number(tcb['retention.ms'] ?? NaN);
    const ra = Number(tca['retention.ms'] ?? NaN);
    if (!Number.isNaN(rb) && !Number.isNaN(ra) && rb !== ra) {
      const longer = ra === -1 || (rb !== -1 && ra > rb);
      out.push(longer
        ? { path: `${address} bindings.topicConfiguration.retention.ms`, kind: 'retention-increased', detail: `${rb} -> ${ra}`, backward: 'ok', forward: 'ok' }
        : { path: `${address} bindings.topicConfiguration.retention.ms`, kind: 'retention-reduced', detail: `${rb} -> ${ra}: shorter replay window`, backward: 'flag', forward: 'ok' });
    }
    const mb = b.messages[0];
    const ma = a.messages[0];
    if (!mb || !ma) continue;
    if ((mb.contentType ?? '') !== (ma.contentType ?? '')) out.push({ path: `${address} message.contentType`, kind: 'content-type-changed', detail: `${mb.contentType} -> ${ma.contentType}`, backward: 'breaks', forward: 'breaks' });
    const payB = resolveRef(before, mb.payload) as Doc | undefined;
    const payA = resolveRef(after, ma.payload) as Doc | undefined;
    const kb = payloadKind(payB);
    const ka = payloadKind(payA);
    if (kb !== ka) {
      out.push({ path: `${address} message.payload`, kind: 'encoding-changed', detail: `${kb} -> ${ka}`, backward: 'breaks', forward: 'breaks' });
    } else if (kb === 'application/vnd.apache.avro') {
      out.push(...diffAvroSchemas(payB!.schema, payA!.schema, `${address} message.payload`));
    } else if (kb === 'json-schema') {
      diffJsonSchemas(payB, payA, `${address} message.payload`, out);
    } else if (JSON.stringify(payB) !== JSON.stringify(payA)) {
      out.push({ path: `${address} message.payload`, kind: 'schema-changed', detail: `${kb} schema changed: check it with the registry`, backward: 'flag', forward: 'flag' });
    }
    const keyB = mb.bindings?.kafka?.key;
    const keyA = ma.bindings?.kafka?.key;
    if (JSON.stringify(keyB ?? null) !== JSON.stringify(keyA ?? null)) {
      out.push({ path: `${address} message.bindings.kafka.key`, kind: 'key-changed', detail: 'key schema or encoding changed: partitioning changes', backward: 'breaks', forward: 'breaks' });
    }
    const hb = resolveRef(before, mb.headers) as Doc | undefined;
    const ha = resolveRef(after, ma.headers) as Doc | undefined;
    if (hb || ha) diffJsonSchemas(hb ?? { type: 'object' }, ha ?? { type: 'object' }, `${address} message.headers`, out);
  }
  return out.map(withConsumers);
}

export function checksBackward(rule: CompatibilityRule): boolean {
  return rule.startsWith('BACKWARD') || rule.startsWith('FULL');
}

export function checksForward(rule: CompatibilityRule): boolean {
  return rule.startsWith('FORWARD') || rule.startsWith('FULL');
}

/** Compared with every earlier version of the same major, not only the last: consumers may be on any of them. */
export function isTransitive(rule: CompatibilityRule): boolean {
  return rule.endsWith('_TRANSITIVE') || rule === 'CONSUMER_SAFE';
}

/** Whether a change breaks under a rule. */
export function breaks(change: Change, rule: CompatibilityRule): boolean {
  if (rule === 'CONSUMER_SAFE') return change.consumers === 'breaks';
  return (checksBackward(rule) && change.backward === 'breaks') || (checksForward(rule) && change.forward === 'breaks');
}

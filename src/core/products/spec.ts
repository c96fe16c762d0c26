/**
 * The data-product spec: the stable, versioned boundary clients depend on while the Kafka behind
 * it changes. Building a product from extracted contracts, checking its consistency, semver, and
 * the version gate are pure functions here; files live in products/<name>/<version>/product.yaml.
 */
import type { Diagnostic } from '../../errors.js';
import { sortKeys } from '../inference/json-infer.js';
import { breaks, DEFAULT_COMPATIBILITY, diffContracts, isTransitive, type Change, type CompatibilityRule } from './compat.js';

export const PRODUCT_API_VERSION = 'zdp/v1';
export const PRODUCT_KIND = 'DataProduct';
import { CONSUMPTION_MODES, type ConsumptionMode } from './terms.js';
export { CONSUMPTION_MODES, type ConsumptionMode };
export const PRODUCT_NAME = /^[a-z][a-z0-9-]{1,62}$/;

export interface ProductChannel {
  /** channel id in the contract */
  id: string;
  /** the topic clients see */
  address: string;
  read: boolean;
  write: boolean;
  compatibility: CompatibilityRule;
  /** message id in the contract */
  message: string;
}

export interface AccessRule {
  /** app:<name> or role:<name> */
  principal: string;
  channels: string[];
  permissions: ('read' | 'write')[];
}

export interface DataProduct {
  apiVersion: typeof PRODUCT_API_VERSION;
  kind: typeof PRODUCT_KIND;
  metadata: {
    name: string;
    version: string;
    domain?: string;
    description?: string;
    owner: { team: string; email?: string };
    contacts: { name: string; email?: string; role?: string }[];
    tags: string[];
  };
  spec: {
    channels: ProductChannel[];
    consumption: ConsumptionMode[];
    access: AccessRule[];
    serviceLevels: { retentionMs?: number; freshnessSeconds?: number };
    deployment: { cluster: string; topics: Record<string, string> };
    contract: Record<string, unknown>;
  };
}

// ---- semver ----

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  pre: string;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-.]+)?$/;

export function parseSemver(v: string): SemVer | undefined {
  const m = SEMVER.exec(v);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ?? '' };
}

export function compareSemver(a: string, b: string): number {
  const x = parseSemver(a)!;
  const y = parseSemver(b)!;
  if (x.major !== y.major) return x.major - y.major;
  if (x.minor !== y.minor) return x.minor - y.minor;
  if (x.patch !== y.patch) return x.patch - y.patch;
  if (x.pre === y.pre) return 0;
  if (x.pre === '') return 1;
  if (y.pre === '') return -1;
  return x.pre < y.pre ? -1 : 1;
}

// ---- building ----

type Doc = Record<string, any>;

/** Bundles several contracts into one self-contained AsyncAPI document (ids are topic-derived, so they rarely clash). */
export function bundleContracts(docs: readonly Doc[], title: string, version: string): { doc: Doc; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const out: Doc = { asyncapi: '3.0.0', info: { title, version }, servers: {}, channels: {}, operations: {}, components: {} };
  for (const d of docs) {
    if (d.defaultContentType && !out.defaultContentType) out.defaultContentType = d.defaultContentType;
    for (const section of ['servers', 'channels', 'operations'] as const) {
      for (const [id, v] of Object.entries((d[section] ?? {}) as Doc)) {
        if (section !== 'servers' && out[section][id] && JSON.stringify(out[section][id]) !== JSON.stringify(v)) {
          diagnostics.push({ code: 'BUNDLE_CLASH', severity: 'error', message: `${section}.${id} is defined differently in two contracts`, path: `${section}.${id}` });
          continue;
        }
        out[section][id] ??= v;
      }
    }
    for (const [kind, entries] of Object.entries((d.components ?? {}) as Doc)) {
      out.components[kind] ??= {};
      for (const [id, v] of Object.entries(entries as Doc)) {
        if (out.components[kind][id] && JSON.stringify(out.components[kind][id]) !== JSON.stringify(v)) {
          diagnostics.push({ code: 'BUNDLE_CLASH', severity: 'error', message: `components.${kind}.${id} is defined differently in two contracts`, path: `components.${kind}.${id}` });
          continue;
        }
        out.components[kind][id] ??= v;
      }
    }
  }
  return { doc: out, diagnostics };
}

/** Keeps only the selected channels (by id or address) and what they reference. */
export function selectChannels(doc: Doc, wanted: readonly string[]): { doc: Doc; unknown: string[] } {
  const all = Object.entries((doc.channels ?? {}) as Doc);
  if (wanted.length === 0) return { doc, unknown: [] };
  const keep = new Set<string>();
  const unknown: string[] = [];
  for (const w of wanted) {
    const hit = all.find(([id, ch]) => id === w || ch.address === w);
    if (hit) keep.add(hit[0]);
    else unknown.push(w);
  }
  const channels = Object.fromEntries(all.filter(([id]) => keep.has(id)));
  const operations = Object.fromEntries(Object.entries((doc.operations ?? {}) as Doc).filter(([, op]) => keep.has(String(op.channel?.$ref ?? '').split('/').pop() ?? '')));
  const usedMessages = new Set<string>();
  for (const ch of Object.values(channels) as Doc[]) for (const m of Object.values((ch.messages ?? {}) as Doc)) usedMessages.add(String(m.$ref ?? '').split('/').pop()!);
  const messages = Object.fromEntries(Object.entries((doc.components?.messages ?? {}) as Doc).filter(([id]) => usedMessages.has(id)));
  const usedSchemas = new Set<string>();
  const collect = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Doc)) {
        if (k === '$ref' && typeof x === 'string' && x.startsWith('#/components/schemas/')) usedSchemas.add(x.split('/').pop()!);
        else collect(x);
      }
    }
  };
  collect(messages);
  const components: Doc = { ...doc.components, messages };
  if (doc.components?.schemas) components.schemas = Object.fromEntries(Object.entries(doc.components.schemas as Doc).filter(([id]) => usedSchemas.has(id)));
  return { doc: { ...doc, channels, operations, components }, unknown };
}

export interface ProductInput {
  name: string;
  version: string;
  owner: { team: string; email?: string };
  domain?: string;
  description?: string;
  tags: string[];
  contacts: { name: string; email?: string; role?: string }[];
  compatibility: CompatibilityRule;
  consumption: ConsumptionMode[];
  /** channels producers may write to (ids or addresses); others are read-only */
  writable: string[];
  access: AccessRule[];
  cluster: string;
  freshnessSeconds?: number;
}

export function buildProduct(contract: Doc, input: ProductInput): DataProduct {
  const channels: ProductChannel[] = [];
  const topics: Record<string, string> = {};
  let retentionMs: number | undefined;
  for (const [id, ch] of Object.entries((contract.channels ?? {}) as Doc).sort(([a], [b]) => a.localeCompare(b))) {
    const message = Object.values((ch.messages ?? {}) as Doc).map((m) => String(m.$ref ?? '').split('/').pop()!)[0] ?? '';
    const writable = input.writable.includes(id) || input.writable.includes(ch.address);
    channels.push({ id, address: ch.address, read: true, write: writable, compatibility: input.compatibility, message });
    topics[id] = ch.bindings?.kafka?.topic ?? ch.address;
    const r = ch.bindings?.kafka?.topicConfiguration?.['retention.ms'];
    if (typeof r === 'number') retentionMs = retentionMs === undefined ? r : Math.min(retentionMs, r);
  }
  const doc = {
    ...contract,
    info: {
      ...(contract.info ?? {}),
      title: input.name,
      version: input.version,
      ...(input.description ? { description: input.description } : {}),
      contact: { name: input.owner.team, ...(input.owner.email ? { email: input.owner.email } : {}) },
      ...(input.tags.length ? { tags: [...input.tags].sort().map((name) => ({ name })) } : {}),
    },
  };
  return sortKeys({
    apiVersion: PRODUCT_API_VERSION,
    kind: PRODUCT_KIND,
    metadata: {
      name: input.name,
      version: input.version,
      ...(input.domain ? { domain: input.domain } : {}),
      ...(input.description ? { description: input.description } : {}),
      owner: input.owner,
      contacts: input.contacts,
      tags: [...input.tags].sort(),
    },
    spec: {
      channels,
      consumption: [...input.consumption].sort(),
      access: [...input.access].sort((a, b) => a.principal.localeCompare(b.principal)),
      serviceLevels: { ...(retentionMs !== undefined ? { retentionMs } : {}), ...(input.freshnessSeconds !== undefined ? { freshnessSeconds: input.freshnessSeconds } : {}) },
      deployment: { cluster: input.cluster, topics },
      contract: doc,
    },
  }) as DataProduct;
}

/** Consistency the JSON Schema cannot express: ids that must exist in the contract. */
export function checkProduct(p: DataProduct, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const channels = (p.spec.contract.channels ?? {}) as Doc;
  const messages = ((p.spec.contract.components as Doc | undefined)?.messages ?? {}) as Doc;
  const ids = new Set(p.spec.channels.map((c) => c.id));
  p.spec.channels.forEach((c, i) => {
    const ch = channels[c.id];
    if (!ch) out.push({ code: 'PRODUCT_CHANNEL', severity: 'error', message: `channel ${c.id} is not in the contract`, path: `spec.channels.${i}.id`, file });
    else if (ch.address !== c.address) out.push({ code: 'PRODUCT_CHANNEL', severity: 'error', message: `channel ${c.id} has address ${ch.address} in the contract, not ${c.address}`, path: `spec.channels.${i}.address`, file });
    if (c.message && !messages[c.message]) out.push({ code: 'PRODUCT_MESSAGE', severity: 'error', message: `message ${c.message} is not in the contract`, path: `spec.channels.${i}.message`, file });
    if (!p.spec.deployment.topics[c.id]) out.push({ code: 'PRODUCT_DEPLOYMENT', severity: 'error', message: `no backend topic for channel ${c.id}`, path: 'spec.deployment.topics', file });
  });
  p.spec.access.forEach((a, i) => {
    for (const ch of a.channels) if (ch !== '*' && !ids.has(ch)) out.push({ code: 'PRODUCT_ACCESS', severity: 'error', message: `access rule for ${a.principal} names unknown channel ${ch}`, path: `spec.access.${i}.channels`, file });
    if (a.permissions.includes('write')) {
      for (const ch of a.channels) {
        const c = p.spec.channels.find((x) => x.id === ch);
        if (c && !c.write) out.push({ code: 'PRODUCT_ACCESS', severity: 'error', message: `access rule for ${a.principal} grants write on read-only channel ${ch}`, path: `spec.access.${i}.permissions`, file });
      }
    }
  });
  if (!parseSemver(p.metadata.version)) out.push({ code: 'PRODUCT_VERSION', severity: 'error', message: `version ${p.metadata.version} is not semver (MAJOR.MINOR.PATCH)`, path: 'metadata.version', file });
  return out;
}

export interface GateResult {
  changes: (Change & { breaking: boolean; against: string; rule: CompatibilityRule })[];
  breaking: number;
  /** the breaking changes are allowed because the major version went up */
  majorBump: boolean;
  ok: boolean;
}

/**
 * The version gate: classify every change against the previous version (or, for transitive rules
 * and CONSUMER_SAFE, every earlier version of the same major: an earlier major was broken on
 * purpose) and demand a major bump for a breaking one.
 */
export function versionGate(previous: readonly DataProduct[], next: DataProduct): GateResult {
  const sorted = [...previous].sort((a, b) => compareSemver(a.metadata.version, b.metadata.version));
  const last = sorted[sorted.length - 1];
  if (!last) return { changes: [], breaking: 0, majorBump: false, ok: true };
  const ruleFor = (path: string): CompatibilityRule => {
    const address = path.split(' ')[0];
    return next.spec.channels.find((c) => c.address === address)?.compatibility ?? last.spec.channels.find((c) => c.address === address)?.compatibility ?? DEFAULT_COMPATIBILITY;
  };
  const changes: GateResult['changes'] = [];
  const seen = new Set<string>();
  const major = parseSemver(next.metadata.version)!.major;
  for (const p of [...sorted].reverse()) {
    const isLast = p === last;
    if (!isLast && parseSemver(p.metadata.version)!.major !== major) continue;
    for (const c of diffContracts(p.spec.contract, next.spec.contract)) {
      const rule = ruleFor(c.path);
      if (!isLast && !isTransitive(rule)) continue;
      const key = `${c.path}|${c.kind}|${c.detail}`;
      if (seen.has(key)) continue;
      seen.add(key);
      changes.push({ ...c, breaking: breaks(c, rule), against: p.metadata.version, rule });
    }
  }
  const majorBump = major > parseSemver(last.metadata.version)!.major;
  const breaking = changes.filter((c) => c.breaking).length;
  return { changes, breaking, majorBump, ok: breaking === 0 || majorBump };
}

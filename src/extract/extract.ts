/**
 * `zdp extract` as an application service: gather topic facts and samples through the Kafka and
 * registry adapters, infer with the pure core, build one AsyncAPI contract per topic.
 */
import avsc from 'avsc';
import { NotFoundError, isZdpError, type ZdpError } from '../errors.js';
import type { ClusterProfile } from '../config/types.js';
import { KafkaCluster, type TopicConfigEntry } from '../kafka/cluster.js';
import { samplingWindows, selectTopics, type PartitionOffsets, type SampleFrom } from '../core/sampling.js';
import type { PartSample, TopicSample } from '../core/inference/topic-sample.js';
import { createInferencePool, defaultWorkers } from './inference-pool.js';
import { protobufForParser, readMessageIndexes } from '../core/contracts/protobuf.js';
import { DEFAULT_INFERENCE, toJsonSchema, type InferenceOptions, type JsonSchema } from '../core/inference/json-infer.js';
import type { PayloadModel, ServerModel, TopicConfigModel, TopicModel } from '../core/contracts/model.js';
import { SchemaRegistryClient, type RegistrySchema, type SchemaType } from '../registry/client.js';

export interface ExtractOptions {
  include: string[];
  exclude: string[];
  samplePerPartition: number;
  from: SampleFrom;
  timeoutMs: number;
  idleMs: number;
  inference: InferenceOptions;
  includeInternal: boolean;
  /** inference worker threads (0: in-process) */
  workers: number;
}

export const DEFAULT_EXTRACT: Omit<ExtractOptions, 'include' | 'exclude'> = {
  samplePerPartition: 500,
  from: { kind: 'latest' },
  timeoutMs: 60_000,
  idleMs: 3_000,
  inference: DEFAULT_INFERENCE,
  includeInternal: false,
  workers: defaultWorkers(),
};

export interface TopicReport {
  topic: string;
  partitions: number;
  messagesSampled: number;
  valueEncodings: Record<string, number>;
  keyEncodings: Record<string, number>;
  valueEncoding: string;
  mixedEncodings: boolean;
  schemaIds: number[];
  unresolvedSchemaIds: number[];
  undecodable: number;
  incompletePartitions: number[];
  groups: string[];
  warnings: string[];
  stats?: unknown;
}

export interface ExtractResult {
  models: TopicModel[];
  server: ServerModel;
  reports: TopicReport[];
  /** non-fatal problems that make the run "partial" */
  partial: ZdpError[];
  durationMs: number;
  /** time spent reading records (first to last), for throughput */
  readMs: number;
  messagesSampled: number;
}

const NAMED_CONFIGS = new Set(['cleanup.policy', 'retention.ms', 'retention.bytes', 'delete.retention.ms', 'max.message.bytes']);

export interface ExtractDeps {
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  kafkaLog?: ((line: string) => void) | undefined;
  signal?: AbortSignal | undefined;
}

function serverModel(profile: ClusterProfile): ServerModel {
  const tls = profile.tls?.enabled === true;
  const security = profile.sasl
    ? ({ plain: 'plain', 'scram-sha-256': 'scramSha256', 'scram-sha-512': 'scramSha512' } as const)[profile.sasl.mechanism]
    : tls && profile.tls?.certFile ? 'X509' : undefined;
  return {
    name: profile.name,
    host: profile.bootstrapServers[0]!,
    protocol: tls ? 'kafka-secure' : 'kafka',
    ...(security ? { security } : {}),
    ...(profile.schemaRegistry ? { schemaRegistryUrl: profile.schemaRegistry.url, schemaRegistryVendor: 'confluent' } : {}),
  };
}

/** The topic facts a contract carries, from the topic's config entries. */
function topicConfigModels(described: Map<string, TopicConfigEntry[]>): Map<string, TopicConfigModel> {
  const out = new Map<string, TopicConfigModel>();
  for (const [topic, configEntries] of described) {
    const entries = new Map(configEntries.map((e) => [e.name, e]));
    const int = (k: string) => {
      const v = entries.get(k)?.value;
      return v === undefined || v === null || v === '' ? undefined : Number(v);
    };
    const overrides: Record<string, string> = {};
    for (const e of configEntries) {
      if (e.onTopic && !e.sensitive && !NAMED_CONFIGS.has(e.name) && e.value !== null) overrides[e.name] = e.value;
    }
    const cfg: TopicConfigModel = {
      cleanupPolicy: (entries.get('cleanup.policy')?.value ?? 'delete').split(',').map((s) => s.trim()).filter(Boolean),
      overrides: Object.fromEntries(Object.entries(overrides).sort(([a], [b]) => a.localeCompare(b))),
    };
    const rm = int('retention.ms');
    if (rm !== undefined) cfg.retentionMs = rm;
    const rb = int('retention.bytes');
    if (rb !== undefined) cfg.retentionBytes = rb;
    const drm = int('delete.retention.ms');
    if (drm !== undefined) cfg.deleteRetentionMs = drm;
    const mmb = int('max.message.bytes');
    if (mmb !== undefined) cfg.maxMessageBytes = mmb;
    out.set(topic, cfg);
  }
  return out;
}

/** Groups with a commit on each topic; a group whose offsets cannot be read is left out (it only names readers). */
async function groupsByTopic(cluster: KafkaCluster, topics: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(topics.map((t) => [t, []]));
  const groups = (await cluster.listGroupIds()).filter((g) => !g.startsWith('zdp-extract-'));
  const { offsets } = await cluster.committedOffsetsPartial(groups, topics);
  for (const o of offsets) {
    const list = out.get(o.topic);
    if (list && list[list.length - 1] !== o.group) list.push(o.group);
  }
  return out;
}

/** Avro: check sampled bodies against the writer schema. */
function checkAvroBodies(type: avsc.Type, bodies: Buffer[]): { failures: number; reasons: string[] } {
  let failures = 0;
  const reasons = new Set<string>();
  for (const body of bodies) {
    try {
      type.fromBuffer(body);
    } catch (e) {
      failures++;
      const m = (e as Error).message;
      reasons.add(/truncated/i.test(m) ? 'truncated Avro' : /trailing/i.test(m) ? 'bytes left over after the Avro record (not what the schema id promises)' : /precision/i.test(m) ? 'a long beyond 2^53' : m.slice(0, 120));
    }
  }
  return { failures, reasons: [...reasons].sort() };
}

interface ResolvedId {
  schema: RegistrySchema;
  parsed: unknown;
  /** every subject/version that registered this schema */
  usages: { subject: string; version: number }[];
  avroType?: avsc.Type;
  /** Protobuf: the texts of referenced schemas, depth first */
  referenced: string[];
}

async function resolveIds(registry: SchemaRegistryClient, ids: Iterable<number>): Promise<{ resolved: Map<number, ResolvedId>; failed: Map<number, ZdpError> }> {
  const resolved = new Map<number, ResolvedId>();
  const failed = new Map<number, ZdpError>();
  for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
    try {
      const schema = await registry.getSchemaById(id);
      const usage = await registry.getSubjectVersionsForId(id).catch(() => []);
      const usages = [...usage].sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version);
      let parsed: unknown = schema.schema;
      let avroType: avsc.Type | undefined;
      const referenced: string[] = [];
      if (schema.schemaType === 'PROTOBUF') {
        const seen = new Set<string>();
        const visit = async (refs: { subject: string; version: number }[]) => {
          for (const ref of refs) {
            const key = `${ref.subject}@${ref.version}`;
            if (seen.has(key)) continue;
            seen.add(key);
            const v = await registry.getVersion(ref.subject, ref.version);
            await visit(v.references);
            referenced.push(v.schema);
          }
        };
        await visit(schema.references);
      }
      if (schema.schemaType === 'AVRO' || schema.schemaType === 'JSON') parsed = JSON.parse(schema.schema);
      if (schema.schemaType === 'AVRO') {
        const registryTypes: Record<string, avsc.Type> = {};
        for (const ref of schema.references) {
          const v = await registry.getVersion(ref.subject, ref.version);
          avsc.Type.forSchema(JSON.parse(v.schema) as avsc.Schema, { registry: registryTypes });
        }
        avroType = avsc.Type.forSchema(parsed as avsc.Schema, { registry: registryTypes });
      }
      resolved.set(id, { schema, parsed, usages, referenced, ...(avroType ? { avroType } : {}) });
    } catch (error) {
      failed.set(id, isZdpError(error) ? error : mapUnknown(error));
    }
  }
  return { resolved, failed };
}

function mapUnknown(error: unknown): ZdpError {
  return new NotFoundError('SCHEMA_UNREADABLE', `schema could not be read: ${(error as Error).message}`);
}

function namingStrategy(topic: string, subject: string | undefined, parsed: unknown, part: 'key' | 'value'): TopicModel['subjectNamingStrategy'] | undefined {
  if (!subject) return undefined;
  if (subject === `${topic}-${part}`) return 'TopicNameStrategy';
  const rec = parsed as { name?: string; namespace?: string } | undefined;
  const full = rec?.name ? (rec.namespace && !rec.name.includes('.') ? `${rec.namespace}.${rec.name}` : rec.name) : undefined;
  if (full && subject === full) return 'RecordNameStrategy';
  if (full && subject === `${topic}-${full}`) return 'TopicRecordNameStrategy';
  return undefined;
}

/** The subject this topic uses: topic-named first, then topic+record, then record name, then any. */
function subjectFor(topic: string, part: 'key' | 'value', r: ResolvedId): { subject: string; version: number } | undefined {
  const rec = r.parsed as { name?: string; namespace?: string } | undefined;
  const full = rec && typeof rec === 'object' && rec.name ? (rec.namespace && !rec.name.includes('.') ? `${rec.namespace}.${rec.name}` : rec.name) : undefined;
  return (
    r.usages.find((u) => u.subject === `${topic}-${part}`) ??
    r.usages.find((u) => full !== undefined && u.subject === `${topic}-${full}`) ??
    r.usages.find((u) => full !== undefined && u.subject === full) ??
    r.usages[0]
  );
}

function payloadModel(topic: string, partName: 'key' | 'value', part: PartSample, inference: InferenceOptions, registry: { resolved: Map<number, ResolvedId>; failed: Map<number, ZdpError>; available: boolean }, warnings: string[], label: string): { model: PayloadModel; undecodable: number; subject?: string; parsed?: unknown } {
  const winner = part.vote.winner();
  // notes first: a topic whose only batch was skipped still says why it has no schema
  for (const [note, n] of part.notes) warnings.push(`${n} ${label}${n === 1 ? '' : 's'}: ${note}`);
  if (!winner) return { model: { kind: 'none', reason: part.vote.total === 0 ? 'the topic was empty when sampled: no records to infer a schema from' : `every sampled ${label} was null or empty` }, undecodable: 0 };
  if (winner.mixed) {
    warnings.push(`${label}s have mixed encodings: ${part.vote.contentEncodings().map((c) => `${c.encoding} ${c.count}`).join(', ')}; the contract describes the most common (${winner.encoding})`);
  }
  switch (winner.encoding) {
    case 'json':
      return { model: { kind: 'json', schema: toJsonSchema(part.json, inference) }, undecodable: 0 };
    case 'text':
      return { model: { kind: 'text', schema: toJsonSchema(part.text, { ...inference, enums: false }) }, undecodable: 0 };
    case 'binary':
      return { model: { kind: 'binary' }, undecodable: 0 };
    default: {
      // registry-framed: the most used schema id describes the contract
      const ids = [...part.registryIds.entries()].sort((a, b) => b[1].count - a[1].count || a[0] - b[0]);
      const framing = ids[0]?.[1].framing ?? 'confluent';
      if (ids.length > 1) warnings.push(`${label}s use ${ids.length} schema ids (${ids.map(([id]) => id).join(', ')}); the contract uses the most frequent`);
      let undecodable = 0;
      for (const [id, entry] of ids) {
        const r = registry.resolved.get(id);
        if (r?.avroType) {
          const check = checkAvroBodies(r.avroType, entry.bodies);
          if (check.failures > 0) {
            undecodable += check.failures;
            warnings.push(`${check.failures} of ${entry.bodies.length} checked ${label}s with schema id ${id} do not decode: ${check.reasons.join('; ')}`);
          }
        }
      }
      const top = ids[0];
      if (!top) return { model: { kind: 'none', reason: 'no records' }, undecodable };
      const resolved = registry.resolved.get(top[0]);
      const chosen = resolved ? subjectFor(topic, partName, resolved) : undefined;
      if (!resolved) {
        const why = registry.available ? (registry.failed.get(top[0])?.message ?? 'not found in the registry') : 'no schema registry is configured for this cluster';
        return { model: { kind: 'registry-unresolved', framing, reason: why }, undecodable };
      }
      const schema = resolved.schema.schemaType === 'PROTOBUF'
        ? protobufForParser(resolved.schema.schema, top[1].bodies[0] ? readMessageIndexes(top[1].bodies[0]) : undefined, resolved.referenced)
        : resolved.parsed;
      return {
        model: {
          kind: 'registry',
          schemaType: resolved.schema.schemaType as SchemaType,
          schema,
          framing,
          ...(chosen ? { subject: chosen.subject, version: chosen.version } : {}),
        },
        undecodable,
        ...(chosen ? { subject: chosen.subject } : {}),
        parsed: resolved.parsed,
      };
    }
  }
}

function headersSchema(sample: TopicSample, inference: InferenceOptions): JsonSchema | undefined {
  if (sample.headers.size === 0) return undefined;
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const name of [...sample.headers.keys()].sort()) {
    const h = sample.headers.get(name)!;
    const textual = h.node.seen > 0 ? toJsonSchema(h.node, { ...inference, enums: false }) : {};
    properties[name] = h.binary > 0 && h.node.seen === 0 ? { type: 'string', format: 'binary' } : { ...textual, ...(h.binary > 0 ? { description: 'some values are binary' } : {}) };
    if (sample.records >= inference.requiredMinParent && h.count === sample.records) required.push(name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}) };
}

export async function extractContracts(profile: ClusterProfile, options: ExtractOptions, deps: ExtractDeps): Promise<ExtractResult> {
  const started = performance.now();
  const pool = createInferencePool(options.inference, options.workers);
  let cluster: KafkaCluster | undefined;
  const partial: ZdpError[] = [];
  try {
    cluster = await KafkaCluster.connect(profile, { env: deps.env, log: deps.kafkaLog, clientId: 'zdp-extract' });
    const all = await cluster.listTopics();
    const { selected, unmatched } = selectTopics(all, options.include, options.exclude, options.includeInternal);
    if (unmatched.length > 0) {
      const exact = unmatched.filter((p) => !/[*?]/.test(p));
      throw new NotFoundError(exact.length ? 'TOPIC_NOT_FOUND' : 'PATTERN_NO_MATCH', exact.length
        ? `topic${exact.length > 1 ? 's' : ''} not found on cluster "${profile.name}": ${exact.join(', ')}`
        : `no topic on cluster "${profile.name}" matches ${unmatched.join(', ')}`, {
        hint: `list them with \`zdp extract --cluster ${profile.name} --topic '*'\`, or check the name`,
      });
    }
    if (selected.length === 0) {
      throw new NotFoundError('NO_TOPICS', `cluster "${profile.name}" has no topics to extract${options.exclude.length ? ' after --exclude' : ''}`);
    }
    deps.log(`reading metadata of ${selected.length} topic${selected.length === 1 ? '' : 's'} on ${profile.name}…`);
    const metadata = await cluster.topicPartitions(selected);
    const configs = topicConfigModels(await cluster.topicConfigs(selected));
    const groups = await groupsByTopic(cluster, selected);

    const requests = [];
    const offsetsOf = new Map<string, { partition: number; low: bigint; high: bigint }[]>();
    for (const o of await cluster.listOffsets(selected)) (offsetsOf.get(o.topic) ?? offsetsOf.set(o.topic, []).get(o.topic)!).push(o);
    for (const topic of selected) {
      const offsets = offsetsOf.get(topic) ?? [];
      let atTime = new Map<number, bigint>();
      if (options.from.kind === 'time') {
        atTime = await cluster.offsetsForTime(topic, options.from.timestampMs);
      }
      const po: PartitionOffsets[] = offsets.map((o) => ({
        partition: o.partition,
        low: BigInt(o.low),
        high: BigInt(o.high),
        ...(atTime.has(o.partition) ? { atTime: BigInt(atTime.get(o.partition)!) < 0n ? BigInt(o.high) : atTime.get(o.partition)! } : {}),
      }));
      requests.push({ topic, windows: samplingWindows(po, options.samplePerPartition, options.from) });
    }
    deps.log(`sampling up to ${options.samplePerPartition} records per partition${pool.workers ? ` (inference on ${pool.workers} worker thread${pool.workers > 1 ? 's' : ''})` : ''}…`);
    // Fetch requests straight to the leaders, no consumer group to join or leave behind; record
    // batches go undecoded to where inference runs (zdp's decoder, in a worker when there is one)
    let firstHandedOver = 0;
    const outcome = await cluster.fetchWindows(requests, {
      timeoutMs: options.timeoutMs,
      stallMs: options.idleMs,
      decoder: 'zdp',
      ...(deps.signal ? { signal: deps.signal } : {}),
      onRecordSet: (topic, partition, set) => {
        firstHandedOver ||= performance.now();
        return pool.addRecordSet(topic, partition, set);
      },
      onBatch: (topic, records) => {
        firstHandedOver ||= performance.now();
        return pool.add(topic, records);
      },
    });
    const samples = await pool.finish(selected);
    // reading time: from the first records handed over until inference has seen the last
    const readMs = firstHandedOver ? performance.now() - firstHandedOver : 0;

    // Registry ids seen in keys and values
    const ids = new Set<number>();
    for (const s of samples.values()) for (const part of [s.key, s.value]) for (const id of part.registryIds.keys()) ids.add(id);
    let registryState = { resolved: new Map<number, ResolvedId>(), failed: new Map<number, ZdpError>(), available: Boolean(profile.schemaRegistry) };
    let registryClient: SchemaRegistryClient | undefined;
    if (ids.size > 0) {
      if (profile.schemaRegistry) {
        const registry = new SchemaRegistryClient(profile.schemaRegistry, deps.env, profile.name, Math.min(profile.timeoutMs, 10_000));
        registryClient = registry;
        try {
          await registry.ping();
          registryState = { ...(await resolveIds(registry, ids)), available: true };
          for (const [id, err] of registryState.failed) partial.push(new NotFoundError('SCHEMA_UNRESOLVED', `schema id ${id}: ${err.message}`));
        } catch (error) {
          if (!isZdpError(error)) throw error;
          registryState.available = false;
          registryClient = undefined;
          registryState.failed = new Map([...ids].map((id) => [id, error]));
          partial.push(error);
        }
      } else {
        partial.push(new NotFoundError('NO_REGISTRY', `records carry schema ids (${[...ids].sort((a, b) => a - b).join(', ')}) but cluster "${profile.name}" has no schemaRegistry configured`, { hint: `add clusters.${profile.name}.schemaRegistry.url to zdp.yaml` }));
      }
    }
    if (registryState.available === false && ids.size > 0 && profile.schemaRegistry) {
      // keep the reason readable in models
      registryState.failed = new Map([...ids].map((id) => [id, partial[partial.length - 1]!]));
    }

    const models: TopicModel[] = [];
    const reports: TopicReport[] = [];
    for (const topic of selected) {
      const s = samples.get(topic)!;
      const meta = metadata.find((t) => t.topic === topic)!;
      const warnings: string[] = [];
      const value = payloadModel(topic, 'value', s.value, options.inference, registryState, warnings, 'value');
      const key = payloadModel(topic, 'key', s.key, options.inference, registryState, warnings, 'key');
      const notes: string[] = [];
      if (value.model.kind === 'none') notes.push(value.model.reason);
      if (value.model.kind === 'registry-unresolved') notes.push(`value schema unresolved: ${value.model.reason}`);
      const incomplete = outcome.incomplete.get(topic) ?? [];
      if (incomplete.length > 0) warnings.push(`sampling stopped before the end of partition${incomplete.length > 1 ? 's' : ''} ${incomplete.join(', ')}${outcome.timedOut ? ' (time budget)' : ''}`);
      const model: TopicModel = {
        topic,
        partitions: meta.partitions.length,
        replicas: Math.max(1, ...meta.partitions.map((p) => p.replicas.length)),
        config: configs.get(topic) ?? { cleanupPolicy: ['delete'], overrides: {} },
        groups: groups.get(topic) ?? [],
        value: value.model,
        key: key.model.kind === 'none' ? { kind: 'none', reason: 'keys were null' } : key.model,
        examples: s.examples.map((e) => ({ key: e.key, payload: e.value, ...(Object.keys(e.headers).length ? { headers: e.headers } : {}) })),
        notes,
      };
      const hs = headersSchema(s, options.inference);
      if (hs) model.headers = hs;
      const strategy = namingStrategy(topic, value.subject, value.parsed, 'value');
      if (strategy) model.subjectNamingStrategy = strategy;
      models.push(model);
      const valueIds = [...s.value.registryIds.keys()].sort((a, b) => a - b);
      reports.push({
        topic,
        partitions: model.partitions,
        messagesSampled: s.records,
        valueEncodings: s.value.vote.toJSON(),
        keyEncodings: s.key.vote.toJSON(),
        valueEncoding: value.model.kind === 'registry' ? `registry/${value.model.schemaType.toLowerCase()}` : value.model.kind,
        mixedEncodings: s.value.vote.winner()?.mixed ?? false,
        schemaIds: valueIds,
        unresolvedSchemaIds: valueIds.filter((id) => !registryState.resolved.has(id)),
        undecodable: value.undecodable + key.undecodable,
        incompletePartitions: incomplete,
        groups: model.groups,
        warnings: warnings.sort(),
      });
    }
    if (registryClient) {
      const levels = new Map<string, string>();
      for (const m of models) {
        for (const p of [m.value, m.key]) {
          if (p.kind !== 'registry' || !p.subject) continue;
          if (!levels.has(p.subject)) levels.set(p.subject, await registryClient.getCompatibility(p.subject).catch(() => 'UNKNOWN'));
          p.compatibility = levels.get(p.subject)!;
        }
      }
    }
    return {
      models,
      server: serverModel(profile),
      reports,
      partial,
      durationMs: performance.now() - started,
      readMs,
      messagesSampled: reports.reduce((n, r) => n + r.messagesSampled, 0),
    };
  } finally {
    // finished, it has nothing left to end
    await pool.close();
    await cluster?.disconnect();
  }
}

/**
 * Reads bounded offset windows straight from partition leaders with Fetch requests: no consumer
 * group, so no join, no rebalance and nothing left behind on the cluster. Records come read_committed
 * (aborted transactions and control records removed by kafkajs's own batch filter) and the position
 * advances past whole record batches, so transaction markers, aborted runs and compaction holes do
 * not stall a window. A window whose remaining offsets stay above the last stable offset (an open
 * transaction) is given up after `stallMs` and reported incomplete.
 *
 * kafkajs 2.2.4 (its last release) does not offer partition assignment without a group; this uses
 * its cluster and broker layer (same TLS and SASL handling) through the cluster factory.
 */
import { createRequire } from 'node:module';
import type { Kafka } from 'kafkajs';
import type { ClusterProfile } from '../config/types.js';
import { isWholeClusterError, isZdpError, type ZdpError } from '../errors.js';
import { mapKafkaError, withDeadline } from './client.js';
import { forEachLimited, retryRetriable } from './retry.js';
import { clusterFactory } from './offset-commit.js';
import { decompress } from './codecs.js';
import { decodeRecordSet, parseFetchV11, scanRecordSet, type AbortedTransaction, type FetchedTopic } from './protocol/record-batch.js';
import type { RecordHeaders, SampledRecord, SampleOutcome, SampleRequest } from './sampler.js';

const require = createRequire(import.meta.url);

interface RawMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeaders;
  isControlRecord?: boolean;
  batchContext?: { firstOffset: string; lastOffsetDelta: number };
}

interface PartitionData {
  partition: number;
  errorCode: number;
  highWatermark: string;
  lastStableOffset: string;
  abortedTransactions?: unknown[];
  messages: RawMessage[];
}

interface BatchLike {
  messages: RawMessage[];
  rawMessages: RawMessage[];
}

interface Broker {
  listOffsets(request: { isolationLevel: number; topics: { topic: string; partitions: { partition: number; timestamp: number }[] }[] }): Promise<{ responses: { topic: string; partitions: { partition: number; offset: string }[] }[] }>;
  fetch(request: { replicaId: number; isolationLevel: number; maxWaitTime: number; minBytes: number; maxBytes: number; topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[] }): Promise<{ responses: { topicName: string; partitions: PartitionData[] }[] }>;
}

/** The part of kafkajs's cluster layer these reads use. */
export interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findBroker(request: { nodeId: string }): Promise<Broker>;
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number | null }[];
}

/**
 * Each partition's leader, by partition id, from the metadata kafkajs holds; a partition without a
 * leader (an election under way) is left out. kafkajs's own findLeaderForPartitions (and its
 * fetchTopicsOffset, which merges answers the same way) copies its whole answer for every partition
 * it adds: quadratic, 460 MB allocated to list the offsets of 20,000 partitions.
 */
function partitionLeaders(c: Cluster, topic: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const p of c.findTopicPartitionMetadata(topic)) if (p.leader !== null && p.leader !== undefined && p.leader >= 0) out.set(p.partitionId, String(p.leader));
  return out;
}

/**
 * Metadata for every topic, no older than the cluster's metadataMaxAge: kafkajs refreshes only the
 * topics it was told of when they are new to it, and a refresh already
 * under way (a retry's, another read's on a shared cluster) is joined, not repeated — it may not
 * hold a topic added since. Such a topic is asked for again.
 */
async function withTopics(c: Cluster, topics: readonly string[]): Promise<void> {
  await c.addMultipleTargetTopics([...topics]);
  await c.refreshMetadataIfNecessary();
  for (let i = 0; i < 3 && topics.some((t) => c.findTopicPartitionMetadata(t).length === 0); i++) await c.refreshMetadata();
}

const Batch = require('kafkajs/src/consumer/batch') as new (topic: string, fetchedOffset: string, data: PartitionData) => BatchLike;
const FetchV11 = require('kafkajs/src/protocol/requests/fetch/v11/request') as (r: { replicaId: number; isolationLevel: number; maxWaitTime: number; minBytes: number; maxBytes: number; topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[] }) => unknown;
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode: (code: number) => Error };
const { KafkaJSError } = require('kafkajs/src/errors') as { KafkaJSError: new (message: string, options: { retriable: boolean }) => Error };
/** ListOffsets's timestamps for the log's two ends */
const LATEST = -1;
const EARLIEST = -2;

/** kafkajs's connection pool of a broker: sends a request with our own response decoder. */
interface ConnectionPool {
  send(protocolRequest: { request: unknown; response: { decode(data: Buffer): Promise<unknown>; parse(data: unknown): Promise<unknown> } }): Promise<unknown>;
}

/** The response half of a Fetch v11 whose record sets stay bytes, decoded by kafka/protocol/record-batch.ts. */
const RAW_FETCH_RESPONSE = {
  decode: async (data: Buffer) => parseFetchV11(data),
  parse: async (r: unknown) => {
    const { errorCode } = r as ReturnType<typeof parseFetchV11>;
    if (errorCode !== 0) throw createErrorFromCode(errorCode);
    return r;
  },
};

/** The broker's highest Fetch version, when kafkajs has negotiated it. */
function fetchMaxVersion(broker: Broker): number | undefined {
  return (broker as unknown as { versions?: Record<number, { maxVersion: number }> }).versions?.[1]?.maxVersion;
}

/** kafkajs's cluster layer: the reads below build their requests themselves (isolation level included). */
function cluster(kafka: Kafka, metadataMaxAge = 300_000): Cluster {
  return clusterFactory<Cluster>(kafka)({ allowAutoTopicCreation: false, metadataMaxAge });
}

/** How old a shared cluster's metadata may be before a read asks again (partitions added, leaders moved meanwhile). */
const SHARED_METADATA_MAX_AGE_MS = 5_000;

/**
 * Where a read gets its connected kafkajs cluster. Without one, each read connects its own (and
 * disconnects it): a bootstrap connection, its handshake and a metadata read before the first
 * request, again for every read. A KafkaCluster keeps one for its offset reads (`ReaderClusters`):
 * the cutover reads the same topics' offsets a dozen times while producers are held. Record reads
 * keep their own connections: a broker answers one connection's requests in order, so a Fetch
 * waiting for records would hold up the offset reads beside it.
 */
export interface ClusterLease {
  acquire(): Promise<Cluster>;
  /** after a read: `failed` when it threw (a shared cluster is then dropped, its metadata or connections suspect) */
  release(c: Cluster, failed: boolean): Promise<void>;
}

/** Connects `c`; one that could not connect is disconnected (what it opened so far), then the error goes on. */
async function connected(c: Cluster): Promise<Cluster> {
  try {
    await c.connect();
    return c;
  } catch (error) {
    await c.disconnect().catch(() => {});
    throw error;
  }
}

/** A cluster connected for one read and disconnected after it (what a caller without a KafkaCluster uses). */
export function freshCluster(kafka: Kafka): ClusterLease {
  return {
    acquire: () => connected(cluster(kafka)),
    release: (c) => c.disconnect().catch(() => {}),
  };
}

/**
 * One connected cluster shared by every read of a KafkaCluster, connected on first use, closed with
 * it. A read that fails retires it (its connections or metadata may be what failed): the next read
 * connects a new one, and the retired one is disconnected once the reads still using it are done.
 */
export class ReaderClusters implements ClusterLease {
  private current: { connected: Promise<Cluster>; users: number; retired: boolean } | undefined;
  private readonly inUse = new Map<Cluster, { users: number; retired: boolean }>();
  private readonly make: () => Cluster;
  constructor(kafka: Kafka, make?: () => Cluster) {
    this.make = make ?? (() => cluster(kafka, SHARED_METADATA_MAX_AGE_MS));
  }

  acquire(): Promise<Cluster> {
    if (!this.current) {
      const c = this.make();
      const entry = { connected: connected(c), users: 0, retired: false };
      this.current = entry;
      this.inUse.set(c, entry);
      entry.connected.catch(() => {
        this.inUse.delete(c);
        if (this.current === entry) this.current = undefined;
      });
    }
    this.current.users++;
    return this.current.connected;
  }

  async release(c: Cluster, failed: boolean): Promise<void> {
    const entry = this.inUse.get(c);
    if (!entry) return;
    entry.users--;
    if (failed && !entry.retired) {
      entry.retired = true;
      if (this.current === entry) this.current = undefined;
    }
    if (entry.retired && entry.users <= 0) {
      this.inUse.delete(c);
      await c.disconnect().catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.current = undefined;
    const all = [...this.inUse.keys()];
    this.inUse.clear();
    await Promise.all(all.map((c) => c.disconnect().catch(() => {})));
  }
}

/**
 * Connected clusters kept for record reads (fetchWindows), each used by one read at a time: a
 * broker answers one connection's requests in order, so a Fetch that waits for records must not
 * hold up another read's (the reason record reads did not share the offset readers' cluster). A
 * read takes an idle one or connects a new one, and gives it back when done; one that failed is
 * disconnected. Connected afresh for every read, a read paid a bootstrap connection, a metadata
 * read and a connection to each leader before its first Fetch: 0.1-0.3 s on a loaded host, for
 * each of the cutover's record reads on the clients' pause.
 */
export class ClusterPool implements ClusterLease {
  private readonly idle: Cluster[] = [];
  private readonly open = new Set<Cluster>();
  private closed = false;
  private readonly make: () => Cluster;
  constructor(
    kafka: Kafka,
    private readonly maxIdle = 4,
    make?: () => Cluster,
  ) {
    this.make = make ?? (() => cluster(kafka, SHARED_METADATA_MAX_AGE_MS));
  }

  async acquire(): Promise<Cluster> {
    const ready = this.idle.pop();
    if (ready) return ready;
    const c = await connected(this.make());
    this.open.add(c);
    return c;
  }

  async release(c: Cluster, failed: boolean): Promise<void> {
    if (!failed && !this.closed && this.idle.length < this.maxIdle) {
      this.idle.push(c);
      return;
    }
    this.open.delete(c);
    await c.disconnect().catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.open];
    this.open.clear();
    this.idle.length = 0;
    await Promise.all(all.map((c) => c.disconnect().catch(() => {})));
  }
}

interface Position {
  topic: string;
  partition: number;
  next: bigint;
  end: bigint;
  stalledSince?: number;
}

export interface FetchOptions {
  timeoutMs: number;
  /** give up on a window that makes no progress for this long (an open transaction above it) */
  stallMs?: number;
  readCommitted?: boolean;
  /** bytes per partition per request */
  partitionBytes?: number;
  /**
   * who decodes record batches: zdp's own decoder (kafka/protocol/record-batch.ts, several times faster) or
   * kafkajs's; zdp falls back to kafkajs for brokers without Fetch v11 and for old message formats
   */
  decoder?: 'zdp' | 'kafkajs';
  /**
   * with the zdp decoder: receive each partition's complete record batches undecoded, with the
   * window and the aborted transactions to decode them with (kafka/protocol/record-batch.ts), instead of
   * records in onBatch. For readers that decode in another thread. onBatch still gets the records
   * of a fetch zdp cannot decode (old message formats). Records handed over this way are not
   * counted in the outcome's `read`.
   */
  onRecordSet?: (topic: string, partition: number, set: RawRecordSet) => Promise<void> | void;
  signal?: AbortSignal;
  onBatch: (topic: string, records: SampledRecord[]) => Promise<void> | void;
  /** the connected cluster to read through (default: one of its own) */
  via?: ClusterLease;
}

export interface RawRecordSet {
  /** complete record batches, a view into the fetch response */
  bytes: Buffer;
  from: bigint;
  to: bigint;
  /** read_committed: the aborted transactions to filter with; undefined = read_uncommitted */
  abortedTransactions: AbortedTransaction[] | undefined;
}

/** Partitions in one Fetch: the broker answers them all within maxBytes; more round trips cost more than a bigger request. */
const PARTITIONS_PER_FETCH = 2_000;

const RETRIABLE = new Set(['KafkaJSNumberOfRetriesExceeded', 'KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError', 'KafkaJSBrokerNotFound', 'KafkaJSMetadataNotLoaded']);

/** Per partition of a fetch: the records in the window (or its batches undecoded), the last offset the fetch covered, the stable end. */
interface PartitionResult {
  topic: string;
  partition: number;
  records: SampledRecord[];
  raw?: RawRecordSet;
  rawEnd: bigint;
  stable: bigint;
}

type FetchRequest = Parameters<Broker['fetch']>[0];

/**
 * A Fetch v11 whose record sets zdp decodes (or, with `undecoded`, only scans for the offsets they
 * cover); undefined when a set holds another message format, for kafkajs to decode instead.
 */
async function fetchDecodedByZdp(broker: Broker, request: FetchRequest, pending: ReadonlyMap<string, Position>, readCommitted: boolean, undecoded: boolean): Promise<PartitionResult[] | undefined> {
  const { topics } = (await (broker as unknown as { connectionPool: ConnectionPool }).connectionPool.send({ request: FetchV11(request), response: RAW_FETCH_RESPONSE })) as { topics: FetchedTopic[] };
  const results: PartitionResult[] = [];
  for (const t of topics) {
    for (const data of t.partitions) {
      const pos = pending.get(`${t.topic}\u0000${data.partition}`);
      if (!pos) continue;
      if (data.errorCode !== 0) throw createErrorFromCode(data.errorCode);
      const abortedTransactions = readCommitted ? (data.abortedTransactions ?? []) : undefined;
      const stable = readCommitted ? data.lastStableOffset : data.highWatermark;
      const bytes = data.records && data.records.length > 0 ? data.records : undefined;
      if (undecoded && bytes) {
        const scan = scanRecordSet(bytes);
        if (scan.unsupportedMagic !== undefined) return undefined;
        results.push({ topic: t.topic, partition: data.partition, records: [], ...(scan.bytes > 0 ? { raw: { bytes: bytes.subarray(0, scan.bytes), from: pos.next, to: pos.end, abortedTransactions } } : {}), rawEnd: scan.lastOffset, stable });
        continue;
      }
      const set = bytes ? await decodeRecordSet(bytes, { topic: t.topic, partition: data.partition, from: pos.next, to: pos.end, abortedTransactions, decompress }) : { records: [], lastOffset: -1n };
      if (set.unsupportedMagic !== undefined) return undefined;
      results.push({ topic: t.topic, partition: data.partition, records: set.records as SampledRecord[], rawEnd: set.lastOffset, stable });
    }
  }
  return results;
}

/** A Fetch through kafkajs, which decodes the records (and drops aborted and control ones). */
async function fetchDecodedByKafkajs(broker: Broker, request: FetchRequest, pending: ReadonlyMap<string, Position>, readCommitted: boolean): Promise<PartitionResult[]> {
  const response = await broker.fetch(request);
  const results: PartitionResult[] = [];
  for (const t of response.responses) {
    for (const data of t.partitions) {
      const pos = pending.get(`${t.topicName}\u0000${data.partition}`);
      if (!pos) continue;
      const batch = new Batch(t.topicName, pos.next.toString(), data);
      let rawEnd = -1n;
      for (const m of batch.rawMessages) {
        const ctx = m.batchContext;
        const e = ctx ? BigInt(ctx.firstOffset) + BigInt(ctx.lastOffsetDelta) : BigInt(m.offset);
        if (e > rawEnd) rawEnd = e;
      }
      const records: SampledRecord[] = [];
      for (const m of batch.messages) {
        const offset = BigInt(m.offset);
        if (offset < pos.next) continue;
        if (offset >= pos.end) break;
        records.push({ topic: t.topicName, partition: data.partition, offset, timestampMs: Number(m.timestamp), key: m.key ?? null, value: m.value ?? null, headers: m.headers ?? {} });
      }
      results.push({ topic: t.topicName, partition: data.partition, records, rawEnd, stable: BigInt(readCommitted ? data.lastStableOffset : data.highWatermark) });
    }
  }
  return results;
}

export async function fetchWindows(kafka: Kafka, profile: ClusterProfile, requests: readonly SampleRequest[], options: FetchOptions): Promise<SampleOutcome> {
  const started = performance.now();
  const read = new Map<string, number>(requests.map((r) => [r.topic, 0]));
  const pending = new Map<string, Position>();
  for (const r of requests) for (const w of r.windows) if (w.end > w.start) pending.set(`${r.topic}\u0000${w.partition}`, { topic: r.topic, partition: w.partition, next: w.start, end: w.end });
  const stalled = new Map<string, Position>();
  let firstAt = 0;
  let lastAt = 0;
  let timedOut = false;
  const stallMs = options.stallMs ?? 3_000;
  const outcome = (): SampleOutcome => {
    const incomplete = new Map<string, number[]>();
    for (const p of [...pending.values(), ...stalled.values()]) incomplete.set(p.topic, [...(incomplete.get(p.topic) ?? []), p.partition].sort((a, b) => a - b));
    return { read, incomplete, timedOut, durationMs: performance.now() - started, readMs: lastAt - firstAt };
  };
  if (pending.size === 0) return outcome();
  const topicsRead = [...new Set([...pending.values()].map((p) => p.topic))];
  let lease = options.via ?? freshCluster(kafka);
  let c: Cluster | undefined;
  let failed = false;
  try {
    let cl = await lease.acquire();
    c = cl;
    try {
      await withTopics(cl, topicsRead);
    } catch (error) {
      // a kept cluster asks for the metadata of every topic it read before: one deleted or refused
      // since fails it. Nothing was read yet, so this read goes on with a cluster of its own
      if (!options.via || isWholeClusterError(mapKafkaError(error, profile, 'fetch'))) throw error;
      await lease.release(cl, true);
      c = undefined;
      lease = freshCluster(kafka);
      cl = c = await lease.acquire();
      await withTopics(cl, topicsRead);
    }
    let metadataStale = false;
    let refreshedAt = 0;
    while (pending.size > 0) {
      if (options.signal?.aborted) break;
      if (performance.now() - started > options.timeoutMs) {
        timedOut = true;
        break;
      }
      // at most four metadata reads a second while a leader is missing or moving
      if (metadataStale && performance.now() - refreshedAt >= 250) {
        await cl.refreshMetadata();
        refreshedAt = performance.now();
        metadataStale = false;
      }
      // one Fetch per leader, every pending partition it leads
      const byLeader = new Map<string, Position[]>();
      const byTopic = new Map<string, Position[]>();
      for (const p of pending.values()) (byTopic.get(p.topic) ?? byTopic.set(p.topic, []).get(p.topic)!).push(p);
      for (const [topic, positions] of byTopic) {
        const leaders = partitionLeaders(cl, topic);
        for (const p of positions) {
          const leader = leaders.get(p.partition);
          // no leader known (an election, a partition the metadata does not list yet): ask again
          if (leader === undefined) metadataStale = true;
          else (byLeader.get(leader) ?? byLeader.set(leader, []).get(leader)!).push(p);
        }
      }
      let progressed = false;
      await Promise.all(
        [...byLeader].map(async ([leader, positions]) => {
          const slice = positions.slice(0, PARTITIONS_PER_FETCH);
          const topics = new Map<string, { partition: number; fetchOffset: string; maxBytes: number }[]>();
          for (const p of slice) (topics.get(p.topic) ?? topics.set(p.topic, []).get(p.topic)!).push({ partition: p.partition, fetchOffset: p.next.toString(), maxBytes: options.partitionBytes ?? 1_048_576 });
          const readCommitted = options.readCommitted !== false;
          const fetchRequest = { replicaId: -1, isolationLevel: readCommitted ? 1 : 0, maxWaitTime: 100, minBytes: 1, maxBytes: 16 * 1_048_576, topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) };
          let results: PartitionResult[];
          try {
            const broker = await cl.findBroker({ nodeId: leader });
            const own = (options.decoder ?? 'kafkajs') === 'zdp' && (fetchMaxVersion(broker) ?? 0) >= 11;
            results = (own ? await fetchDecodedByZdp(broker, fetchRequest, pending, readCommitted, options.onRecordSet !== undefined) : undefined) ?? (await fetchDecodedByKafkajs(broker, fetchRequest, pending, readCommitted));
          } catch (error) {
            const name = (error as Error).name;
            if (RETRIABLE.has(name) || (error as { retriable?: boolean }).retriable) {
              metadataStale = true;
              return;
            }
            throw error;
          }
          for (const { topic, partition, records, raw, rawEnd, stable } of results) {
            const key = `${topic}\u0000${partition}`;
            const pos = pending.get(key)!;
            if (raw) {
              if (firstAt === 0) firstAt = performance.now();
              await options.onRecordSet!(topic, partition, raw);
              lastAt = performance.now();
            }
            if (records.length > 0) {
              if (firstAt === 0) firstAt = performance.now();
              read.set(topic, (read.get(topic) ?? 0) + records.length);
              await options.onBatch(topic, records);
              lastAt = performance.now();
            }
            if (rawEnd >= pos.next) {
              pos.next = rawEnd + 1n;
              delete pos.stalledSince;
              progressed = true;
            } else if (pos.next < pos.end && stable >= 0n && stable <= pos.next) {
              // nothing readable above the stable offset yet: an open transaction, or the window lies past the end
              pos.stalledSince ??= performance.now();
              if (performance.now() - pos.stalledSince > stallMs) {
                pending.delete(key);
                stalled.set(key, pos);
              }
              continue;
            }
            if (pos.next >= pos.end) pending.delete(key);
          }
        }),
      );
      if (!progressed && pending.size > 0) await new Promise((r) => setTimeout(r, 50));
    }
  } catch (error) {
    failed = true;
    throw mapKafkaError(error, profile, 'fetch');
  } finally {
    if (c) await lease.release(c, failed);
  }
  return outcome();
}

/**
 * The high watermark of every partition of `topics`: the end of what was appended, open
 * transactions included. kafkajs's admin answers ListOffsets read_committed, so its "high" is the
 * last stable offset, which stops at the first record of an open transaction: a copy that ends
 * there leaves out every committed record written after that transaction began.
 */
export interface ListOffsetsOptions {
  /** the last stable offset as `high` (the default, as kafkajs's admin), else the high watermark */
  readCommitted?: boolean;
  /** false: only the latest offsets (`low` is then 0) */
  earliest?: boolean;
  /** the connected cluster to read through (default: one of its own) */
  via?: ClusterLease;
}

export interface ListedOffsets {
  topic: string;
  partition: number;
  low: bigint;
  high: bigint;
}

/**
 * Earliest and latest offsets of every partition of `topics`, batched as Kafka's own tools do: one
 * Metadata request, then one ListOffsets per leader broker for each end, all brokers at once.
 * `readCommitted` (the default, as kafkajs's admin) gives the last stable offset as `high`; without
 * it, the high watermark. A leader that moved is retried after a metadata refresh.
 */
export async function listOffsets(kafka: Kafka, profile: ClusterProfile, topics: readonly string[], options: ListOffsetsOptions = {}): Promise<ListedOffsets[]> {
  if (topics.length === 0 || !options.via) return listOffsetsThrough(kafka, profile, topics, options);
  try {
    return await listOffsetsThrough(kafka, profile, topics, options);
  } catch (error) {
    // the cluster out of reach is that on any connection; anything else may be a read beside this
    // one on the shared connection (a refused topic's metadata), so this read is tried on its own
    if (isWholeClusterError(error)) throw error;
    const { via: _shared, ...alone } = options;
    return listOffsetsThrough(kafka, profile, topics, alone);
  }
}

async function listOffsetsThrough(kafka: Kafka, profile: ClusterProfile, topics: readonly string[], options: ListOffsetsOptions): Promise<ListedOffsets[]> {
  if (topics.length === 0) return [];
  const lease = options.via ?? freshCluster(kafka);
  let acquiring: Promise<Cluster> | undefined;
  let acquired: Cluster | undefined;
  let failed = false;
  const order = new Map(topics.map((t, i) => [t, i]));
  try {
    return await withDeadline(profile, 'listing offsets', async () => {
      acquiring = lease.acquire();
      const c = (acquired = await acquiring);
      await withTopics(c, topics);
      return retryRetriable(
        async () => {
          // one ListOffsets per leader for every partition it leads, each end, all leaders at once
          const perLeader = new Map<string, { topic: string; partitions: number[] }[]>();
          for (const topic of topics) {
            const byNode = new Map<string, number[]>();
            for (const p of c.findTopicPartitionMetadata(topic)) {
              if (p.leader === null || p.leader === undefined || p.leader < 0) throw new KafkaJSError(`partition ${p.partitionId} of ${topic} has no leader`, { retriable: true });
              const node = String(p.leader);
              (byNode.get(node) ?? byNode.set(node, []).get(node)!).push(p.partitionId);
            }
            for (const [node, partitions] of byNode) (perLeader.get(node) ?? perLeader.set(node, []).get(node)!).push({ topic, partitions });
          }
          const isolationLevel = (options.readCommitted ?? true) ? 1 : 0;
          const request = async (timestamp: number) => {
            const answers = await Promise.all(
              [...perLeader].map(async ([node, ts]) => (await c.findBroker({ nodeId: node })).listOffsets({ isolationLevel, topics: ts.map((t) => ({ topic: t.topic, partitions: t.partitions.map((partition) => ({ partition, timestamp })) })) })),
            );
            const offsets = new Map<string, { topic: string; partition: number; offset: bigint }>();
            for (const a of answers) for (const t of a.responses) for (const p of t.partitions) offsets.set(`${t.topic}\u0000${p.partition}`, { topic: t.topic, partition: p.partition, offset: BigInt(p.offset) });
            return offsets;
          };
          const [high, low] = await Promise.all([request(LATEST), options.earliest === false ? Promise.resolve(new Map<string, { offset: bigint }>()) : request(EARLIEST)]);
          const out: ListedOffsets[] = [];
          for (const [key, h] of high) out.push({ topic: h.topic, partition: h.partition, high: h.offset, low: low.get(key)?.offset ?? 0n });
          return out.sort((x, y) => order.get(x.topic)! - order.get(y.topic)! || x.partition - y.partition);
        },
        { tries: 5, beforeRetry: () => c.refreshMetadata() },
      );
    });
  } catch (error) {
    failed = true;
    throw mapKafkaError(error, profile, 'list offsets request');
  } finally {
    // a deadline that passed while connecting leaves the cluster to connect on: drop it when it does
    if (acquired) await lease.release(acquired, failed);
    else void acquiring?.then((c) => lease.release(c, true), () => {});
  }
}

/** Listed offsets of the topics that could be read, and for each topic that could not, why (as franz-go's kadm answers). */
export interface ListedOffsetsResult {
  offsets: ListedOffsets[];
  errors: Map<string, ZdpError>;
}

const TOPIC_CONCURRENCY = 8;

/**
 * listOffsets with per-topic errors: one batched request for all topics as long as the brokers
 * answer it; when they refuse it for some topic (not authorized, deleted meanwhile), each topic
 * is asked alone, so one topic's error does not lose the others' offsets.
 */
export async function listOffsetsPartial(kafka: Kafka, profile: ClusterProfile, topics: readonly string[], options: ListOffsetsOptions = {}): Promise<ListedOffsetsResult> {
  const errors = new Map<string, ZdpError>();
  try {
    return { offsets: await listOffsets(kafka, profile, topics, options), errors };
  } catch (error) {
    // the whole cluster is out of reach (or refuses this user): no topic would answer alone either
    if (!isZdpError(error) || isWholeClusterError(error)) throw error;
  }
  const offsets: ListedOffsets[] = [];
  await forEachLimited(topics, TOPIC_CONCURRENCY, async (t) => {
    try {
      // each topic on its own connection: on a shared one, a refused topic's metadata read fails the reads beside it
      const { via: _shared, ...alone } = options;
      offsets.push(...(await listOffsetsThrough(kafka, profile, [t], alone)));
    } catch (e) {
      errors.set(t, isZdpError(e) ? e : mapKafkaError(e, profile, `list offsets request for ${t}`));
    }
  });
  const order = new Map(topics.map((t, i) => [t, i]));
  offsets.sort((x, y) => order.get(x.topic)! - order.get(y.topic)! || x.partition - y.partition);
  return { offsets, errors };
}

/** High watermarks (not the last stable offsets) of every partition of `topics`. */
export async function highWatermarks(kafka: Kafka, profile: ClusterProfile, topics: readonly string[], via?: ClusterLease): Promise<Map<string, { topic: string; partition: number; high: bigint }>> {
  const out = new Map<string, { topic: string; partition: number; high: bigint }>();
  for (const o of await listOffsets(kafka, profile, topics, { readCommitted: false, earliest: false, ...(via ? { via } : {}) })) out.set(`${o.topic}\u0000${o.partition}`, { topic: o.topic, partition: o.partition, high: o.high });
  return out;
}


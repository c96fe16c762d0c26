/**
 * The Kafka adapter: one connected cluster, as the services see it. Laid out as kafkajs layers
 * itself (admin → cluster → broker → protocol): this class is the admin surface, the functions it
 * calls (reader.ts, groups.ts, topics.ts, acls.ts) batch per broker through kafkajs's cluster and
 * broker objects and zdp's own protocol module. Results are snapshots in zdp's own types, with
 * per-group or per-partition errors where Kafka answers per group or partition (as franz-go's
 * kadm does); no kafkajs type crosses this boundary (test/unit/layering.test.ts holds that).
 */
import kafkajs, { type Admin, type Kafka, type Producer } from 'kafkajs';
import type { ClusterProfile } from '../config/types.js';
import type { AclBinding, AclState } from '../core/migration/acls.js';
import type { ClusterSnapshot, TopicPlanItem, TopicSnapshot } from '../core/migration/plan.js';
import { createAclBindings, describeAllAcls } from './acls.js';
import { connectAdmin, mapKafkaError, withDeadline, type ClientOptions } from './client.js';
import { committedOffsets, committedOffsetsPartial, groupStates, listGroupIds, writeGroupOffsets, type CommittedOffsetsResult, type GroupOffset, type GroupState } from './groups.js';
import type { ProbeResult } from './probe.js';
import { ClusterPool, fetchWindows, highWatermarks, listOffsets, listOffsetsPartial, ReaderClusters, type FetchOptions, type ListedOffsets, type ListedOffsetsResult } from './reader.js';
import type { RecordHeaders, SampleOutcome, SampleRequest } from './sampler.js';
import { createPlannedTopics } from './topics.js';

const { ConfigResourceTypes } = kafkajs;

/** A topic's partitions as the metadata names them. */
export interface TopicPartitions {
  topic: string;
  partitions: { partition: number; leader: number; replicas: number[] }[];
}

/** One topic config entry as DescribeConfigs answers it. */
export interface TopicConfigEntry {
  name: string;
  value: string | null;
  /** set on the topic itself (DYNAMIC_TOPIC_CONFIG), not inherited */
  onTopic: boolean;
  sensitive: boolean;
}

/** A record to produce, as zdp reads them (copy-back). */
export interface ProduceRecord {
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeaders;
  timestampMs: number;
}

export interface RecordWriter {
  /** Sends with acks=all, idempotently; resolves once every record is acknowledged. */
  send(topic: string, records: readonly ProduceRecord[]): Promise<void>;
  close(): Promise<void>;
}

export class KafkaCluster {
  /** the connection the offset reads share, while this cluster is connected */
  private readonly readers: ReaderClusters;
  /**
   * the connection group offset reads and writes share: their own, because the readers' names
   * every topic read so far in its metadata requests, and one topic the user may not describe
   * would fail them
   */
  private readonly coordinators: ReaderClusters;
  /** connections kept for record reads, one read at a time on each (see ClusterPool) */
  private readonly fetchers: ClusterPool;

  private constructor(
    readonly profile: ClusterProfile,
    readonly probe: ProbeResult,
    private readonly kafka: Kafka,
    private readonly admin: Admin,
  ) {
    this.readers = new ReaderClusters(kafka);
    this.coordinators = new ReaderClusters(kafka);
    this.fetchers = new ClusterPool(kafka);
  }

  /** Probes the bootstrap servers, connects and authenticates within the profile's timeout. */
  static async connect(profile: ClusterProfile, options: ClientOptions): Promise<KafkaCluster> {
    const { kafka, admin, probe } = await connectAdmin(profile, options);
    return new KafkaCluster(profile, probe, kafka, admin);
  }

  /** Connects, runs `fn`, and disconnects whatever happened. */
  static async with<T>(profile: ClusterProfile, options: ClientOptions, fn: (cluster: KafkaCluster) => Promise<T>): Promise<T> {
    const cluster = await KafkaCluster.connect(profile, options);
    try {
      return await fn(cluster);
    } finally {
      await cluster.disconnect();
    }
  }

  async disconnect(): Promise<void> {
    await Promise.all([this.readers.close(), this.coordinators.close(), this.fetchers.close(), this.admin.disconnect().catch(() => {})]);
  }

  private request<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withDeadline(this.profile, what, fn).catch((e: unknown) => {
      throw mapKafkaError(e, this.profile, `${what} request`);
    });
  }

  listTopics(): Promise<string[]> {
    return this.request('list topics', () => this.admin.listTopics());
  }

  async describeCluster(): Promise<{ clusterId: string; brokers: number[]; controller: number | null }> {
    const d = await this.request('describe cluster', () => this.admin.describeCluster());
    return { clusterId: d.clusterId, brokers: d.brokers.map((b) => b.nodeId).sort((a, b) => a - b), controller: d.controller };
  }

  async topicPartitions(topics: readonly string[]): Promise<TopicPartitions[]> {
    if (topics.length === 0) return [];
    const m = await this.request('metadata', () => this.admin.fetchTopicMetadata({ topics: [...topics] }));
    return m.topics.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: [...p.replicas] })).sort((a, b) => a.partition - b.partition) }));
  }

  async topicConfigs(topics: readonly string[]): Promise<Map<string, TopicConfigEntry[]>> {
    const out = new Map<string, TopicConfigEntry[]>();
    if (topics.length === 0) return out;
    const described = await this.request('describe configs', () => this.admin.describeConfigs({ resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })), includeSynonyms: false }));
    // DYNAMIC_TOPIC_CONFIG = 1: set on the topic itself
    for (const r of described.resources) out.set(r.resourceName, r.configEntries.map((e) => ({ name: e.configName, value: e.configValue, onTopic: e.configSource === 1, sensitive: e.isSensitive })));
    return out;
  }

  /** Topics, partitions, replication and topic-level configs (set on the topic, not secret): what migrate plans from. */
  async snapshot(topics?: readonly string[]): Promise<ClusterSnapshot> {
    const described = await this.describeCluster();
    const all = await this.listTopics();
    const names = (topics ? all.filter((t) => topics.includes(t)) : all).sort();
    const configs = await this.topicConfigs(names);
    const out: Record<string, TopicSnapshot> = {};
    for (const t of await this.topicPartitions(names)) {
      const overrides = (configs.get(t.topic) ?? []).flatMap((e) => (e.onTopic && !e.sensitive && e.value !== null ? [[e.name, e.value] as const] : []));
      out[t.topic] = {
        name: t.topic,
        partitions: t.partitions.length,
        replicationFactor: Math.max(1, ...t.partitions.map((p) => p.replicas.length)),
        configs: Object.fromEntries(overrides.sort(([a], [b]) => a.localeCompare(b))),
      };
    }
    return { cluster: this.profile.name, clusterId: described.clusterId, vendor: this.profile.vendor, brokers: described.brokers.length, topics: out };
  }

  createPlannedTopics(items: readonly TopicPlanItem[]): Promise<string[]> {
    return createPlannedTopics(this.admin, this.profile, items);
  }

  describeAcls(): Promise<AclState> {
    return describeAllAcls(this.admin, this.profile.name);
  }

  createAcls(bindings: readonly AclBinding[]): Promise<void> {
    return createAclBindings(this.admin, this.profile.name, bindings);
  }

  /** Earliest and latest (or last stable) offsets of every partition: one ListOffsets per broker. */
  listOffsets(topics: readonly string[], options: { readCommitted?: boolean; earliest?: boolean } = {}): Promise<ListedOffsets[]> {
    return listOffsets(this.kafka, this.profile, topics, { ...options, via: this.readers });
  }

  /** listOffsets with the topics that could not be listed (not authorized, deleted) and why, instead of failing the call. */
  listOffsetsPartial(topics: readonly string[], options: { readCommitted?: boolean; earliest?: boolean } = {}): Promise<ListedOffsetsResult> {
    return listOffsetsPartial(this.kafka, this.profile, topics, { ...options, via: this.readers });
  }

  highWatermarks(topics: readonly string[]): Promise<Map<string, { topic: string; partition: number; high: bigint }>> {
    return highWatermarks(this.kafka, this.profile, topics, this.readers);
  }

  /** The first offset of each partition at or after `timestampMs` (-1 where none is). */
  async offsetsForTime(topic: string, timestampMs: number): Promise<Map<number, bigint>> {
    const byTime = await this.request('list offsets by time', () => this.admin.fetchTopicOffsetsByTimestamp(topic, timestampMs));
    return new Map(byTime.map((p) => [p.partition, BigInt(p.offset)]));
  }

  /** Reads windows of records straight from the leaders: one Fetch per broker for many partitions. */
  fetchWindows(requests: readonly SampleRequest[], options: FetchOptions): Promise<SampleOutcome> {
    // connections of record reads only: a broker answers one connection's requests in order, and a
    // Fetch that waits for records would hold up the offset reads sharing it (a cutover step reads
    // both at once); kept connected between reads, one read at a time on each (ClusterPool)
    return fetchWindows(this.kafka, this.profile, requests, { via: this.fetchers, ...options });
  }

  listGroupIds(): Promise<string[]> {
    return listGroupIds(this.admin, this.profile);
  }

  groupStates(groups: readonly string[]): Promise<GroupState[]> {
    return groupStates(this.admin, this.profile, groups);
  }

  /** Committed offsets of many groups, with the groups that could not be read and why. */
  committedOffsetsPartial(groups: readonly string[], topics: readonly string[]): Promise<CommittedOffsetsResult> {
    return committedOffsetsPartial(this.coordinators, this.profile, groups, topics);
  }

  /** Committed offsets of many groups; any group that cannot be read fails the call. */
  committedOffsets(groups: readonly string[], topics: readonly string[]): Promise<GroupOffset[]> {
    return committedOffsets(this.coordinators, this.profile, groups, topics);
  }

  writeGroupOffsets(group: string, offsets: readonly { topic: string; partition: number; offset: bigint }[]): Promise<void> {
    return writeGroupOffsets(this.coordinators, this.profile, group, offsets);
  }

  /** An idempotent producer (acks=all, one request in flight, no topic auto-creation). */
  async writer(): Promise<RecordWriter> {
    const producer: Producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await this.request('connect producer', () => producer.connect());
    return {
      send: async (topic, records) => {
        await producer.send({ topic, acks: -1, messages: records.map((r) => ({ partition: r.partition, key: r.key, value: r.value, headers: r.headers, timestamp: String(r.timestampMs) })) });
      },
      close: () => producer.disconnect().catch(() => {}),
    };
  }
}

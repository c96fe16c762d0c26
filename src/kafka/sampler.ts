/**
 * Reads bounded windows of records from many topics with one throwaway consumer group (no
 * commits; the group is deleted afterwards). Records are handed to a callback and not kept.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, IHeaders, Kafka } from 'kafkajs';
import type { ClusterProfile } from '../config/types.js';
import type { PartitionWindow } from '../core/sampling.js';
import { mapKafkaError } from './client.js';

export interface SampledRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestampMs: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

export interface SampleRequest {
  topic: string;
  windows: PartitionWindow[];
}

export interface SampleOutcome {
  /** records read per topic */
  read: Map<string, number>;
  /** partitions whose window was not read to the end, per topic */
  incomplete: Map<string, number[]>;
  timedOut: boolean;
  durationMs: number;
  /** from the first record handed over to the last: the reading rate without group joins */
  readMs: number;
}

export interface SampleOptions {
  /** overall time budget */
  timeoutMs: number;
  /** stop when nothing arrived for this long after records started to flow */
  idleMs: number;
  /**
   * also stop when nothing arrived for this long after the group join even if no record came at all
   * (windows holding only transaction markers or aborted records never deliver one)
   */
  idleBeforeFirstMs?: number;
  signal?: AbortSignal;
  /** receives each batch's records in the window; the next fetch waits for it (backpressure) */
  onBatch: (topic: string, records: SampledRecord[]) => Promise<void> | void;
}

export async function sampleRecords(kafka: Kafka, admin: Admin, profile: ClusterProfile, requests: readonly SampleRequest[], options: SampleOptions): Promise<SampleOutcome> {
  const started = performance.now();
  const read = new Map<string, number>(requests.map((r) => [r.topic, 0]));
  const pending = new Map<string, PartitionWindow>();
  for (const r of requests) for (const w of r.windows) if (w.end > w.start) pending.set(`${r.topic}\u0000${w.partition}`, w);
  let firstAt = 0;
  let lastAt = 0;
  const done = () => ({
    read,
    incomplete: incompleteByTopic(pending),
    timedOut: false,
    durationMs: performance.now() - started,
    readMs: lastAt - firstAt,
  });
  if (pending.size === 0) return done();

  const groupId = `zdp-extract-${randomBytes(6).toString('hex')}`;
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: 1_048_576,
    maxBytes: 8 * 1_048_576,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
    retry: { retries: 3 },
  });
  let timedOut = false;
  let lastProgress = performance.now();
  let joined = false;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
    lastProgress = performance.now();
  });
  const onAbort = () => finish();
  options.signal?.addEventListener('abort', onAbort);

  try {
    await consumer.connect();
    const topics = requests.filter((r) => r.windows.some((w) => w.end > w.start)).map((r) => r.topic);
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, heartbeat }) => {
        const key = `${batch.topic}\u0000${batch.partition}`;
        const window = pending.get(key);
        if (!window) return;
        if (firstAt === 0) firstAt = performance.now();
        const records: SampledRecord[] = [];
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          if (offset < window.start) continue;
          if (offset >= window.end) break;
          records.push({
            topic: batch.topic,
            partition: batch.partition,
            offset,
            timestampMs: Number(m.timestamp),
            key: m.key ?? null,
            value: m.value ?? null,
            headers: m.headers ?? {},
          });
        }
        read.set(batch.topic, (read.get(batch.topic) ?? 0) + records.length);
        await options.onBatch(batch.topic, records);
        lastProgress = performance.now();
        lastAt = lastProgress;
        const last = BigInt(batch.lastOffset());
        if (last + 1n >= window.end) {
          pending.delete(key);
          consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
          if (pending.size === 0) finish();
        }
        await heartbeat();
      },
    });
    for (const r of requests) for (const w of r.windows) if (w.end > w.start) consumer.seek({ topic: r.topic, partition: w.partition, offset: w.start.toString() });

    const watchdog = setInterval(() => {
      const now = performance.now();
      if (now - started > options.timeoutMs) {
        timedOut = true;
        finish();
      } else if (joined && (firstAt > 0 || options.idleBeforeFirstMs !== undefined) && now - lastProgress > (firstAt > 0 ? options.idleMs : options.idleBeforeFirstMs!)) {
        // idle only counts once records flow: before that, the group join and first fetch may be slow
        finish();
      }
    }, 100);
    await finished;
    clearInterval(watchdog);
  } catch (error) {
    throw mapKafkaError(error, profile, 'sampling');
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await consumer.disconnect().catch(() => {});
    await admin.deleteGroups([groupId]).catch(() => {});
  }
  return { ...done(), timedOut };
}

function incompleteByTopic(pending: Map<string, PartitionWindow>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [key, w] of pending) {
    const topic = key.slice(0, key.indexOf('\u0000'));
    out.set(topic, [...(out.get(topic) ?? []), w.partition].sort((a, b) => a - b));
  }
  return out;
}

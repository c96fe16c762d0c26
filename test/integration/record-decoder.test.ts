/**
 * zdp's own record-batch decoder against kafkajs's, on the same Fetch windows of a real broker:
 * plain and gzip-compressed batches, null keys, tombstones, repeated header keys, log-append time,
 * committed and aborted transactions, read_committed and read_uncommitted, windows that start and
 * end inside batches. Both must hand over exactly the same records.
 */
import kafkajs from 'kafkajs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { fetchWindows } from '../../src/kafka/reader.js';
import type { SampledRecord } from '../../src/kafka/sampler.js';
import { createTopics, FIXTURE_PRODUCER, harnessKafka, harnessProfile, uniqueName } from '../harness/helpers.js';

const { CompressionTypes } = kafkajs;
const projectDir = inject('zdpProjectDir');

function shape(r: SampledRecord) {
  const headers = Object.fromEntries(Object.entries(r.headers).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => (x === null ? null : Buffer.from(x as Buffer).toString('hex'))) : v === null || v === undefined ? null : Buffer.from(v as Buffer).toString('hex')]));
  return { partition: r.partition, offset: r.offset.toString(), timestampMs: r.timestampMs, key: r.key?.toString('hex') ?? null, value: r.value?.toString('hex') ?? null, headers };
}

async function read(topic: string, windows: { partition: number; start: bigint; end: bigint }[], decoder: 'zdp' | 'kafkajs', readCommitted: boolean, partitionBytes?: number) {
  const out: ReturnType<typeof shape>[] = [];
  const outcome = await fetchWindows(harnessKafka(projectDir, 'source'), harnessProfile(projectDir, 'source'), [{ topic, windows }], {
    timeoutMs: 60_000,
    stallMs: 2_000,
    decoder,
    readCommitted,
    ...(partitionBytes ? { partitionBytes } : {}),
    onBatch: (_t, records) => void out.push(...records.map(shape)),
  });
  expect(outcome.incomplete.size, `incomplete: ${JSON.stringify([...outcome.incomplete])}`).toBe(0);
  return out.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

describe("zdp's record-batch decoder reads what kafkajs reads", () => {
  const topic = uniqueName('decoder.mixed');
  const appendTime = uniqueName('decoder.appendtime');
  let ends: { partition: number; low: bigint; high: bigint }[] = [];

  beforeAll(async () => {
    const kafka = harnessKafka(projectDir, 'source');
    await createTopics(kafka, [{ topic, numPartitions: 3 }, { topic: appendTime, numPartitions: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }]);
    const producer = kafka.producer(FIXTURE_PRODUCER);
    await producer.connect();
    const base = Date.now() - 60_000;
    const messages = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => ({
        partition: i % 3,
        key: i % 7 === 0 ? null : `${tag}-${i}`,
        value: i % 11 === 0 ? null : JSON.stringify({ tag, i, text: 'é€𝄞'.repeat(i % 4) }),
        headers: i % 2 ? { trace: Buffer.from([i & 255, 0, 255]), dup: [`a${i}`, `b${i}`] } : {},
        timestamp: String(base + i * 13),
      }));
    await producer.send({ topic, messages: messages(400, 'plain') });
    await producer.send({ topic, compression: CompressionTypes.GZIP, messages: messages(400, 'gzip') });
    await producer.send({ topic: appendTime, messages: messages(50, 'append').map((m) => ({ ...m, partition: 0 })) });
    await producer.disconnect();
    const tx = kafka.producer({ ...FIXTURE_PRODUCER, transactionalId: `${topic}-tx`, idempotent: true, maxInFlightRequests: 1 });
    await tx.connect();
    for (let t = 0; t < 6; t++) {
      const transaction = await tx.transaction();
      await transaction.send({ topic, messages: messages(90, `tx${t}`), ...(t % 2 ? { compression: CompressionTypes.GZIP } : {}) });
      if (t % 3 === 1) await transaction.abort();
      else await transaction.commit();
    }
    await tx.disconnect();
    // plain records after the transactions
    const after = kafka.producer(FIXTURE_PRODUCER);
    await after.connect();
    await after.send({ topic, messages: messages(60, 'after') });
    await after.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    ends = (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }));
    await admin.disconnect();
  }, 120_000);

  it('gives the same records read_committed and read_uncommitted, whole partitions', async () => {
    const windows = ends.map((e) => ({ partition: e.partition, start: e.low, end: e.high }));
    for (const readCommitted of [true, false]) {
      const [ours, theirs] = await Promise.all([read(topic, windows, 'zdp', readCommitted), read(topic, windows, 'kafkajs', readCommitted)]);
      expect(ours.length).toBeGreaterThan(readCommitted ? 1000 : 1300);
      expect(ours).toEqual(theirs);
    }
    const committed = await read(topic, windows, 'zdp', true);
    expect(committed.filter((r) => r.value && Buffer.from(r.value, 'hex').toString().includes('"tag":"tx1"'))).toEqual([]);
    expect(committed.filter((r) => r.value && Buffer.from(r.value, 'hex').toString().includes('"tag":"tx2"')).length).toBeGreaterThan(0);
    expect(committed.some((r) => r.value === null)).toBe(true);
    expect(committed.some((r) => Array.isArray(r.headers.dup))).toBe(true);
  });

  it('gives the same records for windows that start and end inside batches, with small fetches', async () => {
    const windows = ends.map((e) => ({ partition: e.partition, start: e.low + 37n, end: e.high - 41n }));
    const [ours, theirs] = await Promise.all([read(topic, windows, 'zdp', true, 4_096), read(topic, windows, 'kafkajs', true, 4_096)]);
    expect(ours.length).toBeGreaterThan(500);
    expect(ours).toEqual(theirs);
    for (const w of windows) for (const r of ours.filter((x) => x.partition === w.partition)) expect(BigInt(r.offset) >= w.start && BigInt(r.offset) < w.end).toBe(true);
  });

  it('takes the broker time for topics with log-append time', async () => {
    const windows = [{ partition: 0, start: 0n, end: 50n }];
    const [ours, theirs] = await Promise.all([read(appendTime, windows, 'zdp', true), read(appendTime, windows, 'kafkajs', true)]);
    expect(ours).toHaveLength(50);
    expect(ours).toEqual(theirs);
    expect(ours.every((r) => r.timestampMs > Date.now() - 600_000)).toBe(true);
  });
});

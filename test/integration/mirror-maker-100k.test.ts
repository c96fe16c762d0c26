/**
 * MirrorMaker 2 driven by zdp migrate at volume: 100,000 records on a 6-partition topic, a
 * compacted topic with repeated keys and tombstones, and a transactional producer's committed and
 * aborted transactions. Every record the source serves read_committed arrives on the target with
 * partition, key, value, headers and timestamp byte-identical; no aborted record does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePorts } from '../../src/processes/ports.js';
import { createTopics, FIXTURE_PRODUCER, harnessKafka, harnessProfile, replicaRows, runZdp, uniqueName } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

const readRows = (side: string, topic: string, count: number) => replicaRows(projectDir, side, topic, count);

describe('MirrorMaker 2 copies 100,000 records, a compacted topic and transactions byte-identical', () => {
  const big = uniqueName('mm2big.events');
  const compacted = uniqueName('mm2big.profiles');
  const tx = uniqueName('mm2big.ledger');
  const BIG = 100_000;
  const COMPACTED = 3_000 + 50;
  const TX_COMMITTED = 15 * 500;
  let dir: string;
  let restPort: number;

  beforeAll(async () => {
    const source = harnessKafka(projectDir, 'source');
    await createTopics(source, [
      { topic: big, numPartitions: 6 },
      { topic: compacted, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: tx, numPartitions: 3 },
    ]);
    const base = Date.now() - 120_000;
    const producer = source.producer(FIXTURE_PRODUCER);
    await producer.connect();
    for (let b = 0; b < BIG / 5_000; b++) {
      await producer.send({
        topic: big,
        messages: Array.from({ length: 5_000 }, (_, j) => {
          const i = b * 5_000 + j;
          return { key: `event-${i}`, value: Buffer.from(JSON.stringify({ i, kind: i % 3 === 0 ? 'view' : 'click', at: base + i })), headers: { trace: Buffer.from([i & 0xff, (i >> 8) & 0xff, 0, 255]), origin: 'web' }, timestamp: String(base + (i % 100_000)) };
        }),
      });
    }
    await producer.send({ topic: compacted, messages: Array.from({ length: 3_000 }, (_, i) => ({ key: `customer-${i % 500}`, value: JSON.stringify({ v: i }), timestamp: String(base + i) })) });
    await producer.send({ topic: compacted, messages: Array.from({ length: 50 }, (_, i) => ({ key: `customer-${i * 7}`, value: null, timestamp: String(base + 3_000 + i) })) });
    await producer.disconnect();
    const txProducer = source.producer({ ...FIXTURE_PRODUCER, transactionalId: `${tx}-writer`, idempotent: true, maxInFlightRequests: 1 });
    await txProducer.connect();
    for (let t = 0; t < 20; t++) {
      const aborted = t % 4 === 3;
      const transaction = await txProducer.transaction();
      await transaction.send({ topic: tx, messages: Array.from({ length: 500 }, (_, i) => ({ key: `entry-${t}-${i}`, value: JSON.stringify({ t, i, aborted }), headers: { tx: String(t) }, timestamp: String(base + t * 500 + i) })) });
      if (aborted) await transaction.abort();
      else await transaction.commit();
    }
    await txProducer.disconnect();
    dir = mkdtempSync(join(tmpdir(), 'zdp-mm2big-'));
    writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [${harnessProfile(projectDir, 'source').bootstrapServers[0]}]}\n  target: {bootstrapServers: [${harnessProfile(projectDir, 'target').bootstrapServers[0]}]}\n`);
    [restPort] = (await freePorts(1)) as [number];
  }, 240_000);

  afterAll(async () => {
    if (dir) await runZdp(['migrate', 'stop', '--from', 'source', '--to', 'target'], { cwd: dir });
  });

  it('arrives complete and byte-identical, aborted records absent', async () => {
    const topics = [big, compacted, tx].flatMap((t) => ['--topic', t]);
    const apply = await runZdp(['migrate', '--from', 'source', '--to', 'target', ...topics, '--yes', '--json'], { cwd: dir });
    expect(apply.code, apply.stderr).toBe(0);
    expect(JSON.parse(apply.stdout).created.sort()).toEqual([big, compacted, tx].sort());
    const start = await runZdp(['migrate', 'start', '--from', 'source', '--to', 'target', ...topics, '--rest-port', String(restPort)], { cwd: dir });
    expect(start.code, start.stderr).toBe(0);
    const status = await runZdp(['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--max-lag', '0', '--timeout', '240', '--json'], { cwd: dir, timeoutMs: 260_000 });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, totalLag: '0' });

    const [s1, t1] = await Promise.all([readRows('source', big, BIG), readRows('target', big, BIG)]);
    expect(s1).toHaveLength(BIG);
    expect(t1.length).toBe(BIG);
    expect(t1).toEqual(s1);

    const [s2, t2] = await Promise.all([readRows('source', compacted, COMPACTED), readRows('target', compacted, COMPACTED)]);
    expect(t2).toEqual(s2);
    expect(t2.filter((r) => r.includes('|TOMBSTONE|'))).toHaveLength(50);

    const [s3, t3] = await Promise.all([readRows('source', tx, TX_COMMITTED), readRows('target', tx, TX_COMMITTED)]);
    expect(s3).toHaveLength(TX_COMMITTED);
    expect(t3).toEqual(s3);
    const abortedMarker = Buffer.from('"aborted":true').toString('hex');
    expect(t3.filter((r) => r.includes(abortedMarker))).toEqual([]);
  }, 420_000);
});

/**
 * zdp migrate start|status|stop with a real MirrorMaker 2 (dedicated mode) from the Kafka 3.9
 * source to the Kafka 4.x target: every record arrives with key, value, headers and timestamp
 * byte-identical, status reports zero lag, and a stopped MirrorMaker 2 shows as not running.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { KafkaCluster } from '../../src/kafka/cluster.js';
import { readOffsetSyncs } from '../../src/offsets/translation.js';
import { freePorts } from '../../src/processes/ports.js';
import { createTopics, eventually, FIXTURE_PRODUCER, readAllRecords, harnessKafka, harnessProfile, runZdp, uniqueName } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

interface Seen {
  partition: number;
  key: string;
  value: string;
  headers: string;
  timestamp: string;
}

async function readAll(side: 'source' | 'target', topic: string, count: number): Promise<Seen[]> {
  const seen = await readAllRecords(projectDir, side, topic, count, (r) => ({ partition: r.partition, key: r.key!.toString('hex'), value: r.value!.toString('hex'), headers: JSON.stringify(Object.entries(r.headers).map(([k, v]) => [k, (v as Buffer).toString('hex')])), timestamp: String(r.timestampMs) }));
  expect(seen).toHaveLength(count);
  return seen.sort((a, b) => a.partition - b.partition || a.key.localeCompare(b.key));
}

describe('MirrorMaker 2 driven by zdp migrate', () => {
  const topic = uniqueName('mm2.orders');
  let dir: string;
  let restPort: number;

  beforeAll(async () => {
    const source = harnessKafka(projectDir, 'source');
    await createTopics(source, [{ topic, numPartitions: 3 }]);
    const producer = source.producer();
    await producer.connect();
    // explicit timestamps, recent: older ones fall to the brokers' 7-day retention within minutes
    const base = Date.now() - 60_000;
    await producer.send({
      topic,
      messages: Array.from({ length: 1500 }, (_, i) => ({
        key: `order-${i}`,
        value: Buffer.from(JSON.stringify({ i, note: 'é€' })),
        headers: { trace: Buffer.from([i % 256, 0, 255]), source: 'checkout' },
        timestamp: String(base + i),
      })),
    });
    await producer.disconnect();
    dir = mkdtempSync(join(tmpdir(), 'zdp-mm2-'));
    writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [${harnessProfile(projectDir, 'source').bootstrapServers[0]}]}\n  target: {bootstrapServers: [${harnessProfile(projectDir, 'target').bootstrapServers[0]}]}\n`);
    [restPort] = await freePorts(1) as [number];
  }, 120_000);

  it('refuses to start before the target topics exist (exit 7)', async () => {
    const r = await runZdp(['migrate', 'start', '--from', 'source', '--to', 'target', '--topic', topic, '--rest-port', String(restPort)], { cwd: dir });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain(`1 topic is not on target yet: ${topic}`);
  });

  it('replicates every record byte-identical and reports zero lag', async () => {
    expect((await runZdp(['migrate', '--from', 'source', '--to', 'target', '--topic', topic, '--yes'], { cwd: dir })).code).toBe(0);
    const start = await runZdp(['migrate', 'start', '--from', 'source', '--to', 'target', '--topic', topic, '--rest-port', String(restPort), '--json'], { cwd: dir });
    expect(start.code, start.stderr).toBe(0);
    expect(JSON.parse(start.stdout)).toMatchObject({ kind: 'MigrationStart', alreadyRunning: false, topics: [topic] });
    const status = await runZdp(['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--max-lag', '0', '--timeout', '150', '--json'], { cwd: dir, timeoutMs: 170_000 });
    expect(status.code, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(s).toMatchObject({ kind: 'MigrationStatus', running: true, totalLag: '0' });
    expect(s.partitions).toHaveLength(3);
    const [fromSource, fromTarget] = await Promise.all([readAll('source', topic, 1500), readAll('target', topic, 1500)]);
    expect(fromTarget).toHaveLength(1500);
    expect(fromTarget).toEqual(fromSource);
  });

  it('survives MirrorMaker 2 dying mid-way: status says so, start resumes, nothing lost or doubled', async () => {
    // MM2's offset syncs, read on one connected cluster before and after: the second read fetches only what was appended
    const kept = await KafkaCluster.connect(harnessProfile(projectDir, 'source'), { env: process.env });
    const syncsBefore = await readOffsetSyncs(kept);
    const producer = harnessKafka(projectDir, 'source').producer(FIXTURE_PRODUCER);
    await producer.connect();
    const base = Date.now() - 30_000;
    for (let b = 0; b < 10; b++) {
      await producer.send({ topic, messages: Array.from({ length: 500 }, (_, i) => ({ key: `late-${b}-${i}`, value: Buffer.from(JSON.stringify({ b, i })), headers: { source: 'late' }, timestamp: String(base + b * 500 + i) })) });
    }
    await producer.disconnect();
    // killed while it copies the new records
    const pid = JSON.parse(readFileSync(join(dir, '.zdp', 'migrations', 'source-to-target', 'mm2.json'), 'utf8')).pid as number;
    process.kill(pid, 'SIGKILL');
    await eventually(async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 10_000, 'MirrorMaker 2 gone');
    const dead = await runZdp(['migrate', 'status', '--from', 'source', '--to', 'target', '--json'], { cwd: dir });
    expect(dead.code).toBe(0);
    expect(JSON.parse(dead.stdout).running).toBe(false);
    expect(JSON.parse(dead.stdout).warnings.join('\n')).toContain('MirrorMaker 2 is not running: start it again');
    const waiting = await runZdp(['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--timeout', '5'], { cwd: dir });
    if (waiting.code !== 0) expect(waiting.stderr).toContain('MirrorMaker 2 is not running');
    const restart = await runZdp(['migrate', 'start', '--from', 'source', '--to', 'target', '--topic', topic, '--rest-port', String(restPort), '--json'], { cwd: dir });
    expect(restart.code, restart.stderr).toBe(0);
    const status = await runZdp(['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--max-lag', '0', '--timeout', '150', '--json'], { cwd: dir, timeoutMs: 170_000 });
    expect(status.code, status.stderr).toBe(0);
    const [fromSource, fromTarget] = await Promise.all([readAll('source', topic, 6500), readAll('target', topic, 6500)]);
    expect(fromTarget).toEqual(fromSource);

    try {
      // a whole read first: MM2 may still append syncs for the last records copied, which the later read then has too
      const fresh = await KafkaCluster.with(harnessProfile(projectDir, 'source'), { env: process.env }, (c) => readOffsetSyncs(c));
      const syncsAfter = await readOffsetSyncs(kept);
      for (let p = 0; p < 3; p++) {
        const key = `${topic}\u0000${p}`;
        const before = syncsBefore.get(key) ?? [];
        const after = syncsAfter.get(key) ?? [];
        // what was read first is where it was; MM2 synced the 5,000 records copied since; a whole read agrees
        const whole = fresh.get(key) ?? [];
        expect(after.slice(0, before.length)).toEqual(before);
        expect(after.length).toBeGreaterThan(before.length);
        expect(after.slice(0, whole.length)).toEqual(whole);
      }
    } finally {
      await kept.disconnect();
    }
  });

  it('shows a stopped MirrorMaker 2 as not running, and stops only once', async () => {
    const stop = await runZdp(['migrate', 'stop', '--from', 'source', '--to', 'target'], { cwd: dir });
    expect(stop.stdout).toContain('MirrorMaker 2 stopped');
    const status = await runZdp(['migrate', 'status', '--from', 'source', '--to', 'target', '--json'], { cwd: dir });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).running).toBe(false);
    expect(JSON.parse(status.stdout).warnings.join('\n')).toContain('MirrorMaker 2 is not running: start it again');
    const again = await runZdp(['migrate', 'stop', '--from', 'source', '--to', 'target'], { cwd: dir });
    expect(again.stdout).toContain('nothing to stop');
  });
});

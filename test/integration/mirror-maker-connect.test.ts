/**
 * zdp migrate start --engine connect: MirrorMaker 2's connectors deployed over the REST API of a
 * real Kafka Connect distributed worker (connect-runtime from Maven Central, attached to the Kafka
 * 4.x target), replicating from Kafka 3.9 byte-identical, with status read from the Connect offsets
 * API and stop removing the connectors. A wrong Connect URL fails fast and names the URL.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePorts } from '../../src/processes/ports.js';
import { FIXTURE_PRODUCER, replicaRows, harnessKafka, harnessProfile, runZdp, uniqueName, createTopics, startConnectWorker, type ConnectWorker } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

const records = (side: 'source' | 'target', topic: string, count: number) => replicaRows(projectDir, side, topic, count);

describe('MirrorMaker 2 on a Kafka Connect cluster, driven by zdp migrate', () => {
  const topic = uniqueName('mmc.orders');
  let dir: string;
  let worker: ConnectWorker | undefined;
  let url: string;

  beforeAll(async () => {
    const source = harnessKafka(projectDir, 'source');
    await createTopics(source, [{ topic, numPartitions: 3 }]);
    const producer = source.producer(FIXTURE_PRODUCER);
    await producer.connect();
    // explicit timestamps, recent: older ones fall to the brokers' 7-day retention within minutes
    const base = Date.now() - 60_000;
    await producer.send({ topic, messages: Array.from({ length: 900 }, (_, i) => ({ key: `k${i}`, value: Buffer.from([i % 256, 0, 1, 2]), headers: { h: Buffer.from([255, i % 7]) }, timestamp: String(base + i) })) });
    await producer.disconnect();

    // a Connect distributed worker attached to the target, from the same Maven Central jars
    worker = await startConnectWorker(harnessProfile(projectDir, 'target').bootstrapServers[0]!);
    url = worker.url;
    dir = worker.dir;
    writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [${harnessProfile(projectDir, 'source').bootstrapServers[0]}]}\n  target: {bootstrapServers: [${harnessProfile(projectDir, 'target').bootstrapServers[0]}], connect: {url: "${url}"}}\n`);
    const apply = await runZdp(['migrate', '--from', 'source', '--to', 'target', '--topic', topic, '--yes'], { cwd: dir });
    expect(apply.code, apply.stderr).toBe(0);
  }, 240_000);

  afterAll(() => {
    worker?.stop();
  });

  it('fails fast on a wrong Connect URL, naming it (exit 4)', async () => {
    const [nobody] = await freePorts(1);
    const r = await runZdp(['migrate', 'start', '--from', 'source', '--to', 'target', '--topic', topic, '--engine', 'connect', '--connect-url', `http://127.0.0.1:${nobody}`], { cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`cannot reach Kafka Connect at http://127.0.0.1:${nobody}`);
    expect(r.ms).toBeLessThan(15_000);
  });

  it('deploys the connectors over REST, replicates byte-identical, reports progress from the offsets API, and stops', async () => {
    const start = await runZdp(['migrate', 'start', '--from', 'source', '--to', 'target', '--topic', topic, '--engine', 'connect', '--json'], { cwd: dir, timeoutMs: 120_000 });
    expect(start.code, start.stderr).toBe(0);
    const s = JSON.parse(start.stdout);
    expect(s).toMatchObject({ kind: 'MigrationStart', engine: 'connect', connectUrl: url, topics: [topic] });
    expect(s.connectors).toHaveLength(2);
    const status = await runZdp(['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--max-lag', '0', '--timeout', '150', '--json'], { cwd: dir, timeoutMs: 170_000 });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, totalLag: '0' });
    const [a, b] = await Promise.all([records('source', topic, 900), records('target', topic, 900)]);
    expect(b).toHaveLength(900);
    expect(b).toEqual(a);
    const again = await runZdp(['migrate', 'start', '--from', 'source', '--to', 'target', '--topic', topic, '--engine', 'connect', '--json'], { cwd: dir });
    expect(JSON.parse(again.stdout).alreadyRunning).toBe(true);
    const stop = await runZdp(['migrate', 'stop', '--from', 'source', '--to', 'target', '--json'], { cwd: dir });
    expect(JSON.parse(stop.stdout)).toMatchObject({ stopped: true });
    const left = (await (await fetch(`${url}/connectors`)).json()) as string[];
    expect(left.filter((n) => s.connectors.includes(n))).toEqual([]);
  });
});

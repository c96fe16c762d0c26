/**
 * The cutover as ordinary applications see it: kafkajs consumers at kafkajs's defaults (eachMessage,
 * auto-commit, no isStale() check) and Java kafka-clients producers and consumers at Kafka's
 * defaults (acks=all, idempotence, 5 s auto-commit), all through the Kroxylicious gateway with zdp's
 * filter. The filter drains consumers (they commit what they were given), holds producers, and the
 * target instance makes each consumer rejoin its group before it reads. An independent checker then
 * counts records lost, read twice by a group, and written twice in the target's log: all zero.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { check, readAllSeqs, Workload } from '../../src/demo/workload.js';
import { findJava } from '../../src/processes/java.js';
import { resolveKafkaDist } from '../../src/processes/kafka-dist.js';
import { createTopics, eventually, gatewayUp, harnessKafka, harnessProfile, runZdp, uniqueName, waitEveryGroupProcessed } from '../harness/helpers.js';
// a plain ES module, shared with bench/cutover-pause.mjs
import { JavaClients } from '../clients/java-clients.mjs';

const projectDir = inject('zdpProjectDir');


describe('zdp cutover with default kafkajs and Java clients: nothing lost, read twice or written twice', () => {
  const orders = uniqueName('dc.orders');
  const payments = uniqueName('dc.payments');
  const javaTopic = uniqueName('dc.java');
  const topics = [orders, payments, javaTopic];
  const jsGroups = [
    { group: uniqueName('dc-js-orders'), topics: [orders] },
    { group: uniqueName('dc-js-pay'), topics: [payments] },
    { group: uniqueName('dc-js-java'), topics: [javaTopic] },
  ];
  const javaGroups = [
    { group: uniqueName('java-dc-orders'), topics: [orders] },
    { group: uniqueName('java-dc-java'), topics: [javaTopic] },
  ];
  let dir: string;
  let workload: Workload;
  let java: JavaClients;
  const source = harnessProfile(projectDir, 'source');
  const target = harnessProfile(projectDir, 'target');

  beforeAll(async () => {
    await createTopics(harnessKafka(projectDir, 'source'), topics.map((topic) => ({ topic, numPartitions: 4 })));
    dir = mkdtempSync(join(tmpdir(), 'zdp-cutover-dc-'));
    writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [${source.bootstrapServers[0]}]}\n  target: {bootstrapServers: [${target.bootstrapServers[0]}]}\n`);
    const topicFlags = topics.flatMap((t) => ['--topic', t]);
    const apply = await runZdp(['migrate', '--from', 'source', '--to', 'target', ...topicFlags, '--yes'], { cwd: dir });
    expect(apply.code, apply.stderr).toBe(0);
    const start = await runZdp(['migrate', 'start', '--from', 'source', '--to', 'target', ...topicFlags], { cwd: dir });
    expect(start.code, start.stderr).toBe(0);
    const up = await gatewayUp(['--cluster', 'source', '--cover', 'target', '--json'], { cwd: dir });
    expect(up.code, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ filter: true, controlPort: expect.any(Number) });
    const bootstrap = `127.0.0.1:${up.listenPort}`;
    workload = new Workload({
      bootstrap,
      topics: [
        { topic: orders, partitions: 4, rate: 150 },
        { topic: payments, partitions: 4, rate: 60, transactional: true },
      ],
      groups: jsGroups,
      defaultConsumers: true,
    });
    await workload.start();
    const dist = await resolveKafkaDist('4', { env: process.env });
    java = new JavaClients({ java: (await findJava(process.env)).bin, libDir: dist.libDir, bootstrap });
    for (const g of javaGroups) java.consumer(g.group, g.topics);
    java.producer(javaTopic, 4, 100);
    // every group running before the cutover begins: a group that joins during it is not one the cutover drains
    const running = (g: { group: string }, processed: { group: string }[]) => processed.filter((p) => p.group === g.group).length > 100;
    await eventually(async () => (jsGroups.every((g) => running(g, workload.processed)) && javaGroups.every((g) => running(g, java.processed)) ? true : undefined), 120_000, 'kafkajs and Java clients producing and consuming through the gateway, every group');
    const status = await runZdp(['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--max-lag', '500', '--timeout', '120', '--json'], { cwd: dir, timeoutMs: 150_000 });
    expect(status.code, status.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await workload?.stop();
    await java?.stop();
    if (dir) {
      await runZdp(['gateway', 'down'], { cwd: dir });
      await runZdp(['migrate', 'stop', '--from', 'source', '--to', 'target'], { cwd: dir });
    }
  });

  it('drains consumers, holds producers, switches: 0 lost, 0 read twice, 0 written twice', async () => {
    // the transactional producer's failures so far (its own, before the cutover)
    const txErrors = () => workload.errors.filter((e) => e.includes(' (tx): '));
    const txErrorsBefore = txErrors().length;
    const run = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--yes', '--json'], { cwd: dir, timeoutMs: 240_000 });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ kind: 'CutoverReport', outcome: 'done', quiesce: { via: 'filter', instances: 1 } });
    // every running group committed what it had been given before producers were held
    const drained = new Map(report.quiesce.groups.map((g: { group: string; uncommitted: number; complete: boolean }) => [g.group, g]));
    for (const g of [...jsGroups, ...javaGroups]) expect(drained.get(g.group), g.group).toMatchObject({ complete: true, uncommitted: 0 });
    expect(report.pause.consumersMs).toBeGreaterThanOrEqual(report.pause.producersMs);
    // the kafkajs transactional producer: the hold let its open transaction end (or cut it, and said
    // so), and the switch carried the producer over: its next transaction began at the target under
    // an id the standby initialised there, unaware. One exception: kafkajs gives up at once on a
    // coordinator lookup that finds no broker ("Failed to find group coordinator"), which a retry
    // between the old instance's stop and the standby's bind can meet; the application then starts
    // a new producer (the workload does)
    const gatewayLog = () => readFileSync(join(dir, '.zdp/gateway/logs/gateway.log'), 'utf8');
    const carried = /zdp: the transactional producer \S+ of the old cluster \(producer id \d+\) goes on here as producer id \d+/;
    if (!/transaction\(s\) still open, refused after a switch/.test(gatewayLog())) {
      await eventually(async () => (carried.test(gatewayLog()) || txErrors().length > txErrorsBefore ? true : undefined), 30_000, "the transactional producer's next transaction at the target");
      if (!carried.test(gatewayLog())) expect(txErrors().slice(txErrorsBefore).join('; ')).toMatch(/Failed to find group coordinator/);
    }

    // clients carry on against the target; then stop the producers and let consumers finish
    const switchedAt = Date.now();
    await eventually(async () => (workload.processed.filter((p) => p.at > switchedAt).length > 100 && java.processed.filter((p) => p.at > switchedAt).length > 100 ? true : undefined), 120_000, 'kafkajs and Java consumers processing on the target');
    // the Java producer (idempotent, Kafka's default) goes on with its producer id of the source
    await eventually(async () => (java.acked.filter((a) => a.ackedAt > switchedAt).length > 100 ? true : undefined), 120_000, 'the Java producer acknowledged on the target');
    await workload.stopProducers();
    await java.stop('producer');
    const everyone = () => ({ acked: [...workload.acked, ...java.acked], aborted: workload.aborted, uncertain: workload.uncertain, processed: [...workload.processed, ...java.processed] });
    const groups = [...jsGroups, ...javaGroups];
    await waitEveryGroupProcessed(everyone, groups, 180_000);
    const all = everyone();
    const finalLog = await readAllSeqs(target.bootstrapServers[0]!, topics, all.acked.length);
    const result = check(all, finalLog, groups);
    expect(result.acked).toBeGreaterThan(2000);
    expect(java.acked.length).toBeGreaterThan(500);
    expect(result.lost).toBe(0);
    expect(result.duplicatedInLog).toBe(0);
    expect(result.abortedVisible).toBe(0);
    for (const g of result.groups) expect(g, g.group).toMatchObject({ duplicates: 0, missing: 0 });
    expect(java.errors, 'sends the Java producer was told failed').toEqual([]);
  }, 600_000);
});

/**
 * zdp parity and zdp cutover on the real thing: Kafka 3.9 (source) and 4.x (target) from the
 * harness, MirrorMaker 2 started by `zdp migrate start`, Kroxylicious in front as the gateway, and
 * client applications that only know the gateway's address producing and consuming all along —
 * a plain topic, a transactional producer (with aborts), a compacted topic, and a group that lags.
 * The cutover is killed (SIGKILL) at every step and resumed; an independent checker then reads the
 * target and compares with what producers had acknowledged and consumers processed. Then a rollback.
 */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FORWARD_STEPS } from '../../src/core/cutover/journal.js';
import { check, readAllSeqs, Workload } from '../../src/demo/workload.js';
import { fetchWindows } from '../../src/kafka/reader.js';
import { createKafka } from '../../src/kafka/client.js';
import { recordFingerprint } from '../../src/offsets/translation.js';
import { QuiesceEndpoint } from '../../src/gateway/quiesce.js';
import { readControlToken, readGateway } from '../../src/processes/kroxylicious.js';
import { createTopics, eventually, gatewayUp, FIXTURE_PRODUCER, harnessKafka, harnessProfile, runZdp, uniqueName } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

describe('zdp parity and zdp cutover with clients running through the gateway', () => {
  const orders = uniqueName('co.orders');
  const payments = uniqueName('co.payments');
  const customers = uniqueName('co.customers');
  const topics = [orders, payments, customers];
  const groups = [
    { group: uniqueName('co-app-orders'), topics: [orders] },
    { group: uniqueName('co-app-pay'), topics: [payments] },
    { group: uniqueName('co-app-customers'), topics: [customers] },
  ];
  const lagging = uniqueName('co-lagging');
  let dir: string;
  let bootstrap: string;
  let workload: Workload;
  let laggingAt: { partition: number; offset: bigint }[] = [];
  const source = harnessProfile(projectDir, 'source');
  const target = harnessProfile(projectDir, 'target');

  beforeAll(async () => {
    const kafka = harnessKafka(projectDir, 'source');
    await createTopics(kafka, [
      { topic: orders, numPartitions: 3 },
      { topic: payments, numPartitions: 2 },
      { topic: customers, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ]);
    // history before the migration, and a group that read part of it and stopped
    const producer = kafka.producer(FIXTURE_PRODUCER);
    await producer.connect();
    await producer.send({ topic: orders, messages: Array.from({ length: 300 }, (_, i) => ({ partition: i % 3, key: `old-${i}`, value: JSON.stringify({ i }), headers: { seq: String(-1 - i) } })) });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: lagging, topic: orders, partitions: [{ partition: 0, offset: '37' }, { partition: 1, offset: '55' }, { partition: 2, offset: '80' }] });
    await admin.disconnect();
    laggingAt = [{ partition: 0, offset: 37n }, { partition: 1, offset: 55n }, { partition: 2, offset: 80n }];

    dir = mkdtempSync(join(tmpdir(), 'zdp-cutover-'));
    writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [${source.bootstrapServers[0]}]}\n  target: {bootstrapServers: [${target.bootstrapServers[0]}]}\n`);
    const topicFlags = topics.flatMap((t) => ['--topic', t]);
    const apply = await runZdp(['migrate', '--from', 'source', '--to', 'target', ...topicFlags, '--yes'], { cwd: dir });
    expect(apply.code, apply.stderr).toBe(0);
    const start = await runZdp(['migrate', 'start', '--from', 'source', '--to', 'target', ...topicFlags], { cwd: dir });
    expect(start.code, start.stderr).toBe(0);
    const up = await gatewayUp(['--cluster', 'source', '--cover', 'target'], { cwd: dir });
    expect(up.code, up.stderr).toBe(0);
    bootstrap = `127.0.0.1:${up.listenPort}`;
    workload = new Workload({
      bootstrap,
      clientId: uniqueName('co-app'),
      topics: [
        { topic: orders, partitions: 3, rate: 150 },
        { topic: payments, partitions: 2, rate: 60, transactional: true },
        { topic: customers, partitions: 2, rate: 40, keySpace: 25 },
      ],
      groups,
    });
    await workload.start();
    await eventually(async () => (workload.processed.filter((p) => p.seq >= 0).length > 300 ? true : undefined), 90_000, 'clients producing and consuming through the gateway');
    const status = await runZdp(['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--max-lag', '500', '--timeout', '120', '--json'], { cwd: dir, timeoutMs: 150_000 });
    expect(status.code, status.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await workload?.stop();
    if (dir) {
      await runZdp(['gateway', 'down'], { cwd: dir });
      await runZdp(['migrate', 'stop', '--from', 'source', '--to', 'target'], { cwd: dir });
    }
  });

  it('parity: exact offsets for every group, tails on the target, and the records MM2 checkpoints alone would re-read', async () => {
    const r = await runZdp(['parity', '--from', 'source', '--to', 'target', ...topics.flatMap((t) => ['--topic', t]), '--allow-lag', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary.mismatch).toBe(0);
    expect(report.partitions).toHaveLength(7);
    const lag = report.offsets.filter((o: { group: string }) => o.group === lagging);
    expect(lag).toHaveLength(3);
    for (const o of lag) {
      expect(o.translation.kind).toBe('exact');
      expect(o.translation.next).toBe(o.sourceCommitted);
      expect(o.exact).toMatch(/^\d+$/);
    }
  });

  it('refuses to start while a group is active on the target, and explains', async () => {
    const kafka = harnessKafka(projectDir, 'target');
    const consumer = kafka.consumer({ groupId: groups[0]!.group });
    await consumer.connect();
    await consumer.subscribe({ topic: orders, fromBeginning: false });
    await consumer.run({ eachMessage: async () => {} });
    try {
      await eventually(async () => ((await kafka.admin().describeGroups([groups[0]!.group])).groups[0]?.members.length ? true : undefined), 30_000, 'a member on the target');
      const r = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--yes'], { cwd: dir });
      expect(r.code).toBe(7);
      expect(r.stderr).toContain(`${groups[0]!.group} (1 member`);
      expect(r.stderr).toContain('zdp writes offsets only into empty groups');
    } finally {
      await consumer.disconnect();
    }
    // nothing was started: a later cutover begins fresh (the refusal was journaled as a failed preflight)
    const again = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--dry-run', '--group-wait', '30'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('dry run: nothing changed');
    // the dry run ran the read-only preflight for real and says what each step would do
    expect(again.stdout).toContain('preflight passed: gateway on source');
    expect(again.stdout).toMatch(/2\. drain-consumers: With zdp's filter/);
  });

  it('bound early in front of the target, holds every client there (no group joins the target), and a rollback from there returns them to the source', async () => {
    // killed once the bind it began after the fence has finished (the steps after it wait for that)
    const killed = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--yes', '--group-wait', '30'], { cwd: dir, crashAtStep: 'stop-replication', env: { ZDP_CRASH_WHEN_BOUND_TO: 'target' }, timeoutMs: 170_000 });
    expect(killed.code, killed.stderr).toBe(-1);
    const stateDir = join(dir, '.zdp');
    const record = readGateway(stateDir)!;
    expect(record.cluster).toBe('target');
    const control = new QuiesceEndpoint(`http://127.0.0.1:${String(record.controlPort)}`, readControlToken(stateDir));
    // the consumers reconnected to the new instance and asked to rejoin there: held, with the producers
    await eventually(async () => {
      const s = await control.state();
      return s.heldGroupRequests! > 0 && s.held > s.heldGroupRequests! ? s : undefined;
    }, 30_000, 'group requests and produce requests held at the instance bound early');
    const state = await control.state();
    expect(state).toMatchObject({ phase: 'hold-producers', holdGroups: true, inflight: { produce: 0 } });
    // no consumer joined a group on the target, nor committed there: the offsets are not written yet
    const admin = harnessKafka(projectDir, 'target').admin();
    await admin.connect();
    try {
      const described = await admin.describeGroups(groups.map((g) => g.group));
      for (const g of described.groups) expect(g.members, g.groupId).toEqual([]);
    } finally {
      await admin.disconnect();
    }
    const processedBefore = workload.processed.length;
    const ackedBefore = workload.acked.length;

    const back = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--rollback', '--confirm', 'source', '--json'], { cwd: dir, timeoutMs: 170_000 });
    expect(back.code, back.stderr).toBe(0);
    const report = JSON.parse(back.stdout);
    expect(report).toMatchObject({ kind: 'RollbackReport', outcome: 'rolled-back' });
    expect(report.notes.join(' ')).toContain('stopped before the switch');
    expect(readGateway(stateDir)!.cluster).toBe('source');
    // the clients go on where they were, on the source (the independent check at the end of the next test counts every record)
    await eventually(async () => (workload.acked.length > ackedBefore + 50 && workload.processed.length > processedBefore + 50 ? true : undefined), 120_000, 'clients producing and consuming on the source again');
    const status = await runZdp(['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--max-lag', '500', '--timeout', '120', '--json'], { cwd: dir, timeoutMs: 150_000 });
    expect(status.code, status.stderr).toBe(0);
  }, 600_000);

  it('cuts over exactly, killed at every step and resumed: 0 lost, no duplicate, each group continues at its committed record', async () => {
    // a transaction left open on the source (its client gone), with the clients' plain records on
    // orders[0] written after it began: committed, but invisible to read_committed readers such as
    // MirrorMaker 2 until the coordinator aborts it (30 s). The drain must wait for them.
    const open = harnessKafka(projectDir, 'source').producer({ transactionalId: uniqueName('co-open-src'), idempotent: true, maxInFlightRequests: 1, transactionTimeout: 30_000 });
    await open.connect();
    const tx = await open.transaction();
    await tx.send({ topic: orders, messages: [{ partition: 0, key: 'open', value: 'never committed', headers: { seq: '-999998' } }] });
    const openedAt = Date.now();
    await eventually(async () => (workload.acked.filter((a) => a.topic === orders && a.partition === 0 && a.ackedAt > openedAt + 500).length > 5 ? true : undefined), 30_000, 'records after the open transaction');
    // an application that reads the source directly, not through the gateway: it never shows up on the target
    const direct = uniqueName('co-direct');
    const bypassing = harnessKafka(projectDir, 'source').consumer({ groupId: direct, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    await bypassing.connect();
    await bypassing.subscribe({ topics: [customers], fromBeginning: true });
    let directRead = 0;
    await bypassing.run({ eachMessage: async () => void directRead++ });
    await eventually(async () => (directRead > 0 ? true : undefined), 60_000, 'the direct consumer reading the source');
    let first = true;
    let torn = false;
    const journalFile = join(dir, '.zdp/migrations/source-to-target/cutover.jsonl');
    for (const step of FORWARD_STEPS) {
      const args = ['cutover', '--from', 'source', '--to', 'target', '--yes', '--group-wait', '30'];
      if (!first) args.push('--resume');
      const killed = await runZdp(args, { cwd: dir, crashAtStep: step, timeoutMs: 170_000 });
      // a kill gives no exit code of its own (the helper reports -1)
      expect(killed.code, `${step}: ${killed.stderr}`).toBe(-1);
      if (torn) {
        // the resume after a torn write said so, cut the torn line off and journaled on from there
        expect(killed.stderr).toContain("the cutover journal's last line was cut short");
        expect(() => readFileSync(journalFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l))).not.toThrow();
        torn = false;
      }
      if (step === 'drain') {
        // power loss mid-write after the fence: the last line is half there
        appendFileSync(journalFile, '{"type":"step","seq":999,"time":"2026-');
        torn = true;
      }
      first = false;
    }
    const done = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--resume', '--group-wait', '30', '--json'], { cwd: dir, timeoutMs: 170_000 });
    expect(done.code, done.stderr).toBe(0);
    const report = JSON.parse(done.stdout);
    expect(report).toMatchObject({ kind: 'CutoverReport', outcome: 'done', records: { sourceRecordsMissingOnTarget: 0, duplicatedByTranslation: 0 } });
    expect(report.steps.map((s: { step: string }) => s.step)).toEqual([...FORWARD_STEPS]);
    // zdp's filter quiesced the clients (no restart), and every running group had committed what it was given
    expect(report.quiesce.via).toBe('filter');
    for (const g of groups) expect(report.quiesce.groups.find((q: { group: string }) => q.group === g.group), g.group).toMatchObject({ complete: true, uncommitted: 0 });
    expect(report.steps.at(-1).fromJournal).toBe(false);
    await bypassing.disconnect();
    await open.disconnect().catch(() => {});
    // verify names the application that did not reconnect through the gateway
    const missingApps = report.notes.find((n: string) => n.includes('not reconnected'));
    expect(missingApps, JSON.stringify(report.notes)).toContain(direct);
    expect(report.groups.length).toBeGreaterThanOrEqual(groups.length);

    // the lagging group's first record on the target is the record at its committed source offset
    const lag = report.groups.filter((g: { group: string }) => g.group === lagging);
    expect(lag).toHaveLength(3);
    const src = createKafka(source, { env: process.env, clientId: 'co-check' });
    const tgt = createKafka(target, { env: process.env, clientId: 'co-check' });
    for (const g of lag) {
      const at = laggingAt.find((l) => l.partition === g.partition)!;
      expect(g.sourceOffset).toBe(String(at.offset));
      const [s] = await readOne(src, source, orders, g.partition, at.offset);
      const [t] = await readOne(tgt, target, orders, g.partition, BigInt(g.targetOffset));
      expect(recordFingerprint(t!)).toBe(recordFingerprint(s!));
      expect(g.fingerprint).toBe(recordFingerprint(s!));
    }

    // clients keep going on the target, then an independent check of everything they did
    await eventually(async () => (workload.processed.filter((p) => p.at > Date.now() - 2_000).length > 20 ? true : undefined), 120_000, 'consumers processing on the target');
    await new Promise((r) => setTimeout(r, 3_000));
    await workload.stopProducers();
    const drained = await workload.drain(180_000);
    // the next test runs its own clients in one of these groups
    await workload.stop();
    const finalLog = await readAllSeqs(target.bootstrapServers[0]!, topics, workload.acked.length);
    const result = check(workload, finalLog, groups);
    if (!drained) {
      // say which records, where they are on the target, and when they were acknowledged
      const missing = groups.flatMap((g) => {
        const got = new Set(workload.processed.filter((p) => p.group === g.group).map((p) => `${p.topic}\u0000${p.seq}`));
        return workload.acked.filter((a) => g.topics.includes(a.topic) && !got.has(`${a.topic}\u0000${a.seq}`)).map((a) => ({ group: g.group, ...a, onTarget: finalLog.filter((r) => r.topic === a.topic && r.seq === a.seq).length }));
      });
      expect.fail(`not every record was processed: ${JSON.stringify({ pending: workload.pending(), missing, result, report: report.groups.filter((x: { group: string }) => groups.some((g) => g.group === x.group)), events: workload.events.slice(-30), errors: workload.errors.slice(-10) })}`);
    }
    expect(result.acked).toBeGreaterThan(1000);
    expect(result.lost).toBe(0);
    expect(result.abortedVisible).toBe(0);
    for (const g of result.groups) {
      expect(g, g.group).toMatchObject({ duplicates: 0, missing: 0, outOfOrder: 0 });
    }
    // the gateway points at the target now
    const gw = JSON.parse((await runZdp(['gateway', 'status', '--json'], { cwd: dir })).stdout);
    expect(gw.cluster).toBe('target');
  }, 900_000);

  it('never reports a finished cutover as done when the gateway says otherwise', async () => {
    // the gateway agrees with the journal: done, and nothing to do
    const again = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--yes', '--json'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ kind: 'CutoverReport', outcome: 'already-done' });
    // someone switches the gateway back by hand: the journal still says done, the world does not
    const back = await runZdp(['gateway', 'switch', '--to', 'source', '--json'], { cwd: dir });
    expect(back.code, back.stderr).toBe(0);
    const refused = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--yes', '--json'], { cwd: dir });
    expect(refused.code).toBe(7);
    const error = JSON.parse(refused.stderr.trim().split('\n').pop()!);
    expect(error).toMatchObject({ code: 'JOURNAL_CONTRADICTED', exitCode: 7 });
    expect(error.message).toMatch(/says cutover \w+ from source to target completed, but the gateway \(kroxylicious\) routes to source/);
    expect(error.hint).toContain('zdp cutover --from source --to target --new');
    // nothing changed: clients are still on the source
    expect(JSON.parse((await runZdp(['gateway', 'status', '--json'], { cwd: dir })).stdout).cluster).toBe('source');
    // the next test rolls the finished cutover back: the gateway goes where the journal says
    const forward = await runZdp(['gateway', 'switch', '--to', 'target', '--json'], { cwd: dir });
    expect(forward.code, forward.stderr).toBe(0);
  }, 300_000);

  it('rolls back to the source: what was produced on the target is copied back, groups continue where they were', async () => {
    const back = new Workload({ bootstrap, clientId: uniqueName('co-back'), topics: [{ topic: orders, partitions: 3, rate: 100 }], groups: [groups[0]!], firstSeq: 1_000_000 });
    // the first workload's acknowledged records stay the reference for the orders group
    await back.start();
    await eventually(async () => (back.acked.length > 200 && back.processed.length > 50 ? true : undefined), 90_000, 'clients on the target');
    // a transaction left open on the target, as a client fenced mid-transaction leaves one: until its
    // coordinator aborts it (15 s), every later record of orders[0] is invisible to read_committed
    // readers, the copy back included, which must wait for it rather than stop there
    const open = harnessKafka(projectDir, 'target').producer({ transactionalId: uniqueName('co-open-tx'), idempotent: true, maxInFlightRequests: 1, transactionTimeout: 15_000 });
    await open.connect();
    const tx = await open.transaction();
    await tx.send({ topic: orders, messages: [{ partition: 0, key: 'open', value: 'never committed', headers: { seq: '-999999' } }] });
    await eventually(async () => (back.acked.filter((a) => a.partition === 0 && a.ackedAt > Date.now() - 1_000).length > 3 ? true : undefined), 30_000, 'records after the open transaction');
    const r = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--rollback', '--confirm', 'source', '--json'], { cwd: dir, timeoutMs: 170_000 });
    await open.disconnect().catch(() => {});
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ kind: 'RollbackReport', outcome: 'rolled-back' });
    expect(report.records.copiedBack).toBeGreaterThan(0);
    await eventually(async () => (back.processed.filter((p) => p.at > Date.now() - 2_000).length > 10 ? true : undefined), 120_000, 'consumers processing on the source again');
    await back.stopProducers();
    const drained = await back.drain(120_000);
    await back.stop();
    const finalLog = await readAllSeqs(source.bootstrapServers[0]!, [orders], back.acked.length);
    const result = check(back, finalLog, [groups[0]!]);
    if (!drained) {
      // which records, whether the source and the target hold them, when they were acknowledged, what the group did
      const got = new Set(back.processed.map((p) => p.seq));
      const targetLog = await readAllSeqs(target.bootstrapServers[0]!, [orders], 0);
      const missing = back.acked.filter((a) => !got.has(a.seq)).map((a) => ({ ...a, onSource: finalLog.filter((r) => r.seq === a.seq).length, onTarget: targetLog.filter((r) => r.seq === a.seq).length }));
      expect.fail(`not every record was processed after the rollback: ${JSON.stringify({ pending: back.pending(), missing, result, report: { steps: report.steps, groups: report.groups.filter((x: { group: string }) => x.group === groups[0]!.group) }, events: back.events.slice(-20), errors: back.errors.slice(-10) })}`);
    }
    expect(result.lost).toBe(0);
    expect(result.groups[0]).toMatchObject({ duplicates: 0, missing: 0, outOfOrder: 0 });
    // the aborted record stayed behind
    expect(finalLog.filter((x) => x.seq === -999999)).toEqual([]);
    const gw = JSON.parse((await runZdp(['gateway', 'status', '--json'], { cwd: dir })).stdout);
    expect(gw.cluster).toBe('source');
    const journal = readFileSync(report.journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(journal.at(-1)).toMatchObject({ type: 'end', outcome: 'rolled-back' });
  }, 600_000);
});

async function readOne(kafka: ReturnType<typeof createKafka>, profile: ReturnType<typeof harnessProfile>, topic: string, partition: number, offset: bigint) {
  const out: Parameters<typeof recordFingerprint>[0][] = [];
  await fetchWindows(kafka, profile, [{ topic, windows: [{ partition, start: offset, end: offset + 1n }] }], { timeoutMs: 30_000, onBatch: (_t, records) => void out.push(...records) });
  expect(out, `${topic}[${partition}]@${offset}`).toHaveLength(1);
  return out;
}

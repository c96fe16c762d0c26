/**
 * The cutover of the issue's production shape: a 3-broker source and a 2-broker target started by
 * `zdp dev up --brokers`, leaders spread, two Kroxylicious instances (`gateway up --replicas 2`)
 * fenced as one, live applications on both instances — kafkajs producers (plain, idempotent,
 * transactional) and consumers at kafkajs's defaults, a Java kafka-clients producer and consumers at
 * Kafka's defaults. The cutover is killed at every step and resumed, then rolled back; an
 * independent checker counts records lost, read twice by a group, and written twice in the log.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Kafka as KafkaJs, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORWARD_STEPS } from '../../src/core/cutover/journal.js';
import { check, readAllSeqs, Workload } from '../../src/demo/workload.js';
import { findJava } from '../../src/processes/java.js';
import { resolveKafkaDist } from '../../src/processes/kafka-dist.js';
import { createKafka } from '../../src/kafka/client.js';
import { clusterFactory } from '../../src/kafka/offset-commit.js';
import type { Cluster } from '../../src/kafka/reader.js';
import { createTopics, eventually, gatewayUp, runZdp, uniqueName, waitEveryGroupProcessed } from '../harness/helpers.js';
// a plain ES module, shared with bench/cutover-pause.mjs
import { JavaClients } from '../clients/java-clients.mjs';


const everyoneOf = (ws: Workload[], js: JavaClients[]) => ({
  acked: [...ws.flatMap((w) => w.acked), ...js.flatMap((j) => j.acked)],
  aborted: ws.flatMap((w) => w.aborted),
  uncertain: ws.flatMap((w) => w.uncertain),
  processed: [...ws.flatMap((w) => w.processed), ...js.flatMap((j) => j.processed)],
});

async function allProcessed(ws: Workload[], js: JavaClients[], groups: { group: string; topics: string[] }[], timeoutMs: number, logBootstrap?: string): Promise<void> {
  try {
    await waitAllProcessed(ws, js, groups, timeoutMs);
  } catch (error) {
    // say which records, when they were acknowledged, whether the log holds them, and what the consumers went through
    const all = everyoneOf(ws, js);
    const missing = groups.map((g) => {
      const seen = new Set(all.processed.filter((p) => p.group === g.group).map((p) => `${p.topic}\u0000${p.seq}`));
      const gone = all.acked.filter((a) => g.topics.includes(a.topic) && !seen.has(`${a.topic}\u0000${a.seq}`));
      return { group: g.group, missing: gone.length, first: gone.slice(0, 5), last: gone.slice(-3) };
    });
    const log = logBootstrap ? await readAllSeqs(logBootstrap, [...new Set(groups.flatMap((g) => g.topics))], 0, 30_000) : [];
    const inLog = new Set(log.map((r) => `${r.topic}\u0000${r.seq}`));
    expect.fail(`${(error as Error).message}: ${JSON.stringify({ missing: missing.map((m) => ({ ...m, firstInLog: m.first.map((a) => inLog.has(`${a.topic}\u0000${a.seq}`)) })), events: ws.flatMap((w) => w.events.slice(-10)), errors: ws.flatMap((w) => w.errors.slice(-5)) })}`);
  }
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);

/**
 * Each gateway instance's phases, holds, forwards during a hold, refusals and binds (the last 60),
 * their times as clock times; only those from `from` to `to` (ms) when given.
 */
function proxyLog(dir: string, from?: number, to?: number): Record<string, string[]> {
  const logs: Record<string, string> = { '0': join(dir, '.zdp/gateway/logs/gateway.log') };
  const instances = join(dir, '.zdp/gateway/instances');
  if (existsSync(instances)) for (const i of readdirSync(instances)) logs[i] = join(instances, i, 'gateway/logs/gateway.log');
  const proxies: Record<string, string[]> = {};
  for (const [i, file] of Object.entries(logs)) {
    try {
      proxies[i] = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => /^zdp: (phase|hold|kroxylicious started|learned|refused|drain)/.test(l))
        .map((l) => ({ l, at: Number(/\(at (\d+)\)/.exec(l)?.[1] ?? NaN) }))
        .filter(({ at }) => from === undefined || to === undefined || (at >= from && at <= to))
        .map(({ l, at }) => (Number.isNaN(at) ? l : l.replace(/\(at \d+\)/, `(at ${clock(at)})`)))
        .slice(-60);
    } catch (e) {
      proxies[i] = [`not read: ${(e as Error).message}`];
    }
  }
  return proxies;
}

/**
 * What the cutover and the proxies did from `from` to `to` (ms), for a failure's message: the
 * journal's steps, and every instance's phases, holds, sends forwarded during a hold and refusals.
 */
function whatHappened(dir: string, from: number, to: number): { journal: string[]; proxies: Record<string, string[]> } {
  const journal: string[] = [];
  try {
    for (const line of readFileSync(join(dir, '.zdp/migrations/source-to-target/cutover.jsonl'), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const l = JSON.parse(line) as { type: string; step?: string; state?: string; time?: string };
      if (l.type === 'step' && l.time && Date.parse(l.time) >= from - 120_000 && Date.parse(l.time) <= to) journal.push(`${l.time.slice(11, 23)} ${l.step} ${l.state}`);
    }
  } catch (e) {
    journal.push(`the journal could not be read: ${(e as Error).message}`);
  }
  return { journal, proxies: proxyLog(dir, from, to) };
}

async function waitAllProcessed(ws: Workload[], js: JavaClients[], groups: { group: string; topics: string[] }[], timeoutMs: number): Promise<void> {
  await waitEveryGroupProcessed(() => everyoneOf(ws, js), groups, timeoutMs);
}

describe('a cutover of multi-broker clusters behind a fleet of two gateway instances, with default clients', () => {
  const orders = uniqueName('fl.orders');
  const payments = uniqueName('fl.payments');
  const events = uniqueName('fl.events');
  const javaTopic = uniqueName('fl.java');
  const topics = [orders, payments, events, javaTopic];
  const jsGroups = [
    { group: uniqueName('fl-js-orders'), topics: [orders] },
    { group: uniqueName('fl-js-pay'), topics: [payments] },
    { group: uniqueName('fl-js-events'), topics: [events] },
  ];
  const javaGroups = [
    { group: uniqueName('java-fl-orders'), topics: [orders] },
    { group: uniqueName('java-fl-java'), topics: [javaTopic] },
  ];
  const groups = [...jsGroups, ...javaGroups];
  let dir: string;
  let bootstraps: string[] = [];
  let profiles: Record<string, { bootstrapServers: string[] }>;
  let workloads: Workload[] = [];
  let java: JavaClients;
  let javaLib: string;
  let javaBin: string;
  /** the process of the source's broker of node id 1 */
  let sourceNode1Pid: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zdp-fleet-'));
    writeFileSync(join(dir, 'zdp.yaml'), 'apiVersion: zdp/v1\n');
    for (const [name, brokers] of [['source', '3'], ['target', '2']] as const) {
      const up = await runZdp(['dev', 'up', name, '--brokers', brokers, '--json'], { cwd: dir, timeoutMs: 240_000 });
      expect(up.code, up.stderr).toBe(0);
      expect(JSON.parse(up.stdout).clusters[0]).toMatchObject({ name, brokers: Number(brokers) });
      if (name === 'source') sourceNode1Pid = JSON.parse(up.stdout).clusters[0].pid;
    }
    profiles = parse(readFileSync(join(dir, '.zdp/dev/profiles.yaml'), 'utf8')).clusters;
    const source = createKafka({ name: 'source', vendor: 'apache', bootstrapServers: profiles.source!.bootstrapServers, timeoutMs: 10_000 }, { env: process.env, clientId: 'fl-setup' });
    await createTopics(source, topics.map((topic) => ({ topic, numPartitions: 6 })));
    const admin = source.admin();
    await admin.connect();
    const leaders = new Set((await admin.fetchTopicMetadata({ topics: [orders] })).topics[0]!.partitions.map((p) => p.leader));
    await admin.disconnect();
    expect(leaders.size).toBe(3);
    const topicFlags = topics.flatMap((t) => ['--topic', t]);
    const apply = await runZdp(['migrate', '--from', 'source', '--to', 'target', ...topicFlags, '--yes'], { cwd: dir });
    expect(apply.code, apply.stderr).toBe(0);
    const start = await runZdp(['migrate', 'start', '--from', 'source', '--to', 'target', ...topicFlags], { cwd: dir, timeoutMs: 240_000 });
    expect(start.code, start.stderr).toBe(0);
    const up = await gatewayUp(['--cluster', 'source', '--cover', 'target', '--replicas', '2', '--json'], { cwd: dir, timeoutMs: 240_000 });
    expect(up.code, up.stderr).toBe(0);
    const gw = JSON.parse(up.stdout);
    expect(gw.nodeIds).toEqual({ start: 1, end: 3 });
    bootstraps = gw.instances.map((i: { bootstrap: string }) => i.bootstrap);
    expect(bootstraps).toHaveLength(2);
    // applications on both instances
    workloads = [
      new Workload({ bootstrap: bootstraps[0]!, clientId: uniqueName('fl-a'), topics: [{ topic: orders, partitions: 6, rate: 120, plain: true }, { topic: payments, partitions: 6, rate: 60, transactional: true }], groups: jsGroups.slice(0, 2), defaultConsumers: true }),
      new Workload({ bootstrap: bootstraps[1]!, clientId: uniqueName('fl-b'), topics: [{ topic: events, partitions: 6, rate: 100 }], groups: jsGroups.slice(2), defaultConsumers: true }),
    ];
    for (const w of workloads) await w.start();
    javaLib = (await resolveKafkaDist('4', { env: process.env })).libDir;
    javaBin = (await findJava(process.env)).bin;
    java = new JavaClients({ java: javaBin, libDir: javaLib, bootstrap: bootstraps[1]! });
    for (const g of javaGroups) java.consumer(g.group, g.topics);
    java.producer(javaTopic, 6, 80);
    await eventually(async () => (workloads.every((w) => w.processed.length > 200) && java.processed.length > 200 ? true : undefined), 180_000, 'applications producing and consuming through both instances');
    const status = await runZdp(['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--max-lag', '500', '--timeout', '180', '--json'], { cwd: dir, timeoutMs: 210_000 });
    expect(status.code, status.stderr).toBe(0);
  }, 600_000);

  afterAll(async () => {
    for (const w of workloads) await w.stop().catch(() => {});
    await java?.stop();
    if (dir) {
      await runZdp(['gateway', 'down'], { cwd: dir });
      await runZdp(['migrate', 'stop', '--from', 'source', '--to', 'target'], { cwd: dir });
      await runZdp(['dev', 'down', '--purge', '--yes'], { cwd: dir, timeoutMs: 120_000 });
    }
  }, 180_000);

  it('killed at every step and resumed: every instance drained and held together, 0 lost, 0 read twice, 0 written twice', async () => {
    let first = true;
    for (const step of FORWARD_STEPS) {
      const args = ['cutover', '--from', 'source', '--to', 'target', '--yes', '--group-wait', '30'];
      if (!first) args.push('--resume');
      const killed = await runZdp(args, { cwd: dir, crashAtStep: step, timeoutMs: 240_000 });
      expect(killed.code, `${step}: ${killed.stderr}`).toBe(-1);
      // stopped in the hold for longer than a client's request timeout (the kafkajs producers' here:
      // 10 s) before it is resumed: a transactional producer's held requests timed out, and at serve
      // one of them went on beside the producer's retry, three records twice on the target
      if (step === 'switch') await new Promise((r) => setTimeout(r, 11_000));
      first = false;
    }
    const done = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--resume', '--group-wait', '30', '--json'], { cwd: dir, timeoutMs: 240_000 });
    const finishedAt = Date.now();
    expect(done.code, done.stderr).toBe(0);
    const report = JSON.parse(done.stdout);
    expect(report).toMatchObject({ outcome: 'done', quiesce: { via: 'filter', instances: 2 } });
    const status = JSON.parse((await runZdp(['gateway', 'status', '--json'], { cwd: dir })).stdout);
    expect(status.instances.map((i: { cluster: string; running: boolean; phase: string }) => [i.cluster, i.running, i.phase])).toEqual([
      ['target', true, 'serve'],
      ['target', true, 'serve'],
    ]);

    // before each old instance stopped, the Fetches its kafkajs consumers waited for were answered
    // (closing, as it handed over), so that none was in flight when it went
    for (const file of [join(dir, '.zdp/gateway/logs/gateway.log'), join(dir, '.zdp/gateway/instances/1/gateway/logs/gateway.log')]) {
      expect(readFileSync(file, 'utf8'), file).toMatch(/^zdp: closing: \d+ waiting Fetch(es)? of clients that name no software answered KAFKA_STORAGE_ERROR/m);
      // and it handed its addresses over: it stopped listening, its standby bound them beside its
      // connections, and only then did it close those and exit
      expect(readFileSync(file, 'utf8'), file).toMatch(/^zdp: unbound, listening no more on port\(s\) \[[\d, ]+\]; the connections stay until closing/m);
      expect(readFileSync(file, 'utf8'), file).toMatch(/^zdp: the standby listens on port \d+ \d+ ms after the unbind: this instance closes its connections and exits/m);
    }

    // the hold outlasted 5 s while the cutover was stopped: the connections with requests held closed, and their clients sent again
    expect(readFileSync(join(dir, '.zdp/gateway/logs/gateway.log'), 'utf8')).toMatch(/^zdp: hold: \d+ connection\(s\) closed, \d+ request\(s\) held on them up to \d+ ms not sent/m);

    const switchedAt = Date.now();
    await eventually(async () => (workloads.every((w) => w.processed.some((p) => p.at > switchedAt + 2_000)) && java.processed.some((p) => p.at > switchedAt + 2_000) ? true : undefined), 180_000, 'applications on the target through both instances');
    await new Promise((r) => setTimeout(r, 3_000));
    for (const w of workloads) await w.stopProducers();
    await java.stop('producer');
    await allProcessed(workloads, [java], groups, 240_000, profiles.target!.bootstrapServers[0]!);
    const all = everyoneOf(workloads, [java]);
    const finalLog = await readAllSeqs(profiles.target!.bootstrapServers[0]!, topics, all.acked.length, 120_000);
    const result = check(all, finalLog, groups);
    expect(result.acked).toBeGreaterThan(2000);
    expect(result.lost).toBe(0);
    // Written twice by the cutover: a record the target holds more often than the source does. A
    // kafkajs producer writes some records twice on its own, before any cutover: it retries a whole
    // send across brokers when one broker's request fails, and the partitions that had succeeded get
    // new sequence numbers (seen here with the transactional producer on the 3-broker source, records
    // from its first second). MirrorMaker 2 copies those faithfully; they are the client's, not zdp's.
    // The same client does it on the target too once the cutover is over (seen: three records of one
    // transaction sent 10 s after the switch, acknowledged in 250 ms, twice in the target's log, while
    // it wrote 20 twice on the source): a record first sent after the cutover finished is the client's.
    const count = (log: { topic: string; seq: number }[]) => {
      const m = new Map<string, number>();
      for (const r of log) m.set(`${r.topic}\u0000${r.seq}`, (m.get(`${r.topic}\u0000${r.seq}`) ?? 0) + 1);
      return m;
    };
    const onTarget = count(finalLog);
    const onSource = count(await readAllSeqs(profiles.source!.bootstrapServers[0]!, topics, 0, 60_000));
    const twice = [...onTarget].filter(([k, n]) => n > Math.max(1, onSource.get(k) ?? 0)).map(([k, n]) => ({ record: k.replace('\u0000', '#'), onTarget: n, onSource: onSource.get(k) ?? 0, acked: all.acked.filter((a) => `${a.topic}\u0000${a.seq}` === k), uncertain: all.uncertain.filter((a) => `${a.topic}\u0000${a.seq}` === k).length }));
    const sentAfterwards = (t: (typeof twice)[number]) => t.acked.length > 0 && t.acked.every((a) => a.sentAt > finishedAt);
    const byCutover = twice.filter((t) => !sentAfterwards(t));
    const byClient = [...onSource].filter(([, n]) => n > 1).length;
    // with the records' sends: the steps' times and what each proxy did around them
    const around = byCutover.flatMap((t) => t.acked.map((a) => a.sentAt));
    const context = byCutover.length ? whatHappened(dir, Math.min(...around) - 5_000, Math.max(...around) + 5_000) : undefined;
    const sends = byCutover.slice(0, 10).map((t) => ({ ...t, acked: t.acked.map((a) => ({ ...a, sentAt: clock(a.sentAt), ackedAt: clock(a.ackedAt) })) }));
    expect(byCutover, JSON.stringify({ byCutover: sends, finishedAt: clock(finishedAt), writtenTwiceByClientsOnSource: byClient, writtenTwiceByClientsOnTargetAfterwards: twice.filter(sentAfterwards).length, ...context }, null, 1)).toEqual([]);
    expect(result.abortedVisible).toBe(0);
    for (const g of result.groups) expect(g, g.group).toMatchObject({ duplicates: 0, missing: 0 });
  }, 1_500_000);

  it('rolls back through both instances: drained and held on the target, 0 lost, 0 read twice', async () => {
    // the same applications, producing again on the target
    const back = [
      new Workload({ bootstrap: bootstraps[0]!, clientId: uniqueName('fl-back-a'), topics: [{ topic: orders, partitions: 6, rate: 100, plain: true }], groups: [jsGroups[0]!], defaultConsumers: true, firstSeq: 1_000_000 }),
      new Workload({ bootstrap: bootstraps[1]!, clientId: uniqueName('fl-back-b'), topics: [{ topic: events, partitions: 6, rate: 100 }], groups: [jsGroups[2]!], defaultConsumers: true, firstSeq: 1_000_000 }),
    ];
    // the forward test's consumers are stopped: the groups rejoin with these
    for (const w of workloads) await w.stop();
    await java.stop();
    for (const w of back) await w.start();
    const backJava = new JavaClients({ java: javaBin, libDir: javaLib, bootstrap: bootstraps[1]! });
    backJava.consumer(javaGroups[1]!.group, javaGroups[1]!.topics);
    backJava.producer(javaTopic, 6, 80, 1_000_000);
    try {
      await eventually(async () => (back.every((w) => w.processed.some((p) => p.seq >= 1_000_000)) && backJava.processed.some((p) => p.seq >= 1_000_000) ? true : undefined), 180_000, 'applications on the target');
      const r = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--rollback', '--confirm', 'source', '--json'], { cwd: dir, timeoutMs: 300_000 });
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report).toMatchObject({ kind: 'RollbackReport', outcome: 'rolled-back', quiesce: { via: 'filter', instances: 2 } });
      expect(report.records.copiedBack).toBeGreaterThan(0);
      const rolledAt = Date.now();
      await eventually(async () => (back.every((w) => w.processed.some((p) => p.at > rolledAt + 2_000)) ? true : undefined), 180_000, 'applications on the source again');
      for (const w of back) await w.stopProducers();
      await backJava.stop('producer');
      const backGroups = [jsGroups[0]!, jsGroups[2]!, javaGroups[1]!];
      await allProcessed(back, [backJava], backGroups, 240_000, profiles.source!.bootstrapServers[0]!);
      const all = everyoneOf(back, [backJava]);
      const backTopics = [orders, events, javaTopic];
      const finalLog = await readAllSeqs(profiles.source!.bootstrapServers[0]!, backTopics, all.acked.length, 120_000);
      // only the records produced since the rollback test began count: the earlier ones were checked above
      const result = check(all, finalLog.filter((x) => x.seq >= 1_000_000), backGroups.map((g) => ({ group: g.group, topics: g.topics })));
      expect(result.lost).toBe(0);
      const seen = new Map<string, number>();
      for (const x of finalLog) if (x.seq >= 1_000_000) seen.set(`${x.topic}#${x.seq}`, (seen.get(`${x.topic}#${x.seq}`) ?? 0) + 1);
      const twice = [...seen].filter(([, n]) => n > 1).map(([k, n]) => ({ record: k, times: n, acked: all.acked.filter((a) => `${a.topic}#${a.seq}` === k).map((a) => ({ sentAt: a.sentAt, ackedAt: a.ackedAt })) }));
      expect(result.duplicatedInLog, JSON.stringify({ twice: twice.slice(0, 10), rolledAt })).toBe(0);
      for (const g of result.groups) expect(g, g.group).toMatchObject({ duplicates: 0, missing: 0 });
    } finally {
      for (const w of back) await w.stop().catch(() => {});
      await backJava.stop();
    }
  }, 1_200_000);

  it('gateway switch with plain kafkajs producers idle or midway at the switch: their first request goes to the broker of the same node id on the other cluster, nothing is lost and nothing is written twice', async () => {
    // the same topic on both clusters, leaders spread; no replication: each cluster keeps what was written to it
    const topic = uniqueName('fl.switch');
    for (const name of ['source', 'target']) {
      await createTopics(createKafka({ name, vendor: 'apache', bootstrapServers: profiles[name]!.bootstrapServers, timeoutMs: 10_000 }, { env: process.env, clientId: 'fl-setup' }), [{ topic, numPartitions: 12 }]);
    }
    // kafkajs at its defaults (no idempotence): a request refused for some of its partitions is sent
    // again whole; their errors go into a failure's message
    const errors: string[] = [];
    const producers = Array.from({ length: 4 }, (_, i) => new KafkaJs({ brokers: [bootstraps[0]!], clientId: uniqueName('fl-switch'), logLevel: logLevel.ERROR, logCreator: () => ({ log }) => void errors.push(`${new Date().toISOString().slice(11, 23)} p${i} ${String(log.message)} ${String(log.error ?? '')}`) }).producer());
    const switches: string[] = [];
    const sent = { acked: [] as number[], failed: [] as string[], running: true, seq: 0, sends: new Map<number, string>() };
    for (const p of producers) await p.connect();
    const loops = producers.map(async (p, i) => {
      while (sent.running) {
        const base = sent.seq;
        sent.seq += 24;
        const sentAt = new Date().toISOString().slice(11, 23);
        try {
          await p.send({ topic, messages: Array.from({ length: 24 }, (_, j) => ({ key: `k${base + j}`, value: 'v', headers: { seq: String(base + j) } })) });
          for (let j = 0; j < 24; j++) sent.acked.push(base + j);
          sent.sends.set(base, `p${i} sent ${sentAt}, acknowledged ${new Date().toISOString().slice(11, 23)}`);
        } catch (e) {
          sent.failed.push((e as Error).message);
        }
        // idle between sends: a switch finds some of them between requests, with the old cluster's leaders cached
        await new Promise((r) => setTimeout(r, 150 + i * 97));
      }
    });
    try {
      for (const to of ['target', 'source']) {
        await new Promise((r) => setTimeout(r, 3_000));
        const r = await runZdp(['gateway', 'switch', '--to', to, '--json'], { cwd: dir, timeoutMs: 180_000 });
        expect(r.code, r.stderr).toBe(0);
        // producers are held first: a send caught midway is not cut in two by the old backend going
        expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'GatewaySwitch', to, heldMs: expect.any(Number) });
        switches.push(`${new Date().toISOString().slice(11, 23)} switched to ${to}`);
      }
      await new Promise((r) => setTimeout(r, 3_000));
    } finally {
      sent.running = false;
      await Promise.all(loops);
      for (const p of producers) await p.disconnect().catch(() => {});
    }
    expect(sent.failed).toEqual([]);
    const onEach = await Promise.all(['source', 'target'].map(async (name) => (await readAllSeqs(profiles[name]!.bootstrapServers[0]!, [topic], 0, 60_000)).map((r) => r.seq)));
    const twice = onEach.map((values) => {
      const seen = new Set<number>();
      return values.filter((v) => seen.has(v) || !seen.add(v));
    });
    const written = new Set(onEach.flat());
    const lost = sent.acked.filter((v) => !written.has(v));
    // the lost or doubled records' sends, the switches' times, every client error and the first
    // proxy's phases and refusals beside them: a send cut in two shows in them (two CI runs lost 5
    // and 7 records of one send each, which 32 switches on an idle and a loaded machine did not
    // repeat; one wrote 8 records of one send twice on the target)
    const why = (records: number[]) =>
      JSON.stringify({ sends: [...new Set(records.map((v) => v - (v % 24)))].map((b) => `${b}: ${sent.sends.get(b)}`), switches, errors: errors.filter((e) => !e.includes('partitioner')).slice(-120), proxies: proxyLog(dir) }, null, 1);
    expect(twice, twice.some((t) => t.length) ? `written twice on one cluster ${why(twice.flat())}` : '').toEqual([[], []]);
    expect(lost, lost.length ? `acknowledged and not written ${why(lost)}` : '').toEqual([]);
    expect(onEach.every((values) => values.length > 0)).toBe(true);
  }, 600_000);

  /**
   * One idempotent kafkajs producer on two connections to the broker of node id 1, that broker
   * stopped: a request forwarded to it stays in flight, and a request for a partition node 1 does
   * not lead is refused by the filter. `refusalFirst`: the refused request goes out 10 ms before the
   * other. Resolves with both requests' outcomes and when each was answered.
   */
  async function refusalBesideRequestInFlight(refusalFirst: boolean) {
    const topic = uniqueName('fl.refuse');
    await createTopics(createKafka({ name: 'source', vendor: 'apache', bootstrapServers: profiles.source!.bootstrapServers, timeoutMs: 10_000 }, { env: process.env, clientId: 'fl-setup' }), [{ topic, numPartitions: 6 }]);
    const viaProxy = async () => {
      const c = clusterFactory<Cluster>(createKafka({ name: 'gateway', vendor: 'apache', bootstrapServers: [bootstraps[0]!], timeoutMs: 10_000 }, { env: process.env, clientId: uniqueName('fl-refuse') }))({ allowAutoTopicCreation: false });
      await c.connect();
      await c.addMultipleTargetTopics([topic]);
      return c;
    };
    const [a, b] = [await viaProxy(), await viaProxy()];
    type Produce = { produce(request: unknown): Promise<unknown>; initProducerId(request: unknown): Promise<{ producerId: string; producerEpoch: number }> };
    try {
      const partitions = a.findTopicPartitionMetadata(topic);
      const onNode1 = partitions.find((p) => p.leader === 1)!.partitionId;
      const elsewhere = partitions.find((p) => p.leader !== 1)!.partitionId;
      const [toNode1, alsoToNode1] = (await Promise.all([a.findBroker({ nodeId: '1' }), b.findBroker({ nodeId: '1' })])) as unknown as Produce[];
      const { producerId, producerEpoch } = await toNode1!.initProducerId({ transactionTimeout: 30_000 });
      const produce = (broker: Produce, partition: number) =>
        track(broker.produce({ acks: -1, producerId, producerEpoch, topicData: [{ topic, partitions: [{ partition, firstSequence: 0, messages: [{ key: 'k', value: String(partition) }] }] }] }));
      process.kill(sourceNode1Pid, 'SIGSTOP');
      let inFlightRequest: ReturnType<typeof produce>;
      let refused: ReturnType<typeof produce>;
      try {
        if (refusalFirst) {
          refused = produce(alsoToNode1!, elsewhere);
          await new Promise((r) => setTimeout(r, 10));
          inFlightRequest = produce(toNode1!, onNode1);
          await new Promise((r) => setTimeout(r, 1_000));
          expect(inFlightRequest.state).toBe('pending');
        } else {
          // forwarded to a broker that does not answer yet
          inFlightRequest = produce(toNode1!, onNode1);
          await new Promise((r) => setTimeout(r, 500));
          expect(inFlightRequest.state).toBe('pending');
          refused = produce(alsoToNode1!, elsewhere);
          await new Promise((r) => setTimeout(r, 1_000));
        }
        expect(refused.state, 'the refusal, while the request in flight is not answered').toBe('pending');
      } finally {
        process.kill(sourceNode1Pid, 'SIGCONT');
      }
      await eventually(async () => (inFlightRequest.state !== 'pending' && refused.state !== 'pending' ? true : undefined), 20_000, 'both answered');
      return { inFlightRequest, refused };
    } finally {
      await Promise.all([a.disconnect(), b.disconnect()]);
    }
  }

  // kafkajs waits for a send's per-broker requests with Promise.all: a refusal answered while
  // another request of the send is in flight fails the send, and its retry waits for that request's
  // broker lock and sends its partitions again with the next sequence numbers, which the broker
  // takes as new records (three records of one transaction twice on the target in a CI run of the
  // first test). The rest of a send can also come just after the refused request (kafkajs adds each
  // broker's partitions to a transaction before it produces there): two records of one transaction
  // twice on the target in CI runs of the first test, after a Produce of that producer was refused
  // on a connection accepted before the brokers were known. The request in flight is kept there:
  // its broker is stopped
  it.each([
    ['its request in flight was answered', false],
    ['the rest of its send, come 10 ms after it, was answered', true],
  ] as const)("answers a refusal of a kafkajs idempotent producer's request only once %s", async (_when, refusalFirst) => {
    const { inFlightRequest, refused } = await refusalBesideRequestInFlight(refusalFirst);
    expect(inFlightRequest.state).toBe('written');
    expect(refused.state).toBe('NOT_LEADER_FOR_PARTITION');
    expect(refused.at!).toBeGreaterThanOrEqual(inFlightRequest.at!);
  }, 120_000);
});

/** Settles to 'written' or the error's type, or stays 'pending'. */
function track(p: Promise<unknown>): { state: string; at?: number } {
  const t: { state: string; at?: number } = { state: 'pending' };
  p.then(
    () => Object.assign(t, { state: 'written', at: Date.now() }),
    (e: { type?: string; message: string }) => Object.assign(t, { state: e.type ?? e.message, at: Date.now() }),
  );
  return t;
}

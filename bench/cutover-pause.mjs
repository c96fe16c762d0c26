#!/usr/bin/env node
/**
 * Benchmark: the pause clients see during `zdp cutover`, and the totals, under load.
 *
 *   npm run build && node bench/cutover-pause.mjs [--rate 2000] [--topics 3] [--partitions 12] [--groups 5] [--clients default|tuned] [--filter on|off]
 *       [--source-brokers 1] [--target-brokers 1] [--replicas 1] [--java-spread] [--keep-logs] [--client-log]
 *
 * Starts its own local clusters (Kafka 3.9 source, Kafka 4.x target) with `zdp dev up` in a temp
 * directory, creates the topics, starts MirrorMaker 2 (`zdp migrate start`) and the Kroxylicious
 * gateway (`zdp gateway up`), runs producers and consumer groups through the gateway at the given
 * rate, measures parity (including what MirrorMaker 2's checkpoints alone would make consumers
 * re-read), runs `zdp cutover`, keeps the load going on the target, and then checks every
 * acknowledged record. Prints one JSON object; stops everything it started.
 *
 * --clients default (the default): kafkajs consumers with kafkajs's defaults (eachMessage, auto-commit,
 * no isStale() check), kafkajs producers with kafkajs's defaults (the idempotent and the transactional
 * one with only what idempotence and transactions require: one request in flight, a transactional
 * id; kafkajs's own retries and timeouts), and beside them a Java kafka-clients producer and two Java consumer groups at
 * Kafka's defaults (acks=all, idempotence, 5 s auto-commit); every figure is reported per client kind.
 * --clients tuned: the kafkajs consumers commit after each batch and drop stale batches, and the
 * idempotent and transactional producers retry every 100-500 ms for about 15 s.
 * --filter off runs the gateway without zdp's quiesce filter (the cutover then restarts the proxy).
 * --source-brokers/--target-brokers start multi-broker clusters; --replicas runs a gateway fleet
 * (the kafkajs applications on instance 0, the Java ones on the last instance; with --java-spread the
 * Java consumer groups each on their own instance, round robin, so that the drain's end is chosen
 * over timer clients of several instances).
 * --keep-logs leaves the clusters' logs in the bench directory (printed first) instead of deleting them.
 * --client-log writes the kafkajs clients' own debug log to kafkajs-clients.log there (it costs them CPU: for looking at a pause, not for figures).
 *
 * A producer's pause (pauseMs) is its longest time without progress (a send acknowledged, a
 * transaction committed or aborted) that overlaps the hold or the 2 s after the release; its longest
 * anywhere in the cutover command is longestGapDuringCutoverMs. A consumer group's is its longest
 * time without a record while records waited, from the cutover command's start.
 * clientsEventLoop: the kafkajs clients all run in this process; how late its timers ran from 2 s
 * before the fence to the end of the pause window (ticks 20 ms late or more), and its CPU share each
 * second. Late timers with a low share mean the host, not this process, kept the clients waiting:
 * their backoffs, rejoins and records then count late in every kafkajs figure.
 */
import { createWriteStream, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { arg, log, machine, mustZdp, repo, zdp as zdpIn } from './lib.mjs';

const { Workload, check, longestGapAcross, readAllSeqs } = await import(join(repo, 'dist/demo/workload.js'));
const { freePorts } = await import(join(repo, 'dist/processes/ports.js'));
const { createTopicsAndWait } = await import(join(repo, 'dist/kafka/topics.js'));
const { Kafka, logLevel } = await import('kafkajs');
const { JavaClients } = await import(join(repo, 'test/clients/java-clients.mjs'));
const { findJava } = await import(join(repo, 'dist/processes/java.js'));
const { resolveKafkaDist } = await import(join(repo, 'dist/processes/kafka-dist.js'));
const { gatewayDir, instanceStateDirs, readControlToken, readGateway } = await import(join(repo, 'dist/processes/kroxylicious.js'));
const { QuiesceEndpoint } = await import(join(repo, 'dist/gateway/quiesce.js'));

const RATE = Number(arg('rate', '2000'));
const TOPICS = Number(arg('topics', '3'));
const PARTITIONS = Number(arg('partitions', '12'));
const GROUPS = Number(arg('groups', '5'));
const CLIENTS = arg('clients', 'default');
const SOURCE_BROKERS = arg('source-brokers', '1');
const TARGET_BROKERS = arg('target-brokers', '1');
const REPLICAS = arg('replicas', '1');
const KEEP_LOGS = process.argv.includes('--keep-logs');
const JAVA_SPREAD = process.argv.includes('--java-spread');
// the kafkajs clients' own debug log, written to kafkajs-clients.log in the bench directory (kept)
const CLIENT_LOG = process.argv.includes('--client-log');
const FILTER = arg('filter', 'on');
const LAG_TICK_MS = 10;
if (!['default', 'tuned'].includes(CLIENTS) || !['on', 'off'].includes(FILTER)) {
  process.stderr.write('--clients is default or tuned; --filter is on or off\n');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'zdp-bench-cutover-'));
console.error(`[bench] in ${dir}`);
const clientLog = CLIENT_LOG ? createWriteStream(join(dir, 'kafkajs-clients.log')) : undefined;
const zdp = (args, timeoutMs) => zdpIn(dir, args, timeoutMs);
const must = (args, timeoutMs, options) => mustZdp(dir, args, timeoutMs, options);

const topics = Array.from({ length: TOPICS }, (_, i) => `bench.stream-${i}`);
const groups = Array.from({ length: GROUPS }, (_, i) => ({ group: `bench-app-${i}`, topics: [topics[i % TOPICS]] }));
const javaTopic = 'bench.java';
const javaGroups = CLIENTS === 'default' ? [{ group: 'java-app-0', topics: [topics[0]] }, { group: 'java-app-1', topics: [javaTopic] }] : [];
let workload;
let java;
try {
  log('starting clusters');
  await must(['dev', 'up', 'source', '--brokers', SOURCE_BROKERS]);
  await must(['dev', 'up', 'target', '--brokers', TARGET_BROKERS]);
  const profiles = parse(readFileSync(join(dir, '.zdp/dev/profiles.yaml'), 'utf8')).clusters;
  const kafka = new Kafka({ brokers: profiles.source.bootstrapServers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const allTopics = CLIENTS === 'default' ? [...topics, javaTopic] : topics;
  await createTopicsAndWait(admin, allTopics.map((topic) => ({ topic, numPartitions: PARTITIONS })));
  await admin.disconnect();
  const topicFlags = allTopics.flatMap((t) => ['--topic', t]);
  await must(['migrate', '--from', 'source', '--to', 'target', ...topicFlags, '--yes']);
  // blocks of 9: a fleet's instances listen node-ids + 1 ports apart after the first
  const [rest, listen, management] = await freePorts(3, new Set(), 9);
  await must(['migrate', 'start', '--from', 'source', '--to', 'target', ...topicFlags, '--rest-port', String(rest)]);
  await must(['gateway', 'up', '--cluster', 'source', '--cover', 'target', '--listen', `127.0.0.1:${listen}`, '--management-port', String(management), '--replicas', REPLICAS, ...(FILTER === 'off' ? ['--no-filter'] : [])]);
  const instances = JSON.parse((await must(['gateway', 'status', '--json'])).stdout).instances.map((i) => i.bootstrap);
  workload = new Workload({
    bootstrap: instances[0],
    clientId: 'bench-app',
    topics: topics.map((topic, i) => ({ topic, partitions: PARTITIONS, rate: Math.round(RATE / TOPICS), ...(i === 1 ? { transactional: true } : i === 0 && CLIENTS === 'default' ? { plain: true } : {}) })),
    groups,
    defaultConsumers: CLIENTS === 'default',
    defaultProducers: CLIENTS === 'default',
    ...(CLIENT_LOG ? { clientLog: (line) => clientLog.write(`${line}\n`) } : {}),
  });
  log(`load: ${RATE} records/s on ${TOPICS} topics x ${PARTITIONS} partitions, ${GROUPS} groups, ${CLIENTS} clients${CLIENTS === 'default' ? ` (and a Java producer at ${Math.round(RATE / TOPICS)}/s, ${javaGroups.length} Java consumer groups)` : ''}`);
  await workload.start();
  if (CLIENTS === 'default') {
    const dist = await resolveKafkaDist('4', { env: process.env });
    java = new JavaClients({ java: (await findJava(process.env)).bin, libDir: dist.libDir, bootstrap: instances[instances.length - 1] });
    for (const [i, g] of javaGroups.entries()) java.consumer(g.group, g.topics, JAVA_SPREAD ? instances[i % instances.length] : undefined);
    java.producer(javaTopic, PARTITIONS, Math.round(RATE / TOPICS));
  }
  await new Promise((r) => setTimeout(r, 20_000));
  await must(['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--max-lag', String(RATE * 2), '--timeout', '300']);
  const parity = JSON.parse((await zdp(['parity', '--from', 'source', '--to', 'target', ...topicFlags, '--allow-lag', '--json'])).stdout);
  const warm = { producerMaxAckGapMs: workload.maxAckGapMs, consumerMaxGapMs: workload.maxConsumeGapMs };
  const warmByTopic = new Map(workload.maxAckGapMsByTopic);
  workload.maxAckGapMs = 0;
  workload.maxAckGapMsByTopic.clear();
  workload.maxConsumeGapMs = 0;
  const javaWarm = java ? { producerMaxAckGapMs: java.maxAckGapMs, consumerMaxGapMs: java.maxConsumeGapMs } : undefined;
  if (java) {
    java.maxAckGapMs = 0;
    java.maxConsumeGapMs = 0;
  }
  log('cutover');
  const cutoverStartedAt = Date.now();
  // the kafkajs clients share this process's event loop: how late its timers ran through the
  // cutover (a client's backoff or rejoin that runs late is on its pause, and no gateway's doing)
  const lateTimers = [];
  // this process's CPU time each second: a late timer with it near a whole core is this process's own work, well under it the host's
  const cpuEachSecond = [];
  let tickAt = performance.now();
  let cpuAt = { at: Date.now(), usage: process.cpuUsage() };
  const ticker = setInterval(() => {
    const now = performance.now();
    const late = now - tickAt - LAG_TICK_MS;
    if (late >= 20) lateTimers.push({ at: Date.now(), lateMs: Math.round(late) });
    tickAt = now;
    if (Date.now() - cpuAt.at >= 1_000) {
      const usage = process.cpuUsage();
      cpuEachSecond.push({ at: cpuAt.at, share: (usage.user + usage.system - cpuAt.usage.user - cpuAt.usage.system) / 1_000 / (Date.now() - cpuAt.at) });
      cpuAt = { at: Date.now(), usage };
    }
  }, LAG_TICK_MS);
  // in a session of its own, as an operator's terminal or a CI job runs it, not in the clients' (see run)
  const c = await must(['cutover', '--from', 'source', '--to', 'target', '--yes', '--json', ...(KEEP_LOGS ? ['--verbose'] : [])], undefined, { session: true });
  const cutover = JSON.parse(c.stdout);
  // the cutover's own log (what each step waited for), beside the clusters' logs
  if (KEEP_LOGS) writeFileSync(join(dir, 'cutover.log'), c.stderr ?? '');
  const journal = readFileSync(join(dir, '.zdp/migrations/source-to-target/cutover.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const stepData = (step) => journal.find((e) => e.type === 'step' && e.step === step && e.state === 'done')?.data ?? {};
  const fencedAt = Number(stepData('fence').fencedAt);
  const releasedAt = Number(stepData('switch').releasedAt);
  await new Promise((r) => setTimeout(r, 15_000));
  clearInterval(ticker);
  // what each instance's filter did after the switch (nothing when the cutover restarted the proxy)
  const filterStates = await Promise.all(
    instanceStateDirs(join(dir, '.zdp')).map(async (stateDir) => {
      const record = readGateway(stateDir);
      if (record?.controlPort === undefined) return null;
      const s = await new QuiesceEndpoint(`http://127.0.0.1:${record.controlPort}`, readControlToken(stateDir)).state().catch(() => null);
      return s && { bootstrap: record.bootstrapAddress, misdirectedProduces: s.misdirectedProduces, producesOutOfTurn: s.producesOutOfTurn, producesRefusedWithTheirSend: s.producesRefusedWithTheirSend, producesRefusedOnRestrictedConnections: s.producesRefusedOnRestrictedConnections, restrictedAnswered: s.restrictedAnswered, siblingsForwarded: s.siblingsForwarded, stillGated: s.gated, rejoinNudges: s.rejoinNudges, memberResets: s.memberResets, leavesAnswered: s.leavesAnswered, transactionsCarriedOver: s.transactionsCarriedOver };
    }),
  );
  // transactions open when the hold began: how long after it each ended (the hold waited for it), and how many the hold cut (their producers start again after the switch)
  const holdTransactions = instanceStateDirs(join(dir, '.zdp')).reduce((acc, stateDir) => {
    const file = join(gatewayDir(stateDir), 'logs', 'gateway.log');
    if (!existsSync(file)) return acc;
    const text = readFileSync(file, 'utf8');
    acc.endedAfterMs.push(...[...text.matchAll(/open when producers were held ended (\d+) ms after the hold began/g)].map((m) => Number(m[1])));
    acc.cut += [...text.matchAll(/; (\d+) transaction\(s\) still open, refused after a switch/g)].reduce((n, m) => n + Number(m[1]), 0);
    return acc;
  }, { endedAfterMs: [], cut: 0 });
  // the rest of a send begun before the hold, forwarded in it (every proxy process's log: a standby replaces the first)
  const holdSiblingLagsMs = instanceStateDirs(join(dir, '.zdp')).flatMap((stateDir) => {
    const file = join(gatewayDir(stateDir), 'logs', 'gateway.log');
    if (!existsSync(file)) return [];
    return [...readFileSync(file, 'utf8').matchAll(/forwarded a Produce of a send begun before the hold, (\d+) ms/g)].map((m) => Number(m[1]));
  });
  await workload.stopProducers();
  await java?.stop('producer');
  const drained = await workload.drain(300_000);
  // the Java consumers: until they processed every acknowledged record of their topics, or a minute
  for (let i = 0; java && i < 240; i++) {
    const acked = new Set([...workload.acked, ...java.acked].map((a) => `${a.topic}\u0000${a.seq}`));
    const pending = javaGroups.some((g) => {
      const seen = new Set(java.processed.filter((p) => p.group === g.group).map((p) => `${p.topic}\u0000${p.seq}`));
      return [...acked].some((k) => g.topics.includes(k.split('\u0000')[0]) && !seen.has(k));
    });
    if (!pending) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const everyone = { acked: [...workload.acked, ...(java?.acked ?? [])], aborted: workload.aborted, uncertain: workload.uncertain, processed: [...workload.processed, ...(java?.processed ?? [])] };
  const finalLog = await readAllSeqs(profiles.target.bootstrapServers[0], allTopics, everyone.acked.length, 180_000);
  const result = check(everyone, finalLog, [...groups, ...javaGroups]);
  // a record twice in the target's log is the cutover's only if the source does not hold it twice
  // too: kafkajs producers write some records twice on their own (a send retried across brokers),
  // and MirrorMaker 2 copies them faithfully
  const countSeqs = (log) => log.reduce((m, r) => m.set(`${r.topic}\u0000${r.seq}`, (m.get(`${r.topic}\u0000${r.seq}`) ?? 0) + 1), new Map());
  const onSource = countSeqs(await readAllSeqs(profiles.source.bootstrapServers[0], allTopics, 0, 180_000));
  const onTarget = countSeqs(finalLog);
  const twiceOnTarget = [...onTarget].filter(([, n]) => n > 1);
  // a record sent before the cutover began and held twice by the target only was copied twice by
  // MirrorMaker 2 (at least once: a task that restarts copies again from its last committed offset)
  const sentAt = new Map(everyone.acked.map((a) => [`${a.topic}\u0000${a.seq}`, a.sentAt]));
  const notFromSource = twiceOnTarget.filter(([k, n]) => (onSource.get(k) ?? 0) < n);
  const copiedBefore = notFromSource.filter(([k]) => (sentAt.get(k) ?? Infinity) < cutoverStartedAt);
  // MirrorMaker 2's copy ends, per partition, where replication stopped (the journal's
  // stop-replication step): a record the target holds twice, both copies above that end, was
  // written twice by its client on the target after the switch, as kafkajs's transactional
  // producer also does on the source (one producer id, one transaction, the batch sent again with
  // the next sequences). The cutover's own duplicates have one copy below: a record the source had,
  // copied, and sent again by its client
  const targetEnds = stepData('stop-replication').targetEnds ?? {};
  const copies = new Map();
  for (const r of finalLog) {
    if (r.seq < 0) continue;
    const k = `${r.topic}\u0000${r.seq}`;
    const list = copies.get(k);
    if (list) list.push(r);
    else copies.set(k, [r]);
  }
  const aboveCopy = (r) => {
    const end = targetEnds[`${r.topic}\u0000${r.partition}`];
    return end !== undefined && r.offset >= BigInt(end);
  };
  const writtenAfterSwitch = (k) => (copies.get(k) ?? []).every(aboveCopy);
  const byClientOnTarget = notFromSource.filter((x) => !copiedBefore.includes(x) && writtenAfterSwitch(x[0]));
  // acknowledged records the target does not hold: where they were, and when sent and acknowledged (ms from the fence)
  const lostRecords = everyone.acked
    .filter((a) => !onTarget.has(`${a.topic}\u0000${a.seq}`))
    .slice(0, 20)
    .map((a) => ({ topic: a.topic, partition: a.partition, seq: a.seq, onSource: onSource.get(`${a.topic}\u0000${a.seq}`) ?? 0, sentMs: a.sentAt - fencedAt, ackedMs: a.ackedAt - fencedAt }));
  const writtenTwice = {
    onTarget: twiceOnTarget.length,
    alsoTwiceOnSource: twiceOnTarget.length - notFromSource.length,
    copiedTwiceBeforeCutover: copiedBefore.length,
    writtenTwiceByClientAfterSwitch: byClientOnTarget.length,
    byCutover: notFromSource.filter((x) => !copiedBefore.includes(x) && !byClientOnTarget.includes(x)).map(([k]) => k.replace('\u0000', '#')).slice(0, 20),
  };
  // records a client wrote twice on the source (the cutover is not involved there): how many per
  // topic, and when the first of them were sent (ms from the fence; null: never acknowledged)
  const twiceOnSourceList = [...onSource].filter(([, n]) => n > 1);
  const twiceOnSource = {
    byTopic: twiceOnSourceList.reduce((m, [k]) => ({ ...m, [k.split('\u0000')[0]]: (m[k.split('\u0000')[0]] ?? 0) + 1 }), {}),
    sentMsFromFence: twiceOnSourceList.slice(0, 20).map(([k]) => (sentAt.has(k) ? sentAt.get(k) - fencedAt : null)),
  };
  const javaResult = java ? check({ acked: java.acked, aborted: [], processed: [] }, finalLog, []) : undefined;
  const kind = (g) => (g.startsWith('java-') ? 'java' : 'kafkajs');
  // a record read twice is the cutover's only if it was read again after the cutover began; before
  // it, a group that rebalanced (a session that expired on a loaded machine) re-reads what it had
  // not auto-committed, as it would anywhere
  const readAgain = (k) => {
    const firstSeen = new Map();
    let before = 0;
    let during = 0;
    for (const p of [...workload.processed, ...(java?.processed ?? [])].filter((p) => kind(p.group) === k && p.seq >= 0).sort((a, b) => a.at - b.at)) {
      const key = `${p.group}\u0000${p.topic}\u0000${p.seq}`;
      if (!firstSeen.has(key)) firstSeen.set(key, p.at);
      else if (p.at < cutoverStartedAt) before++;
      else during++;
    }
    return { beforeCutover: before, sinceCutoverBegan: during };
  };
  const perKind = (k) => result.groups.filter((g) => kind(g.group) === k);
  // each group's processed records in order, and its longest gap since the cutover began (the records either side)
  const processedBy = new Map();
  for (const p of [...workload.processed, ...(java?.processed ?? [])]) (processedBy.get(p.group) ?? processedBy.set(p.group, []).get(p.group)).push(p);
  for (const list of processedBy.values()) list.sort((a, b) => a.at - b.at);
  const longestGap = (group) => {
    const since = (processedBy.get(group) ?? []).filter((p) => p.at >= cutoverStartedAt);
    let gap;
    for (let i = 1; i < since.length; i++) if (gap === undefined || since[i].at - since[i - 1].at > gap.to.at - gap.from.at) gap = { from: since[i - 1], to: since[i] };
    return gap;
  };
  // a producer's pause is its longest time without progress that overlaps the hold or the
  // PAUSE_SETTLE_MS after the release (a send refused or retried after it counts); its longest in
  // the whole cutover command (a minute: preflight, the consumers' drain while producers flow) is
  // reported beside it: the transactional producer's own commits took over a second now and then,
  // far from the hold (bench/RESULTS.md, nineteenth session)
  const PAUSE_SETTLE_MS = 2_000;
  const pauseFrom = fencedAt;
  const pauseTo = releasedAt + PAUSE_SETTLE_MS;
  const kafkajsPauses = topics.map((topic) => workload.longestAckGapAcross(topic, pauseFrom, pauseTo) ?? null);
  const javaAckTimes = java ? [...new Set(java.acked.map((a) => a.ackedAt))].sort((a, b) => a - b) : [];
  const javaProducerPause = java ? longestGapAcross(javaAckTimes, pauseFrom, pauseTo) ?? null : undefined;
  const out = {
    benchmark: 'cutover-pause',
    machine: machine(),
    load: { ratePerSecond: RATE, topics: TOPICS, partitions: PARTITIONS, groups: GROUPS, clients: CLIENTS, javaGroups: javaGroups.length, javaSpread: JAVA_SPREAD, sourceBrokers: Number(SOURCE_BROKERS), targetBrokers: Number(TARGET_BROKERS), gatewayInstances: instances.length },
    quiesce: cutover.quiesce,
    gatewayFencedMs: cutover.pause.producersMs,
    gatewayConsumersPausedMs: cutover.pause.consumersMs,
    pauseWindow: { fromFenceMs: 0, toFenceMs: pauseTo - fencedAt },
    // this process's timers (every kafkajs client's) late by 20 ms or more, from 2 s before the fence to the pause window's end
    clientsEventLoop: (() => {
      const inWindow = lateTimers.filter((l) => l.at >= fencedAt - 2_000 && l.at <= pauseTo);
      const cpu = cpuEachSecond.filter((c) => c.at >= fencedAt - 3_000 && c.at <= pauseTo);
      return { lateTicks: inWindow.length, latestMs: Math.max(0, ...inWindow.map((l) => l.lateMs)), totalLateMs: inWindow.reduce((n, l) => n + l.lateMs, 0), late: inWindow.slice(0, 30).map((l) => `${l.at - fencedAt}:${l.lateMs}`), cpuShareEachSecond: cpu.map((c) => `${c.at - fencedAt}:${c.share.toFixed(2)}`) };
    })(),
    producerPauseMs: Math.max(0, ...kafkajsPauses.filter((p) => p !== null), javaProducerPause ?? 0),
    consumerPauseMs: workload.maxConsumeGapMs,
    perClientKind: {
      kafkajs: {
        producerPauseMs: Math.max(0, ...kafkajsPauses.filter((p) => p !== null)),
        // each kafkajs producer's longest gap across the hold, its longest in the whole cutover command, and its own longest in the minute of load before it
        perProducer: Object.fromEntries(
          topics.map((topic, i) => [
            i === 1 ? 'transactional' : i === 0 && CLIENTS === 'default' ? 'plain' : `idempotent ${topic}`,
            { pauseMs: kafkajsPauses[i], longestGapDuringCutoverMs: workload.maxAckGapMsByTopic.get(topic) ?? null, beforeCutoverMaxGapMs: warmByTopic.get(topic) ?? null },
          ]),
        ),
        consumerPauseMs: workload.maxConsumeGapMs,
        consumersReadTwice: perKind('kafkajs').reduce((n, g) => n + g.duplicates, 0),
        readTwiceWhen: readAgain('kafkajs'),
        perGroup: Object.fromEntries(perKind('kafkajs').map((g) => [g.group, g.duplicates])),
        // group joins and consumer crashes before the cutover began: rebalances under load
        eventsBeforeCutover: workload.events.filter((e) => e.at < cutoverStartedAt).map((e) => `${e.group} ${e.event}`).reduce((m, e) => ({ ...m, [e]: (m[e] ?? 0) + 1 }), {}),
        consumersMissing: perKind('kafkajs').reduce((n, g) => n + g.missing, 0),
      },
      ...(java
        ? {
            java: {
              producerPauseMs: javaProducerPause,
              producerLongestGapDuringCutoverMs: java.maxAckGapMs,
              consumerPauseMs: java.maxConsumeGapMs,
              acknowledged: javaResult.acked,
              lost: javaResult.lost,
              producerErrors: java.errors.length,
              // the first in full, then by class
              ...(java.errors.length ? { producerFirstErrors: java.errors.slice(0, 3) } : {}),
              ...(java.firstErrorAt ? { firstProducerErrorAfterFenceMs: java.firstErrorAt - fencedAt } : {}),
              consumersReadTwice: perKind('java').reduce((n, g) => n + g.duplicates, 0),
              readTwiceWhen: readAgain('java'),
              consumersMissing: perKind('java').reduce((n, g) => n + g.missing, 0),
              beforeCutover: javaWarm,
            },
          }
        : {}),
    },
    consumerRestarts: workload.restarts,
    beforeCutover: warm,
    steps: Object.fromEntries(cutover.steps.map((s) => [s.step, s.durationMs])),
    acknowledged: result.acked,
    lost: result.lost,
    duplicatedInLog: result.duplicatedInLog,
    writtenTwice,
    twiceOnSource,
    // what the kafkajs clients were told when a send or a consumer restart failed (numbers masked), for looking at where a pause or a duplicate came from
    kafkajsClientErrors: [...new Set(workload.errors.map((e) => e.replace(/\d+/g, 'N')))].slice(0, 10),
    consumerDuplicates: result.groups.reduce((n, g) => n + g.duplicates, 0),
    consumerMissing: result.groups.reduce((n, g) => n + g.missing, 0),
    drained,
    // per group, ms from the first cut-off to the check that found it drained; and the checks
    drainCompleteAfterMs: Object.fromEntries((stepData('drain-consumers').groups ?? []).map((g) => [g.group, g.completeAfterMs ?? null])),
    drainChecks: stepData('drain-consumers').checks ?? null,
    // ms from the first cut-off to when the consumers that commit after each batch (kafkajs) were cut off, once every Java consumer had committed
    drainOthersToldAfterMs: stepData('drain-consumers').othersToldAfterMs ?? null,
    mm2CheckpointsWouldReRead: cutover.records.mm2CheckpointsWouldReRead,
    mm2CheckpointsWouldSkip: cutover.records.mm2CheckpointsWouldSkip,
    mm2CheckpointsWouldReReadDuringLoad: parity.summary.mm2ReRead,
    groupPartitionsTranslated: cutover.groups.length,
    // each consumer group's longest gap since the cutover began, relative to the moment the gateway
    // was fenced (the last record before it, the first after), and the group's events (joins, crashes, with what crashed it) then
    consumerGaps: [...groups, ...javaGroups].map(({ group }) => {
      const longest = longestGap(group);
      const gap = longest ? { fromMs: longest.from.at - fencedAt, toMs: longest.to.at - fencedAt } : { fromMs: null, toMs: null };
      const events = workload.events.filter((e) => e.group === group && e.at >= cutoverStartedAt).map((e) => `${e.event} ${e.at - fencedAt}${e.event === 'crash' ? `: ${e.detail.replace(/\d+/g, 'N')}` : ''}`);
      return { group, ...gap, ...(events.length ? { events } : {}) };
    }),
    // how far behind its producers each group ran (processed minus acknowledged, per record): in the
    // 10 s before the cutover began, and for the last record it processed before its longest gap. A
    // group that runs behind is still processing when it is cut off, and the drain waits for its commit
    consumerLagMs: (() => {
      const ackedAt = new Map([...workload.acked, ...(java?.acked ?? [])].map((a) => [`${a.topic}\u0000${a.seq}`, a.ackedAt]));
      const q = (xs, f) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(f * xs.length))] : null);
      return Object.fromEntries([...groups, ...javaGroups].map(({ group }) => {
        const lag = (p) => p.at - (ackedAt.get(`${p.topic}\u0000${p.seq}`) ?? p.at);
        const before = (processedBy.get(group) ?? []).filter((p) => p.at >= cutoverStartedAt - 10_000 && p.at < cutoverStartedAt).map(lag).sort((a, b) => a - b);
        const longest = longestGap(group);
        return [group, { beforeCutover: { p50: q(before, 0.5), p99: q(before, 0.99), max: q(before, 1) }, lastBeforeLongestGap: longest ? lag(longest.from) : null }];
      }));
    })(),
    // where the producers' longest gaps lay, relative to the moment the gateway was fenced
    producerGapsOverOneSecond: workload.longAckGaps.map((g) => ({ topic: g.topic, fromMs: g.from - fencedAt, toMs: g.to - fencedAt })),
    releasedAfterMs: releasedAt - fencedAt,
    // Produce requests the filter refused whole after the switch (a client with the old cluster's leaders), per instance
    filterAfterSwitch: filterStates,
    holdTransactions,
    holdSiblingLagsMs,
    lostRecords,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  await workload?.stop().catch(() => {});
  await java?.stop().catch(() => {});
  await zdp(['gateway', 'down']);
  await zdp(['migrate', 'stop', '--from', 'source', '--to', 'target']);
  await zdp(['dev', 'down', ...(KEEP_LOGS ? [] : ['--purge', '--yes'])]);
}
process.exit(0);

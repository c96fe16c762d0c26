#!/usr/bin/env node
/**
 * Benchmark: the pause clients see during `zdp cutover`, and the totals, under load.
 *
 *   npm run build && node bench/cutover-pause.mjs [--rate 2000] [--topics 3] [--partitions 12] [--groups 5]
 *
 * Starts its own local clusters (Kafka 3.9 source, Kafka 4.x target) with `zdp dev up` in a temp
 * directory, creates the topics, starts MirrorMaker 2 (`zdp migrate start`) and the Kroxylicious
 * gateway (`zdp gateway up`), runs producers and consumer groups through the gateway at the given
 * rate, measures parity (including what MirrorMaker 2's checkpoints alone would make consumers
 * re-read), runs `zdp cutover`, keeps the load going on the target, and then checks every
 * acknowledged record. Prints one JSON object; stops everything it started.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { arg, log, machine, mustZdp, repo, zdp as zdpIn } from './lib.mjs';

const { Workload, check, readAllSeqs } = await import(join(repo, 'dist/demo/workload.js'));
const { freePorts } = await import(join(repo, 'dist/processes/ports.js'));
const { createTopicsAndWait } = await import(join(repo, 'dist/kafka/topics.js'));
const { Kafka, logLevel } = await import('kafkajs');

const RATE = Number(arg('rate', '2000'));
const TOPICS = Number(arg('topics', '3'));
const PARTITIONS = Number(arg('partitions', '12'));
const GROUPS = Number(arg('groups', '5'));
const dir = mkdtempSync(join(tmpdir(), 'zdp-bench-cutover-'));
const zdp = (args, timeoutMs) => zdpIn(dir, args, timeoutMs);
const must = (args, timeoutMs) => mustZdp(dir, args, timeoutMs);

const topics = Array.from({ length: TOPICS }, (_, i) => `bench.stream-${i}`);
const groups = Array.from({ length: GROUPS }, (_, i) => ({ group: `bench-app-${i}`, topics: [topics[i % TOPICS]] }));
let workload;
try {
  log('starting clusters');
  await must(['dev', 'up']);
  const profiles = parse(readFileSync(join(dir, '.zdp/dev/profiles.yaml'), 'utf8')).clusters;
  const kafka = new Kafka({ brokers: profiles.source.bootstrapServers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsAndWait(admin, topics.map((topic) => ({ topic, numPartitions: PARTITIONS })));
  await admin.disconnect();
  const topicFlags = topics.flatMap((t) => ['--topic', t]);
  await must(['migrate', '--from', 'source', '--to', 'target', ...topicFlags, '--yes']);
  const [rest, listen, management] = await freePorts(3);
  await must(['migrate', 'start', '--from', 'source', '--to', 'target', ...topicFlags, '--rest-port', String(rest)]);
  await must(['gateway', 'up', '--cluster', 'source', '--cover', 'target', '--listen', `127.0.0.1:${listen}`, '--management-port', String(management)]);
  workload = new Workload({
    bootstrap: `127.0.0.1:${listen}`,
    clientId: 'bench-app',
    topics: topics.map((topic, i) => ({ topic, partitions: PARTITIONS, rate: Math.round(RATE / TOPICS), ...(i === 1 ? { transactional: true } : {}) })),
    groups,
  });
  log(`load: ${RATE} records/s on ${TOPICS} topics x ${PARTITIONS} partitions, ${GROUPS} groups`);
  await workload.start();
  await new Promise((r) => setTimeout(r, 20_000));
  await must(['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--max-lag', String(RATE * 2), '--timeout', '300']);
  const parity = JSON.parse((await zdp(['parity', '--from', 'source', '--to', 'target', ...topicFlags, '--allow-lag', '--json'])).stdout);
  const warm = { producerMaxAckGapMs: workload.maxAckGapMs, consumerMaxGapMs: workload.maxConsumeGapMs };
  workload.maxAckGapMs = 0;
  workload.maxConsumeGapMs = 0;
  log('cutover');
  const c = await must(['cutover', '--from', 'source', '--to', 'target', '--yes', '--json']);
  const cutover = JSON.parse(c.stdout);
  const journal = readFileSync(join(dir, '.zdp/migrations/source-to-target/cutover.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const stepData = (step) => journal.find((e) => e.type === 'step' && e.step === step && e.state === 'done')?.data ?? {};
  const fencedAt = Number(stepData('fence').fencedAt);
  const releasedAt = Number(stepData('switch').releasedAt);
  await new Promise((r) => setTimeout(r, 15_000));
  await workload.stopProducers();
  const drained = await workload.drain(300_000);
  const finalLog = await readAllSeqs(profiles.target.bootstrapServers[0], topics, workload.acked.length, 180_000);
  const result = check(workload, finalLog, groups);
  const out = {
    benchmark: 'cutover-pause',
    machine: machine(),
    load: { ratePerSecond: RATE, topics: TOPICS, partitions: PARTITIONS, groups: GROUPS },
    gatewayFencedMs: cutover.pause.producersMs,
    producerPauseMs: workload.maxAckGapMs,
    consumerPauseMs: workload.maxConsumeGapMs,
    consumerRestarts: workload.restarts,
    beforeCutover: warm,
    steps: Object.fromEntries(cutover.steps.map((s) => [s.step, s.durationMs])),
    acknowledged: result.acked,
    lost: result.lost,
    duplicatedInLog: result.duplicatedInLog,
    consumerDuplicates: result.groups.reduce((n, g) => n + g.duplicates, 0),
    consumerMissing: result.groups.reduce((n, g) => n + g.missing, 0),
    drained,
    mm2CheckpointsWouldReRead: cutover.records.mm2CheckpointsWouldReRead,
    mm2CheckpointsWouldSkip: cutover.records.mm2CheckpointsWouldSkip,
    mm2CheckpointsWouldReReadDuringLoad: parity.summary.mm2ReRead,
    groupPartitionsTranslated: cutover.groups.length,
    // where the producers' longest gaps lay, relative to the moment the gateway was fenced
    producerGapsOverOneSecond: workload.longAckGaps.map((g) => ({ topic: g.topic, fromMs: g.from - fencedAt, toMs: g.to - fencedAt })),
    releasedAfterMs: releasedAt - fencedAt,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  await workload?.stop().catch(() => {});
  await zdp(['gateway', 'down']);
  await zdp(['migrate', 'stop', '--from', 'source', '--to', 'target']);
  await zdp(['dev', 'down', '--purge', '--yes']);
}
process.exit(0);

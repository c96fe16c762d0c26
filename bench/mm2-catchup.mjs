#!/usr/bin/env node
/**
 * Benchmark: MirrorMaker 2 catch-up time for a backlog, as driven by `zdp migrate`.
 *
 *   npm run build && node bench/mm2-catchup.mjs [--records 1000000] [--partitions 12] [--engine dedicated|connect]
 *
 * Starts its own local clusters (Kafka 3.9 source, Kafka 4.x target) with `zdp dev up`, writes the
 * backlog to one topic on the source, creates the target topic with `zdp migrate`, starts
 * MirrorMaker 2 with `zdp migrate start` and times until `zdp migrate status --wait --max-lag 0`
 * returns. Prints one JSON object; stops everything it started.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { arg, log, machine, mustZdp, repo, zdp as zdpIn } from './lib.mjs';

const { Kafka, logLevel, CompressionTypes } = await import('kafkajs');
const { freePorts } = await import(join(repo, 'dist/processes/ports.js'));
const { createTopicsAndWait } = await import(join(repo, 'dist/kafka/topics.js'));

const RECORDS = Number(arg('records', '1000000'));
const PARTITIONS = Number(arg('partitions', '12'));
const ENGINE = arg('engine', 'dedicated');
const dir = mkdtempSync(join(tmpdir(), 'zdp-bench-mm2-'));
const zdp = (args, timeoutMs) => zdpIn(dir, args, timeoutMs);
const must = (args, timeoutMs) => mustZdp(dir, args, timeoutMs);

const topic = 'bench.backlog';
let worker;
try {
  log('starting clusters');
  await must(['dev', 'up']);
  const profiles = parse(readFileSync(join(dir, '.zdp/dev/profiles.yaml'), 'utf8')).clusters;
  const kafka = new Kafka({ brokers: profiles.source.bootstrapServers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsAndWait(admin, [{ topic, numPartitions: PARTITIONS }]);
  await admin.disconnect();
  log(`writing ${RECORDS} records`);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const BATCH = 5000;
  for (let base = 0; base < RECORDS; base += BATCH) {
    const n = Math.min(BATCH, RECORDS - base);
    await producer.send({ topic, compression: CompressionTypes.None, messages: Array.from({ length: n }, (_, i) => ({ key: `order-${base + i}`, value: JSON.stringify({ orderId: `order-${base + i}`, customerId: `c-${(base + i) % 5000}`, amount: ((base + i) % 10000) / 100, currency: 'EUR', status: 'NEW', createdAt: new Date(1_790_000_000_000 + base + i).toISOString(), lines: [{ sku: 'SKU-1', qty: 1 }, { sku: 'SKU-2', qty: 2 }] }), headers: { source: 'bench' } })) });
  }
  await producer.disconnect();
  await must(['migrate', '--from', 'source', '--to', 'target', '--topic', topic, '--yes']);
  const [rest, connectPort] = await freePorts(2);
  if (ENGINE === 'connect') {
    // a Kafka Connect distributed worker attached to the target, from the same Maven Central jars
    const { resolveMirrorMaker } = await import(join(repo, 'dist/processes/mirror-maker.js'));
    const lib = await resolveMirrorMaker(process.env, () => {});
    writeFileSync(join(dir, 'worker.properties'), [`bootstrap.servers=${profiles.target.bootstrapServers[0]}`, 'group.id=bench-connect', 'config.storage.topic=bench-connect-configs', 'offset.storage.topic=bench-connect-offsets', 'status.storage.topic=bench-connect-status', 'config.storage.replication.factor=1', 'offset.storage.replication.factor=1', 'status.storage.replication.factor=1', 'key.converter=org.apache.kafka.connect.converters.ByteArrayConverter', 'value.converter=org.apache.kafka.connect.converters.ByteArrayConverter', `listeners=http://127.0.0.1:${connectPort}`, 'offset.flush.interval.ms=1000', 'exactly.once.source.support=enabled', ''].join('\n'));
    writeFileSync(join(dir, 'log4j.properties'), 'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n');
    worker = spawn('java', ['-Xmx1g', `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`, '-cp', `${lib}/*`, 'org.apache.kafka.connect.cli.ConnectDistributed', join(dir, 'worker.properties')], { stdio: 'ignore' });
    for (let i = 0; i < 240 && !(await fetch(`http://127.0.0.1:${connectPort}/connectors`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 500));
  }
  log(`MirrorMaker 2 (${ENGINE})`);
  const started = performance.now();
  const start = await must(['migrate', 'start', '--from', 'source', '--to', 'target', '--topic', topic, '--rest-port', String(rest), ...(ENGINE === 'connect' ? ['--engine', 'connect', '--connect-url', `http://127.0.0.1:${connectPort}`] : [])]);
  const status = await must(['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--max-lag', '0', '--timeout', '3000', '--json']);
  const catchUpMs = performance.now() - started;
  const out = {
    benchmark: 'mm2-catchup',
    engine: ENGINE,
    machine: machine(),
    records: RECORDS,
    partitions: PARTITIONS,
    startMs: Math.round(start.ms),
    catchUpMs: Math.round(catchUpMs),
    recordsPerSecond: Math.round(RECORDS / (catchUpMs / 1000)),
    finalLag: JSON.parse(status.stdout).totalLag,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  await zdp(['migrate', 'stop', '--from', 'source', '--to', 'target']);
  worker?.kill('SIGKILL');
  await zdp(['dev', 'down', '--purge', '--yes']);
}
process.exit(0);

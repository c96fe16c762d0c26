#!/usr/bin/env node
/**
 * Benchmark: records inferred per second by `zdp extract` vs a plain kafkajs consumer reading the
 * same records, and the peak RSS of each, in the same run on the same local cluster.
 *
 *   npm run build && node bench/extract-throughput.mjs [--records 1000000] [--partitions 12] [--workers n] [--rounds 3]
 *
 * Starts its own local Kafka 4.x cluster with `zdp dev up` in a temp directory, fills a topic
 * with JSON order records, then runs (1) a plain kafkajs consumer and (2) `zdp extract` with a
 * sample size that covers every record, each in its own process, and prints a JSON result.
 * Each round runs the two one after the other; the result gives every round and the medians (a
 * shared 2-core machine varies by a fifth from one run to the next, for both alike).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const zdp = join(repo, 'bin', 'zdp.js');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RECORDS = Number(arg('records', '1000000'));
const PARTITIONS = Number(arg('partitions', '12'));
// inference worker threads for zdp extract (default: its own choice for the machine)
const WORKERS = arg('workers', undefined);
const ROUNDS = Number(arg('rounds', '3'));
const dir = mkdtempSync(join(tmpdir(), 'zdp-bench-extract-'));

function run(args, extra = {}) {
  const r = spawnSync(process.execPath, [zdp, ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...extra });
  if (r.status !== 0) throw new Error(`zdp ${args.join(' ')} exited ${r.status}`);
  return r.stdout;
}

/** Runs a node script in a child and returns its JSON line plus peak RSS from the child itself. */
function child(script, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`child exited ${code}`))));
  });
}

const common = `
import { loadConfig, getCluster } from ${JSON.stringify(join(repo, 'dist/config/load.js'))};
import { createKafka } from ${JSON.stringify(join(repo, 'dist/kafka/client.js'))};
import { createTopicsAndWait } from ${JSON.stringify(join(repo, 'dist/kafka/topics.js'))};
const profile = getCluster(loadConfig({ cwd: process.cwd(), env: process.env }), 'bench');
const kafka = createKafka(profile, { env: process.env });
`;

const produceScript = `${common}
const admin = kafka.admin(); await admin.connect();
await createTopicsAndWait(admin, [{ topic: 'bench.orders', numPartitions: ${PARTITIONS} }]);
await admin.disconnect();
const producer = kafka.producer({ allowAutoTopicCreation: false });
await producer.connect();
const statuses = ['NEW', 'PAID', 'SHIPPED', 'CANCELLED'];
const BATCH = 5000;
for (let base = 0; base < ${RECORDS}; base += BATCH) {
  const messages = [];
  for (let i = base; i < Math.min(base + BATCH, ${RECORDS}); i++) {
    messages.push({ key: 'order-' + i, partition: i % ${PARTITIONS}, value: JSON.stringify({
      orderId: '00000000-0000-4000-8000-' + String(i).padStart(12, '0'), status: statuses[i % 4],
      createdAt: new Date(1790000000000 + i * 1000).toISOString(), amount: (i % 1000) + 0.99, quantity: i % 17,
      customer: { id: 'c' + (i % 5000), email: 'c' + (i % 5000) + '@example.com', tier: i % 3 ? 'silver' : 'gold' },
      lines: [{ sku: 'SKU-' + (i % 50), qty: 1 + (i % 3) }], note: i % 9 ? null : 'gift' }) });
  }
  await producer.send({ topic: 'bench.orders', messages, acks: 1 });
}
await producer.disconnect();
console.log(JSON.stringify({ produced: ${RECORDS} }));
`;

const plainScript = `${common}
const consumer = kafka.consumer({ groupId: 'bench-plain-' + Date.now(), maxBytesPerPartition: 1048576, maxBytes: 16 * 1048576, maxWaitTimeInMs: 250 });
await consumer.connect();
await consumer.subscribe({ topic: 'bench.orders', fromBeginning: true });
let n = 0; let bytes = 0; let started = 0;
await new Promise((resolve) => consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => {
  if (!started) started = performance.now();
  for (const m of batch.messages) { n++; bytes += m.value.length; }
  if (n >= ${RECORDS}) resolve();
} }));
const ms = performance.now() - started;
await consumer.disconnect();
console.log(JSON.stringify({ records: n, bytes, ms, perSecond: n / (ms / 1000), maxRssMB: process.resourceUsage().maxRSS / 1024 }));
`;

async function main() {
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGB: Math.round(totalmem() / 2 ** 30), node: process.version };
  console.error(`bench dir ${dir}; ${RECORDS} records on ${PARTITIONS} partitions`);
  run(['dev', 'up', 'bench', '--kafka-version', '4']);
  try {
    const produce = await child(produceScript);
    console.error(`produced ${produce.produced}`);
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) {
      const plain = await child(plainScript);
      // peak RSS of the extract process: polled from /proc
      const extract = await measureExtract();
      console.error(`round ${i + 1}: plain kafkajs consumer ${Math.round(plain.perSecond)} records/s (peak RSS ${Math.round(plain.maxRssMB)} MB), zdp extract ${Math.round(extract.perSecond)} records/s (peak RSS ${Math.round(extract.maxRssMB)} MB)`);
      rounds.push({ plain, extract });
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const plainRate = median(rounds.map((r) => r.plain.perSecond));
    const extractRate = median(rounds.map((r) => r.extract.perSecond));
    const result = {
      kind: 'ExtractBenchmark',
      machine,
      records: RECORDS,
      partitions: PARTITIONS,
      rounds: rounds.map((r) => ({ plainPerSecond: Math.round(r.plain.perSecond), extractPerSecond: Math.round(r.extract.perSecond), ratio: Math.round((r.extract.perSecond / r.plain.perSecond) * 1000) / 1000 })),
      plainConsumer: { recordsPerSecond: Math.round(plainRate), peakRssMB: Math.round(Math.max(...rounds.map((r) => r.plain.maxRssMB))) },
      extract: { recordsPerSecond: Math.round(extractRate), peakRssMB: Math.round(Math.max(...rounds.map((r) => r.extract.maxRssMB))), sampled: rounds[0].extract.records },
      // medians of each side over the rounds
      ratio: Math.round((extractRate / plainRate) * 1000) / 1000,
    };
    console.log(JSON.stringify(result, null, 2));
    writeFileSync(join(dir, 'result.json'), JSON.stringify(result, null, 2));
  } finally {
    run(['dev', 'down', '--purge', '--yes']);
  }
}

async function measureExtract() {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [zdp, 'extract', '--cluster', 'bench', '--topic', 'bench.orders', '--offset', 'earliest',
      '--sample', String(Math.ceil(RECORDS / PARTITIONS) + 1), '--timeout', '900', '--out', 'contracts', '--json', '--quiet', ...(WORKERS === undefined ? [] : ['--workers', WORKERS])], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let peakKB = 0;
    const poll = setInterval(() => {
      try {
        // read in this process: a `cat` started five times a second took CPU from the run it measured
        const status = readFileSync(`/proc/${p.pid}/status`, 'utf8');
        const m = /VmHWM:\s+(\d+) kB/.exec(status);
        if (m) peakKB = Math.max(peakKB, Number(m[1]));
      } catch {}
    }, 200);
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => {
      clearInterval(poll);
      if (code !== 0) return reject(new Error(`extract exited ${code}`));
      const report = JSON.parse(out);
      resolve({ records: report.messagesSampled, perSecond: report.messagesSampled / (report.readMs / 1000), maxRssMB: peakKB / 1024 });
    });
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/**
 * `zdp demo`: the whole migration on local clusters, driven through zdp's own subcommands (each
 * run as a child process, exactly as a person or CI would run it): dev up → seed → gateway up →
 * client apps → extract → productize → gateway render → migrate → parity → cutover → verify.
 * Domain-free orchestration: every decision is made by the subcommands.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import avsc from 'avsc';
import { Kafka, logLevel } from 'kafkajs';
import { parse } from 'yaml';
import { UsageError, ZdpError } from '../errors.js';
import { freePorts } from '../processes/ports.js';
import { check, readAllSeqs, Workload, type CheckResult } from './workload.js';
import { parseJournal, replay, type JournalState } from '../core/cutover/journal.js';
import { createTopicsAndWait } from '../kafka/topics.js';

const BIN = fileURLToPath(new URL('../../bin/zdp.js', import.meta.url));

export interface DemoStep {
  step: string;
  command: string;
  ok: boolean;
  durationMs: number;
  summary: string;
}

export interface DemoReport {
  kind: 'DemoReport';
  dir: string;
  ok: boolean;
  steps: DemoStep[];
  records: { produced: number; consumed: number; lost: number; duplicated: number; duplicatedInLog: number; abortedVisible: number; uncertainCommitted: number };
  pause: { producersMs: number; consumersMs: number; gatewayMs: number };
  /** how the cutover quiesced clients: zdp's filter in the gateway, or a restart of the proxy */
  quiesce: 'filter' | 'restart' | null;
  groups: CheckResult['groups'];
  consumerRestarts: number;
  files: string[];
  kept: boolean;
}

export interface DemoOptions {
  dir: string;
  keep: boolean;
  /** records per second through the gateway during the migration */
  rate: number;
  log: (line: string) => void;
  signal: AbortSignal;
}

export const DEMO_TOPICS = { orders: 'orders.created', payments: 'payments.authorized', customers: 'customers.profile' } as const;

const PAYMENT = { type: 'record', name: 'PaymentAuthorized', namespace: 'shop.payments', fields: [{ name: 'paymentId', type: 'string' }, { name: 'orderId', type: 'string' }, { name: 'amountCents', type: 'long' }, { name: 'currency', type: { type: 'enum', name: 'Currency', symbols: ['EUR', 'USD', 'GBP'] } }, { name: 'authorizedAt', type: { type: 'long', logicalType: 'timestamp-millis' } }, { name: 'card', type: ['null', { type: 'record', name: 'Card', fields: [{ name: 'brand', type: 'string' }, { name: 'last4', type: 'string' }] }], default: null }] } as const;

/** A shop's catalogue: SKU and unit price in cents. */
const CATALOGUE: readonly (readonly [string, number])[] = Array.from({ length: 40 }, (_, i) => [`SKU-${1001 + i * 37}`, 499 + ((i * 1733) % 12_000)] as const);
const ORDER_STATUSES = ['CREATED', 'CREATED', 'CREATED', 'PAID', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;

/** An order as a shop writes it; n >= 0 numbers it (seed records and live ones use different ranges). */
function order(n: number): Buffer {
  const lines = Array.from({ length: 1 + (n % 3) }, (_, i) => {
    const [sku, price] = CATALOGUE[(n * 7 + i * 13) % CATALOGUE.length]!;
    return { sku, quantity: 1 + ((n + i) % 4), unitPrice: price / 100 };
  });
  const amount = Math.round(lines.reduce((sum, l) => sum + l.quantity * l.unitPrice * 100, 0)) / 100;
  return Buffer.from(JSON.stringify({
    orderId: `ord-${String(n).padStart(7, '0')}`,
    customerId: `cus-${1000 + (n % 200)}`,
    status: ORDER_STATUSES[(n * 5) % ORDER_STATUSES.length],
    createdAt: new Date(1_790_000_000_000 + n * 1_000).toISOString(),
    total: { amount, currency: ['EUR', 'EUR', 'USD', 'GBP'][n % 4] },
    lines,
    ...(n % 5 === 0 ? { couponCode: `SAVE${5 * (1 + (n % 4))}` } : {}),
  }));
}

/** Seed records are numbered from here, apart from the live workload's 0, 1, 2, … */
const SEED_BASE = 1_000_000;

function customer(n: number): Buffer {
  const id = 1000 + (n % 200);
  return Buffer.from(JSON.stringify({ customerId: `cus-${id}`, email: `customer${id}@example.com`, tier: ['bronze', 'bronze', 'silver', 'gold'][id % 4], country: ['DE', 'FR', 'GB', 'NL', 'US'][id % 5], updatedAt: new Date(1_790_000_000_000 + n * 1_000).toISOString(), marketingOptIn: n % 2 === 0 }));
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function zdp(args: string[], cwd: string, signal: AbortSignal, timeoutMs = 600_000): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    const onAbort = () => child.kill('SIGINT');
    signal.addEventListener('abort', onAbort);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve({ code: code ?? 130, stdout, stderr, ms: performance.now() - started });
    });
  });
}

function files(dir: string, under: string): string[] {
  const root = join(dir, under);
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!name.endsWith('.log') && !name.endsWith('.lock') && !name.endsWith('.pid')) out.push(relative(dir, p));
    }
  };
  walk(root);
  return out;
}

/** written when a demo begins: a directory with it is an earlier demo's, cleared by the next one */
const DEMO_MARK = join('.zdp', 'demo.json');
/** what a demo writes in its directory */
const DEMO_OUTPUTS = ['.zdp', 'contracts', 'gateway', 'products'];

/** Stops, in `dir`, what a demo runs on its own (the gateway, MirrorMaker 2, the clusters), each one `which` names; one already stopped is no error. */
async function stopDemoProcesses(dir: string, which: { gateway: boolean; mm2: boolean; dev: boolean }, signal = new AbortController().signal): Promise<void> {
  if (which.gateway) await zdp(['gateway', 'down'], dir, signal).catch(() => undefined);
  if (which.mm2) await zdp(['migrate', 'stop', '--from', 'source', '--to', 'target'], dir, signal).catch(() => undefined);
  if (which.dev) await zdp(['dev', 'down'], dir, signal).catch(() => undefined);
}

/** Stops what an earlier demo in `dir` left running (--keep, or a run killed mid-way), then removes what it wrote there. */
async function clearEarlierDemo(dir: string, signal: AbortSignal): Promise<void> {
  await stopDemoProcesses(dir, { gateway: true, mm2: true, dev: true }, signal);
  if (signal.aborted) throw new ZdpError('interrupted', 'INTERRUPTED', 'the demo was interrupted');
  for (const name of DEMO_OUTPUTS) rmSync(join(dir, name), { recursive: true, force: true });
}

export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const { dir, log, signal } = options;
  // the demo starts from nothing: in a directory an earlier demo used, its clusters came back with
  // that run's topics and records, and its finished cutover's journal refused this run's cutover a
  // minute in (the second `zdp demo` in the same place). An earlier demo's directory is cleared
  // (what it left running stopped first); any other zdp project's state is not the demo's to touch
  if (existsSync(join(dir, '.zdp'))) {
    if (!existsSync(join(dir, DEMO_MARK))) {
      throw new UsageError(`${dir} holds a zdp project's state (${join(dir, '.zdp')}) that no demo wrote; the demo starts from an empty directory or one an earlier demo used`, {
        hint: `run \`zdp demo --dir <a new directory>\``,
        code: 'DEMO_DIR_USED',
      });
    }
    log(`clearing the earlier demo in ${dir} (stopping what it left running)`);
    await clearEarlierDemo(dir, signal);
  }
  mkdirSync(join(dir, '.zdp'), { recursive: true });
  writeFileSync(join(dir, DEMO_MARK), `${JSON.stringify({ kind: 'zdp-demo', startedAt: new Date().toISOString() })}\n`);
  const steps: DemoStep[] = [];
  let workload: Workload | undefined;
  const started: { dev: boolean; gateway: boolean; mm2: boolean } = { dev: false, gateway: false, mm2: false };

  const step = async (name: string, args: string[], summarize: (r: Run) => string, timeoutMs?: number): Promise<Run> => {
    if (signal.aborted) throw new ZdpError('interrupted', 'INTERRUPTED', 'the demo was interrupted');
    log(`→ ${name}: zdp ${args.join(' ')}`);
    const r = await zdp(args, dir, signal, timeoutMs);
    const ok = r.code === 0;
    const s: DemoStep = { step: name, command: `zdp ${args.join(' ')}`, ok, durationMs: Math.round(r.ms), summary: ok ? summarize(r) : (r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`) };
    steps.push(s);
    log(`  ${ok ? 'ok' : 'FAILED'} in ${(s.durationMs / 1000).toFixed(1)}s: ${s.summary}`);
    if (!ok) throw new ZdpError(r.code === 130 ? 'interrupted' : 'checkFailed', 'DEMO_STEP_FAILED', `demo step "${name}" failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-6).join('\n')}`);
    return r;
  };
  const timed = async <T>(name: string, command: string, fn: () => Promise<{ value: T; summary: string }>): Promise<T> => {
    if (signal.aborted) throw new ZdpError('interrupted', 'INTERRUPTED', 'the demo was interrupted');
    log(`→ ${name}`);
    const t = performance.now();
    const { value, summary } = await fn();
    const s = { step: name, command, ok: true, durationMs: Math.round(performance.now() - t), summary };
    steps.push(s);
    log(`  ok in ${(s.durationMs / 1000).toFixed(1)}s: ${summary}`);
    return value;
  };

  let checkResult: CheckResult | undefined;
  let cutover: { pause?: { producersMs: number; consumersMs: number }; quiesce?: { via: 'filter' | 'restart' } } = {};
  let ok = false;
  try {
    const [listen, management, rest] = await freePorts(3);
    // each cluster has its schema registry: the migration copies the subjects with their ids
    started.dev = true;
    await step('start local clusters', ['dev', 'up', 'source', '--registry', '--json'], (r) => (JSON.parse(r.stdout).clusters as { name: string; kafkaVersion: string }[]).map((c) => `${c.name} Kafka ${c.kafkaVersion} + schema registry`).join(', '), 600_000);
    await step('start the target cluster', ['dev', 'up', 'target', '--registry', '--json'], (r) => (JSON.parse(r.stdout).clusters as { name: string; kafkaVersion: string }[]).map((c) => `${c.name} Kafka ${c.kafkaVersion} + schema registry`).join(', '), 600_000);
    const profiles = parse((await import('node:fs')).readFileSync(join(dir, '.zdp', 'dev', 'profiles.yaml'), 'utf8')) as { clusters: Record<string, { bootstrapServers: string[]; schemaRegistry?: { url: string } }> };
    const source = profiles.clusters.source!;
    const target = profiles.clusters.target!;

    const framed = await avroFramer(source.schemaRegistry!.url, `${DEMO_TOPICS.payments}-value`);
    await timed('create and fill topics on the source', 'kafkajs producer (JSON, Avro through the schema registry, a compacted topic)', async () => {
      const kafka = new Kafka({ clientId: 'zdp-demo-seed', brokers: source.bootstrapServers, logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await createTopicsAndWait(admin, [
        { topic: DEMO_TOPICS.orders, numPartitions: 6, configEntries: [{ name: 'retention.ms', value: '604800000' }] },
        { topic: DEMO_TOPICS.payments, numPartitions: 3 },
        { topic: DEMO_TOPICS.customers, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ]);
      await admin.disconnect();
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      for (let b = 0; b < 5; b++) {
        await producer.send({ topic: DEMO_TOPICS.orders, messages: Array.from({ length: 400 }, (_, i) => ({ key: `ord-${b * 400 + i}`, value: order(SEED_BASE + b * 400 + i), headers: { seq: String(-1 - (b * 400 + i)), 'content-type': 'application/json' } })) });
      }
      await producer.send({ topic: DEMO_TOPICS.payments, messages: Array.from({ length: 600 }, (_, i) => ({ key: `pay-${i}`, value: framed(SEED_BASE + i), headers: { seq: String(-1 - i) } })) });
      await producer.send({ topic: DEMO_TOPICS.customers, messages: Array.from({ length: 600 }, (_, i) => ({ key: `cus-${i % 200}`, value: customer(SEED_BASE + i), headers: { seq: String(-1 - i) } })) });
      await producer.disconnect();
      return { value: undefined, summary: `${DEMO_TOPICS.orders} 2000 JSON records, ${DEMO_TOPICS.payments} 600 Avro records (schema registered), ${DEMO_TOPICS.customers} 600 compacted JSON records` };
    });

    await step('start the gateway in front of the source', ['gateway', 'up', '--cluster', 'source', '--cover', 'target', '--listen', `127.0.0.1:${listen}`, '--management-port', String(management), '--json'], (r) => `clients bootstrap at ${JSON.parse(r.stdout).bootstrap} -> source`);
    started.gateway = true;

    const groups = [
      { group: 'fulfilment', topics: [DEMO_TOPICS.orders] },
      { group: 'billing', topics: [DEMO_TOPICS.payments] },
      { group: 'crm', topics: [DEMO_TOPICS.customers] },
      { group: 'analytics', topics: [DEMO_TOPICS.orders, DEMO_TOPICS.payments] },
    ];
    workload = await timed('start client applications (through the gateway only)', `producers and consumer groups on 127.0.0.1:${listen}`, async () => {
      const w = new Workload({
        bootstrap: `127.0.0.1:${listen}`,
        clientId: 'zdp-demo-app',
        topics: [
          { topic: DEMO_TOPICS.orders, partitions: 6, rate: Math.round(options.rate * 0.6) },
          { topic: DEMO_TOPICS.payments, partitions: 3, rate: Math.round(options.rate * 0.25), transactional: true },
          { topic: DEMO_TOPICS.customers, partitions: 3, rate: Math.round(options.rate * 0.15), keySpace: 200 },
        ],
        groups,
        // applications as most are written: kafkajs's defaults (auto-commit, no isStale check)
        defaultConsumers: true,
        value: (topic, seq) => (topic === DEMO_TOPICS.payments ? framed(seq) : topic === DEMO_TOPICS.customers ? customer(seq) : order(seq)),
      });
      await w.start();
      const until = Date.now() + 60_000;
      while (Date.now() < until && w.processed.filter((p) => p.seq >= 0).length < 200) await new Promise((r) => setTimeout(r, 250));
      return { value: w, summary: `${options.rate} records/s from 3 producers (one transactional), ${groups.length} consumer groups at kafkajs's defaults (auto-commit)` };
    });

    await step('extract contracts', ['extract', '--cluster', 'source', '--topic', DEMO_TOPICS.orders, '--topic', DEMO_TOPICS.payments, '--topic', DEMO_TOPICS.customers, '--sample', '200', '--offset', 'earliest', '--out', 'contracts', '--json'], (r) => {
      const j = JSON.parse(r.stdout) as { topics: { topic: string; encodings?: Record<string, number>; messages?: number }[] };
      return `${j.topics.length} AsyncAPI contracts in contracts/`;
    });
    await step('productize', ['productize', '--contract', `contracts/${DEMO_TOPICS.orders}.asyncapi.yaml`, '--contract', `contracts/${DEMO_TOPICS.payments}.asyncapi.yaml`, '--contract', `contracts/${DEMO_TOPICS.customers}.asyncapi.yaml`, '--name', 'commerce', '--version', '1.0.0', '--owner', 'team-commerce', '--owner-email', 'commerce@example.com', '--domain', 'sales', '--description', 'Orders, payments and customer profiles of the shop', '--cluster', 'source', '--consumption', 'kafka,http-fetch,sse,mcp', '--json'], () => 'data product commerce 1.0.0 in products/');
    await step('render gateway configs', ['gateway', 'render', '--target', 'zilla', '--out', 'gateway/zilla.yaml', '--json'], () => 'Zilla (HTTP, SSE, MCP) in gateway/zilla.yaml');
    await step('render Kroxylicious config', ['gateway', 'render', '--target', 'kroxylicious', '--cluster', 'source', '--cover', 'target', '--listen', `127.0.0.1:${listen}`, '--out', 'gateway/kroxylicious.yaml', '--json'], () => 'Kroxylicious (native Kafka clients) in gateway/kroxylicious.yaml');
    const topicFlags = Object.values(DEMO_TOPICS).flatMap((t) => ['--topic', t]);
    await step('plan and create target topics and schemas', ['migrate', '--from', 'source', '--to', 'target', ...topicFlags, '--yes', '--json'], (r) => {
      const applied = JSON.parse(r.stdout) as { created: string[]; subjects: string[] };
      return `created ${applied.created.length} topics on target; copied ${applied.subjects.length} schema${applied.subjects.length === 1 ? '' : 's'} with their ids (${applied.subjects.join(', ')})`;
    });
    await step('start MirrorMaker 2', ['migrate', 'start', '--from', 'source', '--to', 'target', ...topicFlags, '--rest-port', String(rest), '--json'], (r) => `MirrorMaker 2 ${JSON.parse(r.stdout).mirrorMaker} (pid ${JSON.parse(r.stdout).pid})`, 600_000);
    started.mm2 = true;
    await step('wait for replication', ['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--max-lag', String(Math.max(100, options.rate * 2)), '--timeout', '240', '--json'], (r) => `lag ${JSON.parse(r.stdout).totalLag} records`, 300_000);
    await step('parity', ['parity', '--from', 'source', '--to', 'target', ...topicFlags, '--allow-lag', '--json'], (r) => {
      const j = JSON.parse(r.stdout) as { summary: { partitions: number; ok: number; lagging: number; groupPartitions: number; mm2ReRead: number } };
      return `${j.summary.partitions} partitions (${j.summary.ok} ok, ${j.summary.lagging} still replicating), ${j.summary.groupPartitions} group offsets exact; MM2 checkpoints alone would re-read ${j.summary.mm2ReRead}`;
    });
    const c = await step('cutover', ['cutover', '--from', 'source', '--to', 'target', '--confirm', 'target', '--json'], (r) => {
      const j = JSON.parse(r.stdout) as { outcome: string; pause: { producersMs: number; consumersMs: number }; groups: unknown[]; quiesce: { via: string; groups: { uncommitted: number }[] } };
      const how = j.quiesce.via === 'filter' ? `consumers drained by zdp's filter (${j.quiesce.groups.reduce((n, g) => n + g.uncommitted, 0)} delivered records uncommitted), producers held for ${(j.pause.producersMs / 1000).toFixed(1)}s` : `gateway fenced (restarted) for ${(j.pause.producersMs / 1000).toFixed(1)}s`;
      return `${j.outcome}: ${how}, ${j.groups.length} group offsets written exactly`;
    });
    cutover = JSON.parse(c.stdout) as typeof cutover;

    checkResult = await timed('verify', 'independent checker: what producers had acknowledged vs what the target holds and consumers processed', async () => {
      const w = workload!;
      const until = Date.now() + 60_000;
      const after = Date.now();
      while (Date.now() < until && w.processed.filter((p) => p.at > after).length < 100) await new Promise((r) => setTimeout(r, 250));
      await w.stopProducers();
      const drained = await w.drain(120_000);
      const finalLog = await readAllSeqs(target.bootstrapServers[0]!, Object.values(DEMO_TOPICS), w.acked.length);
      const result = check(w, finalLog, groups);
      const dups = result.groups.reduce((n, g) => n + g.duplicates, 0);
      if (!drained || result.lost > 0 || dups > 0 || result.duplicatedInLog > 0 || result.groups.some((g) => g.missing > 0 || g.outOfOrder > 0)) {
        throw new ZdpError('checkFailed', 'DEMO_VERIFY_FAILED', `verification failed: ${JSON.stringify({ ...result, drained, pending: w.pending(), consumerEvents: w.events.slice(-30), clientErrors: w.errors.slice(-10) })}`);
      }
      return { value: result, summary: `${result.acked} acknowledged records all on target; lost ${result.lost}, read twice ${dups}, written twice ${result.duplicatedInLog}, aborted visible ${result.abortedVisible}${w.restarts > 0 ? `; ${w.restarts} stalled consumer${w.restarts === 1 ? '' : 's'} restarted by the applications' liveness probe` : ''}` };
    });
    ok = true;
  } finally {
    // the client applications live in this process: kept running, a `zdp demo --keep --json` in a
    // script never returned (and at a terminal it took a Ctrl-C, exit 130). Kept are the clusters,
    // their schema registries and the gateway, which run on their own
    await workload?.stop().catch(() => {});
    if (!options.keep || !ok) await stopDemoProcesses(dir, started);
  }
  const w = workload!;
  return {
    kind: 'DemoReport',
    dir,
    ok,
    steps,
    records: {
      produced: checkResult?.acked ?? w.acked.length,
      consumed: checkResult?.groups.reduce((n, g) => n + g.processed, 0) ?? 0,
      lost: checkResult?.lost ?? 0,
      duplicated: checkResult?.groups.reduce((n, g) => n + g.duplicates, 0) ?? 0,
      // records written twice in the target's log (a producer's resend)
      duplicatedInLog: checkResult?.duplicatedInLog ?? 0,
      abortedVisible: checkResult?.abortedVisible ?? 0,
      // records of a transaction whose commit the client sent but never heard back from, that did commit
      uncertainCommitted: checkResult?.uncertainCommitted ?? 0,
    },
    pause: { producersMs: producersPause(w, dir), consumersMs: w.maxConsumeGapMs, gatewayMs: cutover.pause?.producersMs ?? 0 },
    quiesce: cutover.quiesce?.via ?? null,
    groups: checkResult?.groups ?? [],
    // consumers the applications' liveness probe replaced (a kafkajs consumer that stopped fetching)
    consumerRestarts: w.restarts,
    files: [...files(dir, 'contracts'), ...files(dir, 'products'), ...files(dir, 'gateway'), ...files(dir, '.zdp/migrations')],
    kept: options.keep,
  };
}

/**
 * The producers' pause: the longest any went without progress across the cutover's hold or the 2 s
 * after its release (its journal says when), as bench/cutover-pause.mjs measures it; without a
 * finished hold, or for a producer with no progress after it, the longest anywhere in the run. The
 * transactional producer's own commits took over a second now and then on a loaded host, far from
 * any cutover.
 */
function producersPause(w: Workload, dir: string): number {
  const file = join(dir, '.zdp', 'migrations', 'source-to-target', 'cutover.jsonl');
  if (!existsSync(file)) return w.maxAckGapMs;
  let done: JournalState['done'];
  try {
    done = replay(parseJournal(readFileSync(file, 'utf8'))).done;
  } catch {
    return w.maxAckGapMs;
  }
  const [from, to] = [Number(done.get('fence')?.fencedAt), Number(done.get('switch')?.releasedAt)];
  if (!Number.isFinite(from) || !Number.isFinite(to)) return w.maxAckGapMs;
  return Math.max(0, ...Object.values(DEMO_TOPICS).map((t) => w.longestAckGapAcross(t, from, to + 2_000) ?? w.maxAckGapMsByTopic.get(t) ?? w.maxAckGapMs));
}

/** Registers the payment schema and returns an encoder to the registry's wire format (magic 0, schema id, Avro). */
async function avroFramer(registryUrl: string, subject: string): Promise<(seq: number) => Buffer> {
  const r = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions`, { method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ schema: JSON.stringify(PAYMENT) }) });
  if (!r.ok) throw new ZdpError('connection', 'REGISTRY_REFUSED', `the schema registry refused the demo schema: ${r.status} ${await r.text()}`);
  const { id } = (await r.json()) as { id: number };
  const type = avsc.Type.forSchema(PAYMENT as unknown as avsc.Schema);
  return (seq: number) => {
    // seq >= 0 (live records and seed records alike)
    const header = Buffer.alloc(5);
    header.writeInt32BE(id, 1);
    const n = seq;
    return Buffer.concat([header, type.toBuffer({ paymentId: `pay-${String(n).padStart(7, '0')}`, orderId: `ord-${String(n).padStart(7, '0')}`, amountCents: 100 + ((n * 7919) % 50_000), currency: ['EUR', 'USD', 'GBP'][n % 3], authorizedAt: 1_790_000_000_000 + n * 1_000, card: n % 4 === 0 ? null : { brand: n % 2 ? 'visa' : 'mastercard', last4: String(1000 + (n % 9000)) } })]);
  };
}

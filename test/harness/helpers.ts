/** Helpers for tests: run the real CLI, load harness profiles, make unique names. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import AjvModule from 'ajv';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { expect } from 'vitest';
import { loadConfig, getCluster } from '../../src/config/load.js';
import type { ClusterProfile } from '../../src/config/types.js';
import { createKafka } from '../../src/kafka/client.js';
import { fetchWindows } from '../../src/kafka/reader.js';
import type { SampledRecord } from '../../src/kafka/sampler.js';
import { findJava } from '../../src/processes/java.js';
import { resolveMirrorMaker } from '../../src/processes/mirror-maker.js';
import { launcherSource, readControlToken, readGateway, renderRuntimeConfig, resolveKroxylicious } from '../../src/processes/kroxylicious.js';
import { freePorts, isPortFree } from '../../src/processes/ports.js';
import { QuiesceEndpoint } from '../../src/gateway/quiesce.js';

export const REPO = resolve(import.meta.dirname, '..', '..');
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as new (o: object) => { compile(s: object): (v: unknown) => boolean };
export const ZDP_BIN = resolve(REPO, 'bin', 'zdp.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

const resultValidators = new Map<string, ((v: unknown) => boolean) & { errors?: unknown[] | null }>();

/**
 * Every JSON document zdp writes (a result on stdout, an error on stderr) is checked against the
 * JSON Schema of its kind in schemas/results/: a kind without a schema, or a document that does
 * not fit it, fails the test that ran the command.
 */
export function checkResultDocument(text: string, where: string): void {
  if (!text.startsWith('{')) return;
  let doc: { kind?: unknown };
  try {
    doc = JSON.parse(text) as { kind?: unknown };
  } catch {
    return;
  }
  if (typeof doc.kind !== 'string') throw new Error(`${where}: a JSON document without a kind`);
  let validate = resultValidators.get(doc.kind);
  if (!validate) {
    const file = join(REPO, 'schemas', 'results', `${doc.kind}.schema.json`);
    if (!existsSync(file)) throw new Error(`${where}: result kind ${doc.kind} has no schema in schemas/results/`);
    const ajv = new Ajv({ strict: false, allErrors: true });
    validate = ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object) as ((v: unknown) => boolean) & { errors?: unknown[] | null };
    resultValidators.set(doc.kind, validate);
  }
  if (!validate(doc)) throw new Error(`${where}: the ${doc.kind} document does not fit schemas/results/${doc.kind}.schema.json: ${JSON.stringify(validate.errors)}`);
}

/**
 * Runs bin/zdp.js as a child process (end-to-end, as a user or CI would); with `crashAtStep`, the
 * same through test/harness/zdp-crash-at.mjs, which kills itself as the cutover starts that step.
 */
export function runZdp(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; crashAtStep?: string }): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const bin = options.crashAtStep === undefined ? ZDP_BIN : resolve(REPO, 'test', 'harness', 'zdp-crash-at.mjs');
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', ...options.env, ...(options.crashAtStep === undefined ? {} : { ZDP_CRASH_AT_STEP: options.crashAtStep }) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 170_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        checkResultDocument(stdout, `zdp ${args.join(' ')} (stdout)`);
        checkResultDocument(stderr, `zdp ${args.join(' ')} (stderr)`);
      } catch (e) {
        reject(e);
        return;
      }
      resolvePromise({ code: code ?? -1, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface GatewayUpResult extends RunResult {
  listenPort: number;
  managementPort: number;
}

/**
 * `zdp gateway up <args> --listen --management-port` on loopback ports picked just before it, each
 * with the next 8 free (a fleet's instances listen node-ids + 1 ports apart, their management ports
 * one apart). Test files run side by side and pick from the same range: one can bind a port between
 * another's pick and its proxy's bind, and zdp refuses the port (exit 9, PORT_IN_USE) as it should.
 * Then other ports are picked, up to three times.
 */
export async function gatewayUp(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<GatewayUpResult> {
  for (let attempt = 1; ; attempt++) {
    const [listenPort, managementPort] = (await freePorts(2, new Set(), 9)) as [number, number];
    const r = await runZdp(['gateway', 'up', ...args, '--listen', `127.0.0.1:${listenPort}`, '--management-port', String(managementPort)], options);
    if (r.code === 9 && /PORT_IN_USE|already in use/.test(r.stderr) && attempt < 3) continue;
    return { ...r, listenPort, managementPort };
  }
}

/**
 * `zdp gateway up` (zdp's filter) in front of the harness's source cluster, in a new directory named
 * after `prefix`, with `env` (JAVA_TOOL_OPTIONS for the filter's windows): the directory, the proxy's
 * ports (bootstrap, management) and the filter's control endpoint. The caller runs `zdp gateway down` there.
 */
export async function filterGatewayOnSource(projectDir: string, prefix: string, env: NodeJS.ProcessEnv): Promise<{ dir: string; listenPort: number; managementPort: number; control: QuiesceEndpoint }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const source = harnessProfile(projectDir, 'source');
  writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [${source.bootstrapServers[0]!}]}\n`);
  const up = await gatewayUp(['--cluster', 'source', '--json'], { cwd: dir, env });
  expect(up.code, up.stderr).toBe(0);
  const stateDir = join(dir, '.zdp');
  return { dir, listenPort: up.listenPort, managementPort: up.managementPort, control: new QuiesceEndpoint(`http://127.0.0.1:${String(readGateway(stateDir)!.controlPort)}`, readControlToken(stateDir)) };
}

/** Settles to 'acked' or 'failed', or stays 'pending': a request's outcome, read while it may still be held. */
export function track(p: Promise<unknown>): { state: 'pending' | 'acked' | 'failed'; at?: number } {
  const t: { state: 'pending' | 'acked' | 'failed'; at?: number } = { state: 'pending' };
  p.then(
    () => Object.assign(t, { state: 'acked', at: Date.now() }),
    () => Object.assign(t, { state: 'failed', at: Date.now() }),
  );
  return t;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function harnessProfile(projectDir: string, name: string): ClusterProfile {
  return getCluster(loadConfig({ cwd: projectDir, env: process.env }), name);
}

export function harnessKafka(projectDir: string, name: string, clientId = 'zdp-test'): Kafka {
  return createKafka(harnessProfile(projectDir, name), { env: process.env, clientId });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * Waits until every partition of just-created topics is served by its leader (ListOffsets
 * answers), so fixture producers do not race topic creation ("does not host this topic-partition").
 */
export async function waitForTopics(kafka: Kafka, topics: readonly string[], timeoutMs = 60_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await eventually(async () => {
      for (const topic of topics) await admin.fetchTopicOffsets(topic);
      return true;
    }, timeoutMs, `leaders for ${topics.join(', ')}`);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Fixture producers ride out topic-creation races inside kafkajs's own retries; idempotence keeps
 * those retries from writing a record twice.
 */
export const FIXTURE_PRODUCER = { idempotent: true, maxInFlightRequests: 1, retry: { retries: 15, initialRetryTime: 300, maxRetryTime: 3_000 } };

/**
 * Creates topics and waits for their leaders, riding out the broker's "does not host this
 * topic-partition" answers while a busy single-node cluster is still creating them.
 */
export async function createTopics(kafka: Kafka, topics: Parameters<Admin['createTopics']>[0]['topics']): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await eventually(async () => {
      try {
        await admin.createTopics({ topics, waitForLeaders: false });
        return true;
      } catch (e) {
        if (/already exists/i.test((e as Error).message)) return true;
        return undefined;
      }
    }, 60_000, `creating ${topics.map((t) => t.topic).join(', ')}`);
  } finally {
    await admin.disconnect();
  }
  await waitForTopics(kafka, topics.map((t) => t.topic));
}

/**
 * Every record of a topic on a harness cluster, read straight from the partition leaders (no
 * consumer group) as rows, once the end offsets show at least `count` of them: exactly-once copies
 * become visible when MirrorMaker 2's transaction commits. Says what it saw when it gives up.
 */
export async function readAllRecords<T>(projectDir: string, side: string, topic: string, count: number, row: (r: SampledRecord) => T): Promise<T[]> {
  const profile = harnessProfile(projectDir, side);
  const kafka = createKafka(profile, { env: process.env, clientId: 'harness-reader' });
  let out: T[] = [];
  let detail = '';
  await eventually(async () => {
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    out = [];
    const outcome = await fetchWindows(kafka, profile, [{ topic, windows: ends.map((e) => ({ partition: e.partition, start: BigInt(e.low), end: BigInt(e.high) })) }], {
      timeoutMs: 60_000,
      onBatch: (_t, records) => void out.push(...records.map(row)),
    });
    detail = `${side}: ends ${JSON.stringify(ends)}, incomplete ${JSON.stringify([...outcome.incomplete])}, read ${out.length}`;
    return out.length >= count ? true : undefined;
  }, 120_000, `${count} records of ${topic} on the ${side}`).catch((e: Error) => {
    throw new Error(`${e.message} (${detail})`);
  });
  return out;
}

/**
 * Every record of a topic on a harness cluster as one sorted row each — partition, timestamp, key,
 * value (TOMBSTONE for null), headers, bytes as hex — for comparing a replica byte for byte.
 */
export async function replicaRows(projectDir: string, side: string, topic: string, count: number): Promise<string[]> {
  const rows = await readAllRecords(projectDir, side, topic, count, (r) => `${r.partition}|${r.timestampMs}|${r.key?.toString('hex') ?? '-'}|${r.value === null ? 'TOMBSTONE' : r.value.toString('hex')}|${JSON.stringify(Object.entries(r.headers).map(([k, v]) => [k, (v as Buffer).toString('hex')]))}`);
  return rows.sort();
}

/**
 * `zdp migrate status --wait --max-lag 0` until replication from `from` to `to` has caught up
 * (MirrorMaker 2 running, no lag), then every record of `topic` on both sides as replicaRows.
 */
export async function caughtUpReplica(projectDir: string, cwd: string, from: string, to: string, topic: string, count: number): Promise<{ status: RunResult; source: string[]; target: string[] }> {
  const status = await runZdp(['migrate', 'status', '--from', from, '--to', to, '--wait', '--max-lag', '0', '--timeout', '150', '--json'], { cwd, timeoutMs: 170_000 });
  expect(status.code, status.stderr).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({ running: true, totalLag: '0' });
  const [source, target] = await Promise.all([replicaRows(projectDir, from, topic, count), replicaRows(projectDir, to, topic, count)]);
  return { status, source, target };
}

export interface ConnectWorker {
  url: string;
  dir: string;
  /** the worker's log so far, for failure messages */
  log(): string;
  stop(): void;
}

/**
 * A real Kafka Connect distributed worker (connect-runtime from the same Maven Central jars as
 * MirrorMaker 2) writing its internal topics to `bootstrap`, with the operator's extra worker
 * settings (security, config providers); resolves once its REST API answers.
 */
export async function startConnectWorker(bootstrap: string, extra: readonly string[] = []): Promise<ConnectWorker> {
  const dir = mkdtempSync(join(tmpdir(), 'zdp-connect-'));
  const [port] = await freePorts(1);
  const url = `http://127.0.0.1:${port}`;
  const id = uniqueName('connect');
  writeFileSync(join(dir, 'worker.properties'), [
    `bootstrap.servers=${bootstrap}`,
    ...extra,
    `group.id=${id}`,
    `config.storage.topic=${id}-configs`,
    `offset.storage.topic=${id}-offsets`,
    `status.storage.topic=${id}-status`,
    'config.storage.replication.factor=1',
    'offset.storage.replication.factor=1',
    'status.storage.replication.factor=1',
    'key.converter=org.apache.kafka.connect.converters.ByteArrayConverter',
    'value.converter=org.apache.kafka.connect.converters.ByteArrayConverter',
    `listeners=http://127.0.0.1:${port}`,
    'offset.flush.interval.ms=1000',
    '',
  ].join('\n'), { mode: 0o600 });
  writeFileSync(join(dir, 'log4j.properties'), 'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n');
  const java = await findJava(process.env);
  const lib = await resolveMirrorMaker(process.env, () => {});
  const logFile = join(dir, 'worker.log');
  const out = openSync(logFile, 'a');
  const worker = spawn(java.bin, ['-Xmx512m', `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`, '-cp', `${lib}/*`, 'org.apache.kafka.connect.cli.ConnectDistributed', join(dir, 'worker.properties')], { stdio: ['ignore', out, out] });
  const stop = () => void worker.kill('SIGKILL');
  try {
    await eventually(async () => ((await fetch(`${url}/connectors`).then((r) => r.ok, () => false)) ? true : undefined), 120_000, `the Connect worker at ${url}`);
  } catch (error) {
    stop();
    throw error;
  }
  return { url, dir, log: () => readFileSync(logFile, 'utf8'), stop };
}

/** Waits until every group processed every acknowledged record of its topics (as read from `everyone()` each time). */
export async function waitEveryGroupProcessed(everyone: () => { acked: { topic: string; seq: number }[]; processed: { group: string; topic: string; seq: number }[] }, groups: { group: string; topics: string[] }[], timeoutMs: number): Promise<void> {
  await eventually(async () => {
    const all = everyone();
    return groups.every((g) => {
      const seen = new Set(all.processed.filter((p) => p.group === g.group).map((p) => `${p.topic}\u0000${p.seq}`));
      return all.acked.filter((a) => g.topics.includes(a.topic)).every((a) => seen.has(`${a.topic}\u0000${a.seq}`));
    })
      ? true
      : undefined;
  }, timeoutMs, 'every group processing every acknowledged record');
}

/** A port whose next `size - 1` ports are free too (a proxy's node ports follow its bootstrap port). */
export async function freeBlock(size: number, avoid: ReadonlySet<number> = new Set()): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const [base] = await freePorts(1, avoid);
    const rest = await Promise.all(Array.from({ length: size - 1 }, (_, k) => isPortFree(base! + k + 1)));
    if (rest.every(Boolean) && ![...Array(size).keys()].some((k) => avoid.has(base! + k))) return base!;
  }
  throw new Error('no block of free ports');
}

/**
 * What a platform's deployment runs in each pod of a gateway fleet zdp did not start: zdp's
 * launcher on Kroxylicious's jars, one runtime config per cluster it can front (-Dzdp.clusters),
 * a control endpoint with a token. Writes `<name>.yaml` per cluster and `proxy.log` in `dir`, and
 * resolves once the instance is live.
 */
export async function startSwitchableProxy(o: { dir: string; clusters: Record<string, readonly string[]>; current: string; listen: number; management: number; control: number; tokenFile: string }): Promise<ChildProcess> {
  const java = await findJava(process.env);
  const lib = await resolveKroxylicious(process.env, () => {});
  for (const [name, bootstrapServers] of Object.entries(o.clusters)) {
    writeFileSync(join(o.dir, `${name}.yaml`), renderRuntimeConfig({ formatVersion: 1, cluster: name, bootstrapServers: [...bootstrapServers], bootstrapAddress: `127.0.0.1:${o.listen}`, managementPort: o.management, nodeIds: { start: 0, end: 3 } }));
  }
  const clusters = Object.keys(o.clusters).map((name) => `${name}=${join(o.dir, `${name}.yaml`)}`).join(',');
  const log = openSync(join(o.dir, 'proxy.log'), 'a');
  const child = spawn(java.bin, ['-Xms64m', '-Xmx256m', `-Dzdp.clusters=${clusters}`, `-Dzdp.cluster=${o.current}`, `-Dzdp.bootstrap=127.0.0.1:${o.listen}`, `-Dzdp.control.port=${o.control}`, `-Dzdp.control.tokenFile=${o.tokenFile}`, '-cp', `${lib}/*`, launcherSource(), join(o.dir, `${o.current}.yaml`)], { stdio: ['ignore', log, log] });
  closeSync(log);
  await eventually(async () => (await fetch(`http://127.0.0.1:${o.management}/livez`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false)) || undefined, 120_000, `the proxy in ${o.dir} live`);
  return child;
}

/**
 * One switchable instance in a temporary directory, on free loopback ports, with its control
 * endpoint: what a test of a switch in process starts. `clusters` names each cluster's bootstrap
 * servers (two names for one cluster switch between equal backends).
 */
export async function switchableProxyFixture(prefix: string, clusters: Record<string, readonly string[]>, current: string): Promise<{ dir: string; listen: number; child: ChildProcess; control: QuiesceEndpoint }> {
  const dir = mkdtempSync(join(tmpdir(), `zdp-${prefix}-`));
  const listen = await freeBlock(5);
  const [management, controlPort] = await freePorts(2, new Set([0, 1, 2, 3, 4].map((k) => listen + k)));
  const token = `${prefix}-test-token`;
  writeFileSync(join(dir, 'control.token'), `${token}\n`, { mode: 0o600 });
  const child = await startSwitchableProxy({ dir, clusters, current, listen, management: management!, control: controlPort!, tokenFile: join(dir, 'control.token') });
  return { dir, listen, child, control: new QuiesceEndpoint(`http://127.0.0.1:${controlPort}`, token) };
}

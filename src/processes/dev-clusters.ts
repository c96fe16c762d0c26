/**
 * Local single-node KRaft clusters as real JVM processes: `zdp dev` and the test harness both use
 * this. Each cluster lives in <state>/dev/<name>/ (config, data, logs, secrets, pid) and appears as
 * a profile in <state>/dev/profiles.yaml, which the config loader reads.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { EnvironmentError, UsageError, isZdpError } from '../errors.js';
import { clientProtocol, renderLoggingConfig, renderServerProperties, SCRAM_MECHANISMS, type DevAuth } from '../core/broker-config.js';
import type { ClusterProfile } from '../config/types.js';
import { DEV_PROFILES_FILE } from '../config/load.js';
import { ensureDevCertificates } from './certs.js';
import { CCOMPAT_PATH, resolveRegistryDist, startRegistry, type RegistryDist } from './registry.js';
import { compilerArgs, findJava, type JavaRuntime } from './java.js';
import { DEFAULT_SOURCE_LINE, DEFAULT_TARGET_LINE, resolveKafkaDist, type KafkaDist } from './kafka-dist.js';
import { ensurePortFree, freePorts, isPortFree, pickAnother } from './ports.js';
import { probeBroker } from '../kafka/probe.js';
import { KafkaCluster } from '../kafka/cluster.js';
import { tlsOptions } from '../kafka/tls.js';
import { ZDP_VERSION } from '../version.js';
import { readStateJson, writeAtomic } from '../atomic-file.js';
import { isOurProcess, processStartTime } from './pid.js';
import { isInside, nameProblem } from '../core/names.js';


export const DEV_USER = 'zdp-admin';
export const DEFAULT_DEV_CLUSTERS = ['source', 'target'] as const;

export interface DevClusterSpec {
  name: string;
  /** exact release or a line: "3.9", "4", "4.1.1" */
  versionSpec: string;
  auth: DevAuth;
  tls: boolean;
  /** a fixed client port; otherwise a free one */
  port?: number | undefined;
  /** also run a schema registry (Apicurio, Confluent-compatible API) for this cluster */
  registry?: boolean;
  /** brokers in the cluster (default 1): node 1 is broker and controller, nodes 2..n brokers only */
  brokers?: number;
}

export interface DevClusterRecord {
  formatVersion: 1;
  name: string;
  kafkaVersion: string;
  clusterId: string;
  auth: DevAuth;
  tls: boolean;
  ports: { client: number; controller: number; internal?: number };
  pid?: number;
  /** the broker's start time when zdp started it: a recycled pid is never signalled */
  pidStart?: string;
  /** SCRAM user and its password file (relative to the cluster dir) */
  user?: { username: string; passwordFile: string };
  /** CA certificate (relative to the cluster dir) */
  caFile?: string;
  /** the cluster's schema registry process */
  registry?: { port: number; pid?: number };
  /** brokers 2..n of a multi-broker cluster, each a process of its own in <cluster>/node-<id>/ */
  extraBrokers?: ExtraBroker[];
}

export interface ExtraBroker {
  id: number;
  ports: { client: number; internal?: number };
  pid?: number;
  pidStart?: string;
}

/** Every broker's client address, node 1 first. */
export function bootstrapOf(record: DevClusterRecord): string[] {
  return [`127.0.0.1:${record.ports.client}`, ...(record.extraBrokers ?? []).map((b) => `127.0.0.1:${b.ports.client}`)];
}

function nodeDir(stateDir: string, record: DevClusterRecord, id: number): string {
  return join(clusterDir(stateDir, record.name), `node-${id}`);
}

export interface DevContext {
  stateDir: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** how long a broker may take to come up */
  startTimeoutMs?: number;
}

export function devDir(stateDir: string): string {
  return join(stateDir, 'dev');
}

/** <state>/dev/<name>: the name passes the one name rule, so the directory is always below <state>/dev. */
export function clusterDir(stateDir: string, name: string): string {
  const problem = nameProblem('dev cluster', name);
  if (problem) throw new UsageError(problem, { code: 'BAD_NAME' });
  return join(devDir(stateDir), name);
}

export function defaultVersionSpec(name: string): string {
  return name === 'source' ? DEFAULT_SOURCE_LINE : DEFAULT_TARGET_LINE;
}

function recordFile(stateDir: string, name: string): string {
  return join(clusterDir(stateDir, name), 'cluster.json');
}

export function readRecord(stateDir: string, name: string): DevClusterRecord | undefined {
  return readStateJson<DevClusterRecord>(recordFile(stateDir, name), `record of the local cluster "${name}"`, (v) => typeof (v as DevClusterRecord).name === 'string' && typeof (v as DevClusterRecord).ports === 'object');
}

function writeRecord(stateDir: string, record: DevClusterRecord): void {
  writeAtomic(recordFile(stateDir, record.name), `${JSON.stringify(record, null, 2)}\n`);
}

export function listRecords(stateDir: string): DevClusterRecord[] {
  const dir = devDir(stateDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'cluster.json')))
    .sort()
    .map((d) => readRecord(stateDir, d)!)
    .filter(Boolean);
}

export { isOurProcess } from './pid.js';

export function isRunning(stateDir: string, record: DevClusterRecord): boolean {
  return isOurProcess(record.pid, clusterDir(stateDir, record.name), record.pidStart);
}

/** The profile a record becomes, with paths relative to the profiles file. */
function profileEntry(stateDir: string, record: DevClusterRecord): Record<string, unknown> {
  const dir = clusterDir(stateDir, record.name);
  const rel = (p: string) => relative(devDir(stateDir), join(dir, p));
  const entry: Record<string, unknown> = {
    vendor: 'apache',
    bootstrapServers: bootstrapOf(record),
  };
  if (record.tls && record.caFile) entry.tls = { enabled: true, caFile: rel(record.caFile) };
  if (record.auth === 'scram' && record.user) {
    entry.sasl = { mechanism: 'scram-sha-512', username: record.user.username, passwordFile: rel(record.user.passwordFile) };
  }
  if (record.registry) entry.schemaRegistry = { url: `http://127.0.0.1:${record.registry.port}${CCOMPAT_PATH}` };
  return entry;
}

/** The in-memory profile of a record (absolute paths), for readiness checks and the harness. */
export function profileOf(stateDir: string, record: DevClusterRecord): ClusterProfile {
  const dir = clusterDir(stateDir, record.name);
  const profile: ClusterProfile = {
    name: record.name,
    vendor: 'apache',
    bootstrapServers: bootstrapOf(record),
    timeoutMs: 10_000,
  };
  if (record.tls && record.caFile) profile.tls = { enabled: true, caFile: join(dir, record.caFile), insecureSkipVerify: false };
  if (record.auth === 'scram' && record.user) {
    const file = join(dir, record.user.passwordFile);
    profile.sasl = { mechanism: 'scram-sha-512', username: record.user.username, password: { key: `clusters.${record.name}.sasl.passwordFile`, file } };
  }
  if (record.registry) profile.schemaRegistry = { url: `http://127.0.0.1:${record.registry.port}${CCOMPAT_PATH}` };
  return profile;
}

export function writeProfiles(stateDir: string): void {
  const records = listRecords(stateDir);
  const file = join(stateDir, DEV_PROFILES_FILE);
  if (records.length === 0) {
    rmSync(file, { force: true });
    return;
  }
  const clusters: Record<string, unknown> = {};
  for (const r of records) clusters[r.name] = profileEntry(stateDir, r);
  const body = stringify({ apiVersion: 'zdp/v1', kind: 'Project', clusters }, { lineWidth: 0, sortMapEntries: false });
  mkdirSync(devDir(stateDir), { recursive: true });
  writeAtomic(file, `# Written by \`zdp dev\`: profiles of the local clusters. Edits are overwritten.\n${body}`);
}

/** Kafka's cluster ids are URL-safe base64 of 16 random bytes; Kafka avoids a leading '-'. */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function tail(file: string, lines: number): string {
  try {
    const size = statSync(file).size;
    const fd = openSync(file, 'r');
    const len = Math.min(size, 256 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    closeSync(fd);
    return buf.toString('utf8').split('\n').filter((l) => l.length > 0).slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function logFile(stateDir: string, name: string): string {
  return join(clusterDir(stateDir, name), 'logs', 'server.log');
}

export function lastLogLines(stateDir: string, name: string, lines = 30): string {
  return tail(logFile(stateDir, name), lines);
}

function javaArgs(dist: KafkaDist, dir: string): string[] {
  const logging = dist.logging === 'log4j2'
    ? `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`
    : `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`;
  return ['-Xms256m', '-Xmx768m', ...compilerArgs(), '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', `-Dkafka.logs.dir=${join(dir, 'logs')}`, logging, '-cp', join(dist.libDir, '*')];
}

const STORAGE_FORMAT_LAUNCHER = fileURLToPath(new URL('../../java/ZdpStorageFormat.java', import.meta.url));

/**
 * Formats the cluster's storage. With SCRAM the admin user's credentials are added here; the
 * arguments go to Kafka's StorageTool on standard input (java/ZdpStorageFormat.java), never on a
 * command line where `ps` would show the password.
 */
async function formatStorage(java: JavaRuntime, dist: KafkaDist, dir: string, record: DevClusterRecord, password: string | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  const toolArgs = ['format', '-t', record.clusterId, '-c', join(dir, 'server.properties')];
  if (record.auth === 'scram' && record.user && password) {
    for (const m of SCRAM_MECHANISMS) toolArgs.push('--add-scram', `${m}=[name=${record.user.username},password=${password}]`);
  }
  const result = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(java.bin, [...javaArgs(dist, dir), STORAGE_FORMAT_LAUNCHER], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const keep = (b: Buffer) => {
      out = (out + b.toString('utf8')).slice(-64 * 1024);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
    child.stdin.end(`${toolArgs.join('\n')}\n`);
  });
  if (result.code !== 0) {
    const out = result.out.replaceAll(password ?? '\u0000', '***');
    throw new EnvironmentError('KAFKA_FORMAT_FAILED', `formatting the storage of local cluster "${record.name}" failed:\n${out.trim().split('\n').slice(-15).join('\n')}`, {
      hint: `remove it with \`zdp dev down ${record.name} --purge\` and start again`,
    });
  }
}

export interface StartResult {
  record: DevClusterRecord;
  alreadyRunning: boolean;
  startedMs: number;
}

/** Resolves what a set of specs needs (Java once, each release once, sequentially for Maven's sake). */
export interface PreparedDists {
  java: JavaRuntime;
  dists: Map<string, KafkaDist>;
  registry?: RegistryDist;
}

export async function prepareDists(specs: readonly DevClusterSpec[], ctx: DevContext): Promise<PreparedDists> {
  const java = await findJava(ctx.env);
  const dists = new Map<string, KafkaDist>();
  let registry: RegistryDist | undefined;
  for (const spec of specs) {
    const existing = readRecord(ctx.stateDir, spec.name);
    const wanted = existing?.kafkaVersion ?? spec.versionSpec;
    if (!dists.has(wanted)) {
      const dist = await resolveKafkaDist(wanted, { env: ctx.env, log: ctx.log });
      // also under the version it resolved to: a start tried again finds the record it wrote
      dists.set(wanted, dist).set(dist.version, dist);
    }
    if ((spec.registry || existing?.registry) && !registry) registry = await resolveRegistryDist(ctx.env, ctx.log);
  }
  return { java, dists, ...(registry ? { registry } : {}) };
}

function registryRunning(stateDir: string, record: DevClusterRecord): boolean {
  return isOurProcess(record.registry?.pid, clusterDir(stateDir, record.name));
}

/** Starts the cluster's registry unless it runs; the record is updated and saved by the caller. */
async function ensureRegistry(ctx: DevContext, record: DevClusterRecord, java: JavaRuntime, dist: RegistryDist): Promise<void> {
  if (record.registry && registryRunning(ctx.stateDir, record)) return;
  const port = record.registry && (await isPortFree(record.registry.port)) ? record.registry.port : (await freePorts(1))[0]!;
  const proc = await startRegistry(java, dist, clusterDir(ctx.stateDir, record.name), port, ctx.env, ctx.startTimeoutMs ?? 120_000);
  record.registry = { port: proc.port, pid: proc.pid };
}

export async function startDevCluster(spec: DevClusterSpec, ctx: DevContext, prepared: PreparedDists): Promise<StartResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevClusterOnce(spec, ctx, prepared);
    } catch (error) {
      // another process took a port zdp found free before the broker bound it: other free ports, up
      // to twice more (a port the user asked for with --port is not replaced)
      const raced = error instanceof EnvironmentError && error.code === 'KAFKA_START_FAILED' && /Address already in use/.test(error.message);
      if (!raced || spec.port !== undefined || attempt >= 3) throw error;
    }
  }
}

async function startDevClusterOnce(spec: DevClusterSpec, ctx: DevContext, prepared: PreparedDists): Promise<StartResult> {
  const { java, dists } = prepared;
  const started = performance.now();
  const dir = clusterDir(ctx.stateDir, spec.name);
  const existing = readRecord(ctx.stateDir, spec.name);
  const brokers = spec.brokers ?? 1;
  if (existing && 1 + (existing.extraBrokers?.length ?? 0) !== brokers && spec.brokers !== undefined) {
    throw new UsageError(`local cluster "${spec.name}" exists with ${1 + (existing.extraBrokers?.length ?? 0)} broker(s), not ${brokers}`, {
      code: 'DEV_CLUSTER_DIFFERS',
      hint: `remove it first with \`zdp dev down ${spec.name} --purge\`, or pick another name`,
    });
  }
  if (existing && (existing.auth !== spec.auth || existing.tls !== spec.tls)) {
    throw new UsageError(`local cluster "${spec.name}" exists with ${describe(existing)}, not ${describe(spec)}`, {
      code: 'DEV_CLUSTER_DIFFERS',
      hint: `remove it first with \`zdp dev down ${spec.name} --purge\`, or pick another name`,
    });
  }
  if (existing && isRunning(ctx.stateDir, existing)) {
    if (spec.port !== undefined && spec.port !== existing.ports.client) {
      throw new UsageError(`local cluster "${spec.name}" is already running on port ${existing.ports.client}`, { code: 'DEV_CLUSTER_RUNNING', hint: `stop it with \`zdp dev down ${spec.name}\` to move it` });
    }
    if ((spec.registry || existing.registry) && prepared.registry && !registryRunning(ctx.stateDir, existing)) {
      await ensureRegistry(ctx, existing, java, prepared.registry);
      writeRecord(ctx.stateDir, existing);
      writeProfiles(ctx.stateDir);
    }
    if ((existing.extraBrokers ?? []).some((b) => !isOurProcess(b.pid, nodeDir(ctx.stateDir, existing, b.id), b.pidStart))) {
      await startExtraBrokers(ctx, existing, java, dists.get(existing.kafkaVersion)!);
    }
    return { record: existing, alreadyRunning: true, startedMs: 0 };
  }
  const dist = dists.get(existing?.kafkaVersion ?? spec.versionSpec)!;
  mkdirSync(join(dir, 'logs'), { recursive: true });

  // Ports: the asked one, else the previous ones while free, else new ones.
  const secured = spec.auth !== 'none' || spec.tls;
  if (spec.port !== undefined) await ensurePortFree(spec.port, `cluster "${spec.name}"`, pickAnother('--port'));
  const reuse = async (p: number | undefined) => (p !== undefined && (await isPortFree(p)) ? p : undefined);
  const fresh = await freePorts(3, new Set([spec.port, existing?.ports.client, existing?.ports.controller, existing?.ports.internal].filter((p): p is number => p !== undefined)));
  const ports: DevClusterRecord['ports'] = {
    client: spec.port ?? (await reuse(existing?.ports.client)) ?? fresh[0]!,
    controller: (await reuse(existing?.ports.controller)) ?? fresh[1]!,
    ...(secured ? { internal: (await reuse(existing?.ports.internal)) ?? fresh[2]! } : {}),
  };

  const record: DevClusterRecord = existing
    ? { ...existing, ports }
    : { formatVersion: 1, name: spec.name, kafkaVersion: dist.version, clusterId: newClusterId(), auth: spec.auth, tls: spec.tls, ports };
  delete record.pid;

  let keystorePem: string | undefined;
  if (spec.tls) {
    const certs = await ensureDevCertificates(join(dir, 'tls'));
    keystorePem = certs.keystorePem;
    record.caFile = relative(dir, certs.caFile);
  }
  let newPassword: string | undefined;
  if (spec.auth === 'scram' && !record.user) {
    mkdirSync(join(dir, 'secrets'), { recursive: true, mode: 0o700 });
    newPassword = randomBytes(18).toString('base64url');
    const passwordFile = join('secrets', `${DEV_USER}.password`);
    writeAtomic(join(dir, passwordFile), `${newPassword}\n`, 0o600);
    chmodSync(join(dir, passwordFile), 0o600);
    record.user = { username: DEV_USER, passwordFile };
  }

  let controllerPassword: string | undefined;
  if (spec.auth === 'scram' && record.user) {
    newPassword ??= readFileSync(join(dir, record.user.passwordFile), 'utf8').trim();
    const controllerFile = join(dir, 'secrets', 'controller.password');
    if (!existsSync(controllerFile)) {
      mkdirSync(join(dir, 'secrets'), { recursive: true, mode: 0o700 });
      writeAtomic(controllerFile, `${randomBytes(18).toString('base64url')}\n`, 0o600);
    }
    controllerPassword = readFileSync(controllerFile, 'utf8').trim();
  }
  const dataDir = join(dir, 'data');
  // it holds the broker's own passwords (SCRAM): readable by its owner only
  writeAtomic(join(dir, 'server.properties'), renderServerProperties({
    clientPort: ports.client,
    controllerPort: ports.controller,
    internalPort: ports.internal,
    auth: spec.auth,
    tls: spec.tls,
    dataDir,
    keystorePem,
    superUser: record.user?.username,
    superUserPassword: newPassword,
    controllerPassword,
  }), 0o600);
  writeAtomic(join(dir, dist.logging === 'log4j2' ? 'log4j2.properties' : 'log4j.properties'), renderLoggingConfig(dist.logging));

  if (!existsSync(join(dataDir, 'meta.properties'))) {
    await formatStorage(java, dist, dir, record, newPassword, ctx.env);
  }

  const log = logFile(ctx.stateDir, spec.name);
  const fd = openSync(log, 'a');
  writeFileSync(fd, `\n=== zdp ${ZDP_VERSION}: starting Apache Kafka ${record.kafkaVersion} (${clientProtocol(spec)} on 127.0.0.1:${ports.client}) ===\n`);
  const child = spawn(java.bin, [...javaArgs(dist, dir), 'kafka.Kafka', join(dir, 'server.properties')], {
    cwd: dir,
    env: ctx.env,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  child.unref();
  record.pid = child.pid!;
  const pidStart = processStartTime(child.pid!);
  if (pidStart) record.pidStart = pidStart;
  writeRecord(ctx.stateDir, record);
  writeProfiles(ctx.stateDir);

  try {
    await waitReady(ctx, record, () => exited);
    if (brokers > 1 || record.extraBrokers?.length) {
      record.extraBrokers ??= Array.from({ length: brokers - 1 }, (_, i) => ({ id: i + 2, ports: { client: 0 } }));
      await startExtraBrokers(ctx, record, java, dist);
    }
    if ((spec.registry || record.registry) && prepared.registry) {
      await ensureRegistry(ctx, record, java, prepared.registry);
      writeRecord(ctx.stateDir, record);
      writeProfiles(ctx.stateDir);
    }
  } catch (error) {
    await stopExtraBrokers(ctx.stateDir, record);
    if (isOurProcess(record.pid, dir, record.pidStart)) await stopProcess(record.pid!);
    delete record.pid;
    delete record.pidStart;
    writeRecord(ctx.stateDir, record);
    throw error;
  }
  return { record, alreadyRunning: false, startedMs: performance.now() - started };
}

/**
 * Starts brokers 2..n of a cluster whose node 1 (broker and controller) is up: each formats its own
 * storage with the cluster's id, joins the quorum of node 1, and the cluster is ready when it lists
 * every broker. The record (ports, pids) is saved as they start.
 */
async function startExtraBrokers(ctx: DevContext, record: DevClusterRecord, java: JavaRuntime, dist: KafkaDist): Promise<void> {
  const base = clusterDir(ctx.stateDir, record.name);
  const secured = record.auth !== 'none' || record.tls;
  const password = record.auth === 'scram' && record.user ? readFileSync(join(base, record.user.passwordFile), 'utf8').trim() : undefined;
  const controllerPassword = record.auth === 'scram' ? readFileSync(join(base, 'secrets', 'controller.password'), 'utf8').trim() : undefined;
  const keystorePem = record.tls ? (await ensureDevCertificates(join(base, 'tls'))).keystorePem : undefined;
  const exits: (() => number | null | undefined)[] = [];
  for (const broker of record.extraBrokers ?? []) {
    const dir = nodeDir(ctx.stateDir, record, broker.id);
    if (isOurProcess(broker.pid, dir, broker.pidStart)) continue;
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const taken = new Set([record.ports.client, record.ports.controller, record.ports.internal, ...(record.extraBrokers ?? []).flatMap((b) => [b.ports.client, b.ports.internal])].filter((p): p is number => p !== undefined && p > 0));
    const reuse = async (p: number | undefined) => (p !== undefined && p > 0 && (await isPortFree(p)) ? p : undefined);
    const fresh = await freePorts(2, taken);
    broker.ports = { client: (await reuse(broker.ports.client)) ?? fresh[0]!, ...(secured ? { internal: (await reuse(broker.ports.internal)) ?? fresh[1]! } : {}) };
    const dataDir = join(dir, 'data');
    writeAtomic(join(dir, 'server.properties'), renderServerProperties({
      clientPort: broker.ports.client,
      controllerPort: record.ports.controller,
      internalPort: broker.ports.internal,
      auth: record.auth,
      tls: record.tls,
      dataDir,
      keystorePem,
      superUser: record.user?.username,
      superUserPassword: password,
      controllerPassword,
      brokerOnly: { nodeId: broker.id },
    }), 0o600);
    writeAtomic(join(dir, dist.logging === 'log4j2' ? 'log4j2.properties' : 'log4j.properties'), renderLoggingConfig(dist.logging));
    if (!existsSync(join(dataDir, 'meta.properties'))) await formatStorage(java, dist, dir, record, undefined, ctx.env);
    const fd = openSync(join(dir, 'logs', 'server.log'), 'a');
    writeFileSync(fd, `\n=== zdp ${ZDP_VERSION}: starting broker ${broker.id} of ${record.name} (Apache Kafka ${record.kafkaVersion} on 127.0.0.1:${broker.ports.client}) ===\n`);
    const child = spawn(java.bin, [...javaArgs(dist, dir), 'kafka.Kafka', join(dir, 'server.properties')], { cwd: dir, env: ctx.env, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    let exited: number | null | undefined;
    child.once('exit', (code) => (exited = code));
    child.unref();
    exits.push(() => exited);
    broker.pid = child.pid!;
    const start = processStartTime(child.pid!);
    if (start) broker.pidStart = start;
    writeRecord(ctx.stateDir, record);
  }
  writeProfiles(ctx.stateDir);
  const want = 1 + (record.extraBrokers?.length ?? 0);
  const deadline = performance.now() + (ctx.startTimeoutMs ?? 120_000);
  const profile = profileOf(ctx.stateDir, record);
  for (;;) {
    const gone = (record.extraBrokers ?? []).find((b, i) => exits[i]?.() !== undefined);
    if (gone) throw new EnvironmentError('KAFKA_START_FAILED', `broker ${gone.id} of local cluster "${record.name}" exited while starting. Last lines of its log:\n${tail(join(nodeDir(ctx.stateDir, record, gone.id), 'logs', 'server.log'), 25)}`, { hint: `full log: ${join(nodeDir(ctx.stateDir, record, gone.id), 'logs', 'server.log')}` });
    const seen = await KafkaCluster.with({ ...profile, timeoutMs: 5_000 }, { env: ctx.env }, (c) => c.describeCluster()).then((d) => d.brokers.length, () => 0);
    if (seen >= want) return;
    if (performance.now() > deadline) throw new EnvironmentError('KAFKA_START_TIMEOUT', `local cluster "${record.name}" lists ${seen} of its ${want} brokers after ${Math.round((ctx.startTimeoutMs ?? 120_000) / 1000)}s`, { hint: `logs: ${join(clusterDir(ctx.stateDir, record.name), 'node-<id>', 'logs', 'server.log')}` });
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function stopExtraBrokers(stateDir: string, record: DevClusterRecord): Promise<void> {
  await Promise.all((record.extraBrokers ?? []).map(async (b) => {
    if (isOurProcess(b.pid, nodeDir(stateDir, record, b.id), b.pidStart)) await stopProcess(b.pid!);
    delete b.pid;
    delete b.pidStart;
  }));
}

function describe(s: { auth: DevAuth; tls: boolean }): string {
  const parts = [s.auth === 'scram' ? 'SASL/SCRAM' : 'no authentication', s.tls ? 'TLS' : 'no TLS'];
  return parts.join(' and ');
}

async function waitReady(ctx: DevContext, record: DevClusterRecord, exitCode: () => number | null | undefined): Promise<void> {
  const timeoutMs = ctx.startTimeoutMs ?? 120_000;
  const deadline = performance.now() + timeoutMs;
  const profile = profileOf(ctx.stateDir, record);
  const ssl = tlsOptions(profile, ctx.env);
  let lastError: unknown;
  while (performance.now() < deadline) {
    const code = exitCode();
    if (code !== undefined) {
      throw new EnvironmentError('KAFKA_START_FAILED', `local cluster "${record.name}" (Kafka ${record.kafkaVersion}) exited with code ${code} while starting. Last lines of its log:\n${lastLogLines(ctx.stateDir, record.name, 25)}`, {
        hint: `full log: ${logFile(ctx.stateDir, record.name)}`,
      });
    }
    try {
      await probeBroker({ cluster: record.name, address: `127.0.0.1:${record.ports.client}`, tls: ssl, timeoutMs: 2_000, softwareVersion: ZDP_VERSION });
      const described = await KafkaCluster.with({ ...profile, timeoutMs: 5_000 }, { env: ctx.env }, (cluster) => cluster.describeCluster());
      if (described.brokers.length > 0 && described.controller !== null) return;
    } catch (error) {
      lastError = error;
      if (isZdpError(error) && (error.category === 'auth' || error.category === 'tls' || error.category === 'config')) throw error;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new EnvironmentError('KAFKA_START_TIMEOUT', `local cluster "${record.name}" did not become ready within ${Math.round(timeoutMs / 1000)}s (${lastError instanceof Error ? lastError.message : 'no answer'}). Last lines of its log:\n${lastLogLines(ctx.stateDir, record.name, 25)}`, {
    hint: `full log: ${logFile(ctx.stateDir, record.name)}`,
  });
}

/** SIGTERM, then SIGKILL after a grace period. Resolves when the process is gone. */
export async function stopProcess(pid: number, graceMs = 20_000): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(pid, graceMs <= 0 ? 'SIGKILL' : 'SIGTERM');
  } catch {
    return;
  }
  const deadline = performance.now() + graceMs;
  while (alive() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
    while (alive()) await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops one cluster if zdp started it and it runs. Returns whether something was stopped. */
export async function stopDevCluster(stateDir: string, name: string): Promise<boolean> {
  const record = readRecord(stateDir, name);
  if (!record) return false;
  const running = isRunning(stateDir, record);
  if (record.registry?.pid && registryRunning(stateDir, record)) await stopProcess(record.registry.pid);
  // brokers before their controller, so they can leave cleanly
  const extras = (record.extraBrokers ?? []).some((b) => b.pid !== undefined);
  await stopExtraBrokers(stateDir, record);
  if (running && record.pid) await stopProcess(record.pid);
  if (record.pid !== undefined || record.registry?.pid !== undefined || extras) {
    delete record.pid;
    delete record.pidStart;
    if (record.registry) delete record.registry.pid;
    writeRecord(stateDir, record);
  }
  return running;
}

export function purgeDevCluster(stateDir: string, name: string): void {
  const dir = clusterDir(stateDir, name);
  // deletes only a directory zdp made: below <state>/dev and holding its cluster record
  if (!isInside(devDir(stateDir), dir) || dir === devDir(stateDir) || !existsSync(join(dir, 'cluster.json'))) return;
  rmSync(dir, { recursive: true, force: true });
  writeProfiles(stateDir);
}

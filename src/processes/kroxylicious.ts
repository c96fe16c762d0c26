/**
 * Kroxylicious as a local process: the proxy engine (io.kroxylicious:kroxylicious-runtime, the
 * newest release Maven Central serves here, 0.12.0, Java 17) resolved once into the cache, started
 * through java/ZdpKroxylicious.java (compiled once into the cache, see launcherArgs), which binds
 * every listener to loopback. State lives in <state>/gateway/: config, pid, log.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readStateJson, writeAtomic } from '../atomic-file.js';
import { restamp, stampedStart } from './pid.js';
import { delimiter, dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { EnvironmentError } from '../errors.js';
import { cacheDir, resolveMavenBundle } from './kafka-dist.js';
import { compilerArgs, type JavaRuntime } from './java.js';
import { isOurProcess, stopProcess } from './dev-clusters.js';
import { ensurePortFree, freePorts, isPortFree } from './ports.js';
import { createHash, randomBytes } from 'node:crypto';

export const KROXYLICIOUS_VERSION = '0.12.0';
const LOG4J_VERSION = '2.24.3';

export interface GatewayRecord {
  formatVersion: 1;
  cluster: string;
  bootstrapServers: string[];
  bootstrapAddress: string;
  managementPort: number;
  nodeIds: { start: number; end: number };
  pid?: number;
  /** `<pid>:<start time>`: a recycled pid is never signalled */
  pidStamp?: string;
  /** a proxy killed by a fence that may still be exiting, or one that handed its addresses to its standby and is ended next (see endDying) */
  dyingPid?: number;
  /**
   * a proxy loaded for another backend, not bound yet (see startStandby); waitsForPorts: released,
   * it binds once the old instance's ports are free (one started by an earlier zdp, without it, is
   * released only once they are)
   */
  standby?: { pid: number; cluster: string; bootstrapServers: string[]; releaseFile: string; controlPort?: number; waitsForPorts?: boolean };
  /** false: run without zdp's quiesce filter (the cutover then fences by restarting); default true */
  filter?: boolean;
  /**
   * clients may hold producer ids of another cluster (the instance was switched): zdp's filter tells
   * the ids it hands out from those, and gives an old idempotent producer a fresh id of this cluster
   * (see ProducerIds in java/ZdpKroxylicious.java). Set by a switch, kept until `gateway up`
   */
  guardProducers?: boolean;
  /** the running proxy's control endpoint (zdp's filter), on loopback; the token is in <gateway>/control.token */
  controlPort?: number;
  /** instance 0 of a fleet: how many instances `gateway up --replicas` started (each keeps its own record, see instanceStateDirs) */
  replicas?: number;
  startedAt?: string;
}

export function gatewayDir(stateDir: string): string {
  return join(stateDir, 'gateway');
}

/**
 * Every instance of a gateway fleet keeps its state as a gateway of its own would: instance 0 in
 * <state>/gateway, instance i in <state>/gateway/instances/<i>/gateway (record, config, token, log).
 */
export function instanceStateDir(stateDir: string, index: number): string {
  return index === 0 ? stateDir : join(gatewayDir(stateDir), 'instances', String(index));
}

/** The state directories of every instance of the fleet `gateway up` started (one when it started one). */
export function instanceStateDirs(stateDir: string): string[] {
  const replicas = readGateway(stateDir)?.replicas ?? 1;
  return Array.from({ length: Math.max(1, replicas) }, (_, i) => instanceStateDir(stateDir, i));
}

/** Instance i's addresses: its bootstrap port after the node ports of the instances before it, its management port i above. */
export function instanceAddresses(listenPort: number, managementPort: number, nodeIds: { start: number; end: number }, index: number): { bootstrapAddress: string; managementPort: number } {
  const stride = nodeIds.end - nodeIds.start + 2;
  return { bootstrapAddress: `127.0.0.1:${listenPort + index * stride}`, managementPort: managementPort + index };
}

export function readGateway(stateDir: string): GatewayRecord | undefined {
  return readStateJson<GatewayRecord>(join(gatewayDir(stateDir), 'gateway.json'), 'gateway record', (v) => typeof (v as GatewayRecord).cluster === 'string' && typeof (v as GatewayRecord).nodeIds === 'object');
}

export function writeGateway(stateDir: string, record: GatewayRecord): void {
  restamp(record);
  writeAtomic(join(gatewayDir(stateDir), 'gateway.json'), `${JSON.stringify(record, null, 2)}\n`);
}

export function gatewayRunning(stateDir: string, record: GatewayRecord | undefined): boolean {
  return isOurProcess(record?.pid, gatewayDir(stateDir), stampedStart(record?.pid, record?.pidStamp));
}

/** The control endpoints' token: made once per gateway directory, readable by its owner only. */
export function controlTokenFile(stateDir: string): string {
  const file = join(gatewayDir(stateDir), 'control.token');
  if (!existsSync(file)) {
    mkdirSync(gatewayDir(stateDir), { recursive: true });
    writeFileSync(file, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return file;
}

export function readControlToken(stateDir: string): string {
  return readFileSync(controlTokenFile(stateDir), 'utf8').trim();
}

/** A free loopback port for a new proxy's control endpoint (none when the filter is off). */
async function controlPortFor(record: GatewayRecord, avoid: number[]): Promise<number | undefined> {
  if (record.filter === false) return undefined;
  return (await freePorts(1, new Set([...gatewayPorts(record), ...avoid])))[0];
}

export function launcherSource(): string {
  return fileURLToPath(new URL('../../java/ZdpKroxylicious.java', import.meta.url));
}

/**
 * How a proxy JVM runs the launcher: its classes compiled once per launcher source, Kroxylicious
 * and JDK, and kept under <cache>/launcher/<key>. Java's source launcher compiled the file anew at
 * every start (3 s of CPU here, several times that on a loaded machine: the standby a cutover
 * starts, every instance of a fleet, every proxy of the tests). Without a javac beside the java
 * binary, or when it fails, the source launcher runs as before (and shows a compile error in the
 * proxy's log).
 */
export async function launcherArgs(java: JavaRuntime, lib: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const source = launcherSource();
  const fallback = ['-cp', `${lib}/*`, source];
  // the javac beside the java binary; for a java found on PATH, the javac on PATH, compiling for
  // the runtime's release (one of another JDK fails, or writes classes this java can load)
  const onPath = !java.bin.includes(sep);
  const javac = onPath ? 'javac' : join(dirname(java.bin), 'javac');
  if (!onPath && !existsSync(javac)) return fallback;
  const key = createHash('sha256').update(readFileSync(source)).update(`\u0000${lib}\u0000${java.bin}\u0000${java.versionLine}`).digest('hex').slice(0, 16);
  const classes = join(cacheDir(env), 'launcher', key);
  const withClasses = ['-cp', `${lib}/*${delimiter}${classes}`, 'ZdpKroxylicious'];
  if (existsSync(join(classes, 'ZdpKroxylicious.class'))) return withClasses;
  const tmp = `${classes}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(tmp, { recursive: true });
    await new Promise<void>((resolve, reject) => execFile(javac, ['-nowarn', '--release', String(java.major), '-d', tmp, '-cp', `${lib}/*`, source], { env, timeout: 120_000 }, (e) => (e ? reject(e) : resolve())));
    try {
      renameSync(tmp, classes);
    } catch {
      // another start compiled the same classes meanwhile: theirs are as good
    }
    return existsSync(join(classes, 'ZdpKroxylicious.class')) ? withClasses : fallback;
  } catch {
    return fallback;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function resolveKroxylicious(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<string> {
  return resolveMavenBundle({
    name: 'kroxylicious',
    version: KROXYLICIOUS_VERSION,
    label: `Kroxylicious ${KROXYLICIOUS_VERSION}`,
    dependencies: [
      { groupId: 'io.kroxylicious', artifactId: 'kroxylicious-runtime', version: KROXYLICIOUS_VERSION },
      { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j2-impl', version: LOG4J_VERSION },
      { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-core', version: LOG4J_VERSION },
    ],
    missingCode: 'KROXYLICIOUS_DIST_MISSING',
    neededFor: 'the local gateway',
  }, env, log);
}

/**
 * The config the bundled engine runs: Kroxylicious 0.12 with the virtual cluster's network address
 * provider declared explicitly (the form the launcher can bind to loopback). `zdp gateway render`
 * writes the newer 0.16+ format for deployments.
 */
export function renderRuntimeConfig(record: GatewayRecord): string {
  const [host, port] = record.bootstrapAddress.split(':') as [string, string];
  return stringify({
    adminHttp: { host: '127.0.0.1', port: record.managementPort, endpoints: {} },
    virtualClusters: {
      zdp: {
        targetCluster: { bootstrapServers: record.bootstrapServers.join(',') },
        clusterNetworkAddressConfigProvider: {
          type: 'RangeAwarePortPerNodeClusterNetworkAddressConfigProvider',
          config: {
            bootstrapAddress: `${host}:${port}`,
            nodeIdRanges: [{ name: 'brokers', range: { startInclusive: record.nodeIds.start, endExclusive: record.nodeIds.end + 1 } }],
          },
        },
      },
    },
  }, { lineWidth: 0 });
}

const LOG4J2 = `status = error
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = OUT
logger.krx.name = io.kroxylicious
logger.krx.level = INFO
`;

/** The ports the proxy will listen on: bootstrap, one per node id, management. */
export function gatewayPorts(record: GatewayRecord): number[] {
  const base = Number(record.bootstrapAddress.split(':')[1]);
  const ports = [base];
  for (let id = record.nodeIds.start; id <= record.nodeIds.end; id++) ports.push(base + 1 + id - record.nodeIds.start);
  ports.push(record.managementPort);
  return ports;
}

function lastLines(file: string, n: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-n).join('\n');
  } catch {
    return '';
  }
}

export interface StartedGateway {
  pid: number;
  readyMs: number;
  /** where its control endpoint listens (zdp's filter loaded) */
  controlPort?: number;
}

/** Starts the proxy for `record` and waits for /livez; the caller saves the pid. */
export async function startGateway(stateDir: string, record: GatewayRecord, java: JavaRuntime, lib: string, env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<StartedGateway> {
  const dir = gatewayDir(stateDir);
  await waitForDying(record, dir);
  // the default addresses are fixed (clients are configured with them): leaving a flag out picks no other port
  for (const port of gatewayPorts(record)) await ensurePortFree(port, 'the gateway', 'pick other ports with --listen (the node ports follow the bootstrap port, and each instance of a fleet follows the one before) and --management-port, or stop the process that holds it');
  const controlPort = await controlPortFor(record, []);
  if (controlPort !== undefined) controlTokenFile(stateDir);
  const started = performance.now();
  const child = await spawnProxy(dir, record, java, lib, env, 'proxy.yaml', undefined, controlPort);
  return { ...(await waitLive(dir, record, child, started, timeoutMs)), ...(controlPort !== undefined ? { controlPort } : {}) };
}

async function waitForDying(record: GatewayRecord, dir: string): Promise<void> {
  if (!record.dyingPid) return;
  const until = performance.now() + 10_000;
  while (isOurProcess(record.dyingPid, dir) && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
  // the kernel empties a dying process's command line (its memory goes first) before it closes
  // its sockets: a warm standby that binds within milliseconds would find the ports still taken
  for (const port of gatewayPorts(record)) while (!(await isPortFree(port)) && performance.now() < until) await new Promise((r) => setTimeout(r, 5));
  delete record.dyingPid;
}

interface Spawned {
  pid: number;
  exited: () => number | null | undefined;
  logFile: string;
}

async function spawnProxy(dir: string, record: GatewayRecord, java: JavaRuntime, lib: string, env: NodeJS.ProcessEnv, configName: string, standbyFile?: string, controlPort?: number, warmup?: { config: string; bootstrap: string }): Promise<Spawned> {
  const launcher = await launcherArgs(java, lib, env);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const config = join(dir, configName);
  writeAtomic(config, renderRuntimeConfig(record));
  writeAtomic(join(dir, 'log4j2.properties'), LOG4J2);
  const logFile = join(dir, 'logs', 'gateway.log');
  const fd = openSync(logFile, 'a');
  writeFileSync(fd, `\n=== zdp: starting Kroxylicious ${KROXYLICIOUS_VERSION} in front of ${record.cluster} (${record.bootstrapServers.join(',')})${standbyFile ? ', standing by' : ''} ===\n`);
  const child = spawn(java.bin, ['-Xms64m', '-Xmx256m', ...compilerArgs(), `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`, `-Dzdp.gateway.dir=${dir}`, '-Dzdp.bindAddress=127.0.0.1', `-Dzdp.bootstrap=${record.bootstrapAddress}`, `-Dzdp.upstream=${record.bootstrapServers.join(',')}`, ...(standbyFile ? [`-Dzdp.standbyFile=${standbyFile}`, `-Dzdp.standbyPorts=${gatewayPorts(record).join(',')}`] : []), ...(standbyFile || record.guardProducers ? ['-Dzdp.guardProducers=true'] : []),
    ...(warmup ? [`-Dzdp.warmupConfig=${warmup.config}`, `-Dzdp.warmupBootstrap=${warmup.bootstrap}`] : []),
    ...(controlPort !== undefined ? [`-Dzdp.control.port=${controlPort}`, `-Dzdp.control.tokenFile=${join(dir, 'control.token')}`] : ['-Dzdp.filter=off']), ...launcher, config], {
    cwd: dir,
    env,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  return { pid: child.pid!, exited: () => exited, logFile };
}

/**
 * Until the proxy answers /livez on its management port. A released standby says it is bound by a
 * file of its own (`bound`, see releaseStandby): its management port is one it binds only then, and
 * that port's first answer took 0.58-0.83 s on a busy host (a fleet benchmark run: the standbys had
 * bound their listeners 0.6 s before the cutover learned it and released them).
 */
async function waitLive(dir: string, record: GatewayRecord, child: Spawned, started: number, timeoutMs: number, bound?: string): Promise<StartedGateway> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exited() === undefined && !isOurProcess(child.pid, dir)) {
      // gone: give the exit event a moment so the message can carry the exit code
      const until = performance.now() + 1_000;
      while (child.exited() === undefined && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
    }
    if (child.exited() !== undefined || !isOurProcess(child.pid, dir)) {
      throw new EnvironmentError('GATEWAY_START_FAILED', `the gateway (Kroxylicious) exited${child.exited() !== undefined ? ` with code ${child.exited()}` : ''} while starting. Last lines of its log:\n${lastLines(child.logFile, 20)}`, { hint: `full log: ${child.logFile}` });
    }
    if (bound !== undefined && existsSync(bound)) return { pid: child.pid, readyMs: performance.now() - started };
    // a standby that writes no such file (loaded by an earlier zdp) is asked after 2 s
    if (bound === undefined || performance.now() - started > 2_000) {
      try {
        const r = await fetch(`http://127.0.0.1:${record.managementPort}/livez`, { signal: AbortSignal.timeout(1000) });
        if (r.ok) return { pid: child.pid, readyMs: performance.now() - started };
      } catch {
        // not yet
      }
    }
    await new Promise((r) => setTimeout(r, bound === undefined ? 20 : 5));
  }
  await stopProcess(child.pid);
  throw new EnvironmentError('GATEWAY_START_TIMEOUT', `the gateway did not answer /livez within ${Math.round(timeoutMs / 1000)}s. Last lines of its log:\n${lastLines(child.logFile, 20)}`, { hint: `full log: ${child.logFile}` });
}

/**
 * Loads a second proxy for another backend while the current one still serves: it binds nothing
 * until releaseStandby, so a switch costs a bind instead of a JVM start. Idempotent.
 */
export async function startStandby(stateDir: string, cluster: string, bootstrapServers: string[], java: JavaRuntime, lib: string, env: NodeJS.ProcessEnv): Promise<void> {
  const record = readGateway(stateDir);
  if (!record) return;
  const dir = gatewayDir(stateDir);
  if (record.standby && isOurProcess(record.standby.pid, dir) && record.standby.cluster === cluster) {
    await waitStandbyLoaded(dir, record.standby.pid, record.standby.releaseFile, undefined);
    return;
  }
  if (record.standby && isOurProcess(record.standby.pid, dir)) await stopProcess(record.standby.pid, 0);
  const releaseFile = join(dir, `standby-${cluster}.release`);
  rmSync(releaseFile, { force: true });
  rmSync(`${releaseFile}.ready`, { force: true });
  rmSync(`${releaseFile}.bound`, { force: true });
  const controlPort = await controlPortFor(record, record.controlPort !== undefined ? [record.controlPort] : []);
  if (controlPort !== undefined) controlTokenFile(stateDir);
  const next = { ...record, cluster, bootstrapServers };
  const child = await spawnProxy(dir, next, java, lib, env, 'proxy-standby.yaml', releaseFile, controlPort, await warmupConfig(dir, next));
  writeGateway(stateDir, { ...record, standby: { pid: child.pid, cluster, bootstrapServers, releaseFile, ...(controlPort !== undefined ? { controlPort } : {}), waitsForPorts: true } });
  await waitStandbyLoaded(dir, child.pid, releaseFile, child);
}

/**
 * The standby's warm-up proxy (see warmUp in java/ZdpKroxylicious.java): the same configuration on
 * other free loopback ports. Undefined, and the standby serves cold, when no such ports are free.
 */
async function warmupConfig(dir: string, record: GatewayRecord): Promise<{ config: string; bootstrap: string } | undefined> {
  const ports = gatewayPorts(record);
  const nodes = ports.length - 2;
  for (let attempt = 0; attempt < 5; attempt++) {
    const [base, management] = await freePorts(2, new Set(ports));
    const wanted = Array.from({ length: nodes }, (_, i) => base! + 1 + i);
    if (wanted.some((p) => ports.includes(p) || p === management)) continue;
    if (!(await Promise.all(wanted.map((p) => isPortFree(p)))).every(Boolean)) continue;
    const config = join(dir, 'proxy-warmup.yaml');
    const bootstrap = `127.0.0.1:${base}`;
    writeAtomic(config, renderRuntimeConfig({ ...record, bootstrapAddress: bootstrap, managementPort: management! }));
    return { config, bootstrap };
  }
  return undefined;
}

/**
 * Waits until the standby proxy has loaded everything (its JVM started, the launcher compiled, the
 * configuration and filters built) and only waits for its release: then fencing the running proxy
 * leaves just the bind on the clients' critical path.
 */
// clients are still served while it loads: waiting longer costs the cutover time, not the clients.
// On two shared cores under a cutover's load (brokers, MirrorMaker 2, the proxies, clients), the
// JVM start with its in-memory compile of the launcher took over 60 s in CI runs
async function waitStandbyLoaded(dir: string, pid: number, releaseFile: string, child: Spawned | undefined, timeoutMs = 180_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const logFile = join(dir, 'logs', 'gateway.log');
  while (!existsSync(`${releaseFile}.ready`)) {
    if ((child && child.exited() !== undefined) || !isOurProcess(pid, dir)) {
      throw new EnvironmentError('GATEWAY_START_FAILED', `the standby gateway (Kroxylicious) for the switch exited while loading. Last lines of its log:\n${lastLines(logFile, 20)}`, { hint: `full log: ${logFile}` });
    }
    if (performance.now() > deadline) throw new EnvironmentError('GATEWAY_START_TIMEOUT', `the standby gateway did not finish loading within ${Math.round(timeoutMs / 1000)}s. Last lines of its log:\n${lastLines(logFile, 20)}`, { hint: `full log: ${logFile}` });
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether the instance's standby for `cluster` runs and has loaded (startStandby would only find it so). */
export function standbyLoaded(stateDir: string, cluster: string): boolean {
  const standby = readGateway(stateDir)?.standby;
  return standby?.cluster === cluster && isOurProcess(standby.pid, gatewayDir(stateDir)) && existsSync(`${standby.releaseFile}.ready`);
}

/** Binds the standby proxy (the current one must be gone) and waits until it answers; undefined when there is none for `cluster`. */
export async function releaseStandby(stateDir: string, cluster: string, timeoutMs = 30_000): Promise<StartedGateway | undefined> {
  const record = readGateway(stateDir);
  const dir = gatewayDir(stateDir);
  const standby = record?.standby;
  if (!record || !standby || standby.cluster !== cluster || !isOurProcess(standby.pid, dir)) return undefined;
  // told to bind before (a cutover resumed after it, before the record said so): the old instance's
  // ports were free then, and the standby holds them now; waited for again, they never come free (10 s lost).
  // A standby that waits for the ports itself binds the moment the killed instance's sockets close:
  // waited for here, on a busy host, they stayed closed 0.2-0.5 s (clients back off 300 ms, then 600)
  if (!existsSync(standby.releaseFile) && !standby.waitsForPorts) await waitForDying(record, dir);
  const started = performance.now();
  writeFileSync(standby.releaseFile, 'go\n');
  const live = await waitLive(dir, { ...record, cluster }, { pid: standby.pid, exited: () => undefined, logFile: join(dir, 'logs', 'gateway.log') }, started, timeoutMs, `${standby.releaseFile}.bound`);
  const next: GatewayRecord = { ...record, cluster, bootstrapServers: standby.bootstrapServers, pid: standby.pid, startedAt: new Date().toISOString() };
  if (standby.controlPort !== undefined) next.controlPort = standby.controlPort;
  else delete next.controlPort;
  delete next.standby;
  // one that handed its addresses over still runs until endDying: recorded until then
  if (next.dyingPid !== undefined && !isOurProcess(next.dyingPid, dir)) delete next.dyingPid;
  writeGateway(stateDir, next);
  return live;
}

/**
 * Ends the instance's old proxy once its standby serves in its place: one that handed its addresses
 * over (it listens no more) and has not exited by itself, or a fence's that is still exiting.
 * SIGKILL, as a fence does (its clients are cut off either way).
 */
export function endDying(stateDir: string): void {
  const record = readGateway(stateDir);
  // only once another proxy serves in its place: one killed by a fence is waited for by the next start
  // (its ports), and one still recorded as the running proxy has not handed over yet
  if (record?.dyingPid === undefined || record.pid === undefined || record.pid === record.dyingPid) return;
  if (handedOverRunning(stateDir, record)) {
    try {
      process.kill(record.dyingPid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  delete record.dyingPid;
  writeGateway(stateDir, record);
}

/** Whether the record's dying proxy is another than its running one and still runs (see endDying). */
function handedOverRunning(stateDir: string, record: GatewayRecord): boolean {
  return record.dyingPid !== undefined && record.dyingPid !== record.pid && isOurProcess(record.dyingPid, gatewayDir(stateDir));
}

/** Stops a standby proxy that will not be used (a cutover rolled back before its switch). */
export async function dropStandby(stateDir: string): Promise<void> {
  const record = readGateway(stateDir);
  if (!record?.standby) return;
  if (isOurProcess(record.standby.pid, gatewayDir(stateDir))) await stopProcess(record.standby.pid, 0);
  rmSync(record.standby.releaseFile, { force: true });
  rmSync(`${record.standby.releaseFile}.ready`, { force: true });
  rmSync(`${record.standby.releaseFile}.bound`, { force: true });
  delete record.standby;
  writeGateway(stateDir, record);
}

/** Stops the proxy; `force` kills it at once (a fence: clients are cut off either way, and the proxy holds no state). */
export async function stopGateway(stateDir: string, options: { force?: boolean } = {}): Promise<boolean> {
  const record = readGateway(stateDir);
  if (!record?.pid) return false;
  const running = gatewayRunning(stateDir, record);
  if (running && options.force) {
    // SIGKILL stops it forwarding at once; its exit (and the ports) follow within a second or so:
    // startGateway waits for them
    process.kill(record.pid, 'SIGKILL');
    record.dyingPid = record.pid;
  } else {
    if (running) await stopProcess(record.pid, 10_000);
    // an old proxy a cutover stopped short of ending (see endDying)
    if (handedOverRunning(stateDir, record)) await stopProcess(record.dyingPid!, 0);
    delete record.dyingPid;
    // `gateway down` also ends a standby proxy a cutover left behind
    if (record.standby && isOurProcess(record.standby.pid, gatewayDir(stateDir))) await stopProcess(record.standby.pid, 0);
    delete record.standby;
  }
  delete record.pid;
  writeGateway(stateDir, record);
  return running;
}

export function gatewayLogFile(stateDir: string): string {
  return join(gatewayDir(stateDir), 'logs', 'gateway.log');
}

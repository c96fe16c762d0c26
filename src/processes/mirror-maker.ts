/**
 * MirrorMaker 2 in dedicated mode as a supervised local process: jars (connect-mirror and
 * connect-runtime from Maven Central, pinned to the release the source clusters run: 3.9.2; 4.4.0's
 * Connect modules are not served) resolved once into the cache, config and log under the
 * migration's state directory, stopped only when the pid is ours.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { readStateJson, writeAtomic } from '../atomic-file.js';
import { restamp, stampedStart } from './pid.js';
import { join } from 'node:path';
import { EnvironmentError } from '../errors.js';
import { resolveMavenBundle } from './kafka-dist.js';
import { compilerArgs, type JavaRuntime } from './java.js';
import { isOurProcess, stopProcess } from './dev-clusters.js';

export const MM2_VERSION = '3.9.2';

export interface Mm2Record {
  formatVersion: 1;
  /** keeps this migration's MM2 worker (group, internal topics) apart from others between the same clusters */
  id?: string;
  /** where MM2 runs: a supervised local process (default) or connectors on a Kafka Connect cluster */
  engine?: 'dedicated' | 'connect';
  connectUrl?: string;
  connectors?: string[];
  from: string;
  to: string;
  topics: string[];
  groups: string[];
  pid?: number;
  /** `<pid>:<start time>`: a recycled pid is never signalled */
  pidStamp?: string;
  /** dedicated engine: the internal REST port zdp picked (or the user gave) and checked free */
  restPort?: number;
  startedAt?: string;
}

export function resolveMirrorMaker(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<string> {
  return resolveMavenBundle({
    name: 'mirror-maker',
    version: MM2_VERSION,
    label: `MirrorMaker 2 (Kafka ${MM2_VERSION})`,
    dependencies: [
      { groupId: 'org.apache.kafka', artifactId: 'connect-mirror', version: MM2_VERSION },
      { groupId: 'org.apache.kafka', artifactId: 'connect-runtime', version: MM2_VERSION },
      { groupId: 'org.slf4j', artifactId: 'slf4j-reload4j', version: '1.7.36' },
      { groupId: 'ch.qos.reload4j', artifactId: 'reload4j', version: '1.2.25' },
    ],
    missingCode: 'MM2_DIST_MISSING',
    neededFor: 'MirrorMaker 2',
  }, env, log);
}

export function readMm2(dir: string): Mm2Record | undefined {
  return readStateJson<Mm2Record>(join(dir, 'mm2.json'), 'MirrorMaker 2 record', (v) => typeof (v as Mm2Record).from === 'string' && Array.isArray((v as Mm2Record).topics));
}

export function writeMm2(dir: string, record: Mm2Record): void {
  restamp(record);
  writeAtomic(join(dir, 'mm2.json'), `${JSON.stringify(record, null, 2)}\n`);
}

export function mm2Running(dir: string, record: Mm2Record | undefined): boolean {
  return isOurProcess(record?.pid, dir, stampedStart(record?.pid, record?.pidStamp));
}

const LOG4J = `log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.kafka.connect.mirror=INFO
`;

export function mm2LogFile(dir: string): string {
  return join(dir, 'logs', 'mm2.log');
}

/** Starts MirrorMaker 2 with `properties` (already written); waits until it has stayed up a moment. */
export async function startMirrorMaker(dir: string, properties: string, java: JavaRuntime, lib: string, env: NodeJS.ProcessEnv): Promise<number> {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const config = join(dir, 'mm2.properties');
  writeAtomic(config, properties, 0o600);
  writeAtomic(join(dir, 'log4j.properties'), LOG4J);
  const log = mm2LogFile(dir);
  const fd = openSync(log, 'a');
  writeFileSync(fd, `\n=== zdp: starting MirrorMaker 2 (Kafka ${MM2_VERSION}) ===\n`);
  const child = spawn(java.bin, ['-Xms128m', '-Xmx512m', ...compilerArgs(), `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`, `-Dzdp.migration.dir=${dir}`, '-cp', `${lib}/*`, 'org.apache.kafka.connect.mirror.MirrorMaker', config, '--clusters', 'tgt'], {
    cwd: dir,
    env,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  const until = performance.now() + 4_000;
  while (performance.now() < until) {
    if (exited !== undefined) {
      const tail = readFileSync(log, 'utf8').split('\n').filter(Boolean).slice(-15).join('\n');
      throw new EnvironmentError('MM2_START_FAILED', `MirrorMaker 2 exited with code ${exited} while starting. Last lines of its log:\n${tail}`, { hint: `full log: ${log}` });
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return child.pid!;
}

/**
 * Stops MirrorMaker 2: SIGTERM, then SIGKILL after `graceMs`. With exactly-once on, a kill loses
 * nothing: an unfinished transaction is never visible, and MM2 resumes from its committed offsets.
 */
export async function stopMirrorMaker(dir: string, graceMs = 20_000): Promise<boolean> {
  const record = readMm2(dir);
  if (!record?.pid) return false;
  const running = mm2Running(dir, record);
  // graceMs 0: SIGKILL and go on (nothing more is written once it is delivered; the exit follows)
  if (running && graceMs <= 0) process.kill(record.pid, 'SIGKILL');
  else if (running) await stopProcess(record.pid, graceMs);
  delete record.pid;
  writeMm2(dir, record);
  return running;
}

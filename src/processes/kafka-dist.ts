/**
 * Where the Apache Kafka jars come from: KAFKA_HOME (an unpacked release) when set, otherwise
 * Maven Central through Maven, once, into a cache directory.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EnvironmentError } from '../errors.js';

const run = promisify(execFile);

export type LoggingBackend = 'log4j1' | 'log4j2';

export interface KafkaDist {
  /** exact release, e.g. 3.9.2 */
  version: string;
  libDir: string;
  logging: LoggingBackend;
  source: 'KAFKA_HOME' | 'cache';
}

/** Release lines zdp knows by name; a line resolves to its newest release on Maven Central. */
export const DEFAULT_SOURCE_LINE = '3.9';
export const DEFAULT_TARGET_LINE = '4';
/** Used when Maven cannot answer a version range (offline with an empty cache). */
const PINNED: Readonly<Record<string, string>> = { '3.9': '3.9.2', '4': '4.4.0' };

export function cacheDir(env: NodeJS.ProcessEnv): string {
  if (env.ZDP_CACHE_DIR) return env.ZDP_CACHE_DIR;
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.length > 0 ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'zdp');
}

export function isExactVersion(spec: string): boolean {
  return /^\d+\.\d+\.\d+$/.test(spec);
}

/** "3.9" -> [3.9,3.10); "4" -> [4,5); exact versions stay as they are. */
export function mavenVersionFor(spec: string): string {
  if (isExactVersion(spec)) return spec;
  const parts = spec.split('.').map(Number);
  if (parts.some((p) => !Number.isInteger(p)) || parts.length > 2) {
    throw new EnvironmentError('KAFKA_VERSION', `"${spec}" is not a Kafka version: use a release (4.1.1) or a line (3.9, 4)`);
  }
  if (parts.length === 1) return `[${parts[0]},${parts[0]! + 1})`;
  return `[${parts[0]}.${parts[1]},${parts[0]}.${parts[1]! + 1})`;
}

export function versionMatches(version: string, spec: string): boolean {
  return version === spec || version.startsWith(`${spec}.`);
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function kafkaVersionIn(libDir: string): string | undefined {
  const jar = readdirSync(libDir).find((f) => /^kafka_2\.1[0-9]-[0-9.]+\.jar$/.test(f));
  return jar ? /-([0-9.]+)\.jar$/.exec(jar)?.[1] : undefined;
}

function loggingIn(libDir: string): LoggingBackend {
  return readdirSync(libDir).some((f) => f.startsWith('log4j-core-')) ? 'log4j2' : 'log4j1';
}

function cachedVersions(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => isExactVersion(d) && existsSync(join(root, d, '.complete')))
    .sort(compareVersions);
}

export interface ResolveOptions {
  env: NodeJS.ProcessEnv;
  /** progress lines */
  log?: (line: string) => void;
}

export async function findMaven(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const candidates = [env.ZDP_MVN, env.MAVEN_HOME ? join(env.MAVEN_HOME, 'bin', 'mvn') : undefined, 'mvn'].filter((c): c is string => Boolean(c));
  for (const bin of candidates) {
    try {
      await run(bin, ['--version'], { env, timeout: 60_000 });
      return bin;
    } catch {
      // next
    }
  }
  return undefined;
}

/**
 * Resolves a Kafka release (exact or a line such as "3.9" or "4") to jars on disk.
 */
export async function resolveKafkaDist(spec: string, options: ResolveOptions): Promise<KafkaDist> {
  const { env } = options;
  if (env.KAFKA_HOME && env.KAFKA_HOME.length > 0) {
    const libDir = join(env.KAFKA_HOME, 'libs');
    if (!existsSync(libDir)) {
      throw new EnvironmentError('KAFKA_HOME_INVALID', `KAFKA_HOME=${env.KAFKA_HOME} has no libs/ directory: it should be an unpacked Apache Kafka release`, {
        hint: 'unset KAFKA_HOME to let zdp fetch the jars with Maven, or point it at e.g. kafka_2.13-4.1.1/',
      });
    }
    const version = kafkaVersionIn(libDir);
    if (!version) throw new EnvironmentError('KAFKA_HOME_INVALID', `KAFKA_HOME=${env.KAFKA_HOME}/libs holds no kafka_2.13 jar`);
    if (!versionMatches(version, spec)) options.log?.(`KAFKA_HOME holds Kafka ${version}; using it where ${spec} was asked for`);
    return { version, libDir, logging: loggingIn(libDir), source: 'KAFKA_HOME' };
  }

  const root = join(cacheDir(env), 'kafka');
  const cached = cachedVersions(root).filter((v) => versionMatches(v, spec));
  if (cached.length > 0) {
    const version = cached[cached.length - 1]!;
    const libDir = join(root, version, 'lib');
    return { version, libDir, logging: loggingIn(libDir), source: 'cache' };
  }

  const mvn = await findMaven(env);
  if (!mvn) {
    throw new EnvironmentError('KAFKA_DIST_MISSING', `no Apache Kafka ${spec} distribution: KAFKA_HOME is not set and Maven (mvn) is not installed`, {
      hint: 'either set KAFKA_HOME to an unpacked Apache Kafka release, or install Maven (apt-get install maven) so zdp can fetch the Kafka jars from Maven Central once',
    });
  }
  try {
    return await fetchWithMaven(mvn, mavenVersionFor(spec), root, options);
  } catch (error) {
    const pinned = PINNED[spec];
    if (!pinned || isExactVersion(spec)) throw error;
    options.log?.(`could not resolve the newest Kafka ${spec}.x (${(error as Error).message.split('\n')[0]}); trying ${pinned}`);
    return fetchWithMaven(mvn, pinned, root, options);
  }
}

function pom(mavenVersion: string): string {
  const logging3 = mavenVersion.startsWith('3') || mavenVersion.startsWith('[3')
    ? `
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.zdp.cache</groupId>
  <artifactId>kafka-dist</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${mavenVersion}</version></dependency>${logging3}
  </dependencies>
</project>
`;
}

export async function mavenRun(mvn: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, what = 'the Kafka jars'): Promise<void> {
  try {
    await run(mvn, ['-B', '-q', ...args], { cwd, env, timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (cause) {
    const out = `${(cause as { stdout?: string }).stdout ?? ''}\n${(cause as { stderr?: string }).stderr ?? ''}`;
    const lines = out.split('\n').filter((l) => /ERROR/.test(l)).slice(0, 8).join('\n');
    throw new EnvironmentError('MAVEN_FAILED', `Maven could not fetch ${what} from Maven Central${lines ? `:\n${lines}` : ''}`, {
      hint: 'check network access to Maven Central, or set KAFKA_HOME to an unpacked Apache Kafka release',
      cause,
    });
  }
}

async function fetchWithMaven(mvn: string, mavenVersion: string, root: string, options: ResolveOptions): Promise<KafkaDist> {
  mkdirSync(root, { recursive: true });
  const work = join(root, `.resolve-${process.pid}-${Date.now()}`);
  mkdirSync(work, { recursive: true });
  try {
    options.log?.(`fetching Apache Kafka ${mavenVersion} jars from Maven Central (once; cached in ${root})`);
    writeFileSync(join(work, 'pom.xml'), pom(mavenVersion));
    const lib = join(work, 'lib');
    await mavenRun(mvn, ['dependency:copy-dependencies', `-DoutputDirectory=${lib}`, '-DincludeScope=runtime'], work, options.env);
    const version = kafkaVersionIn(lib);
    if (!version) throw new EnvironmentError('MAVEN_FAILED', `Maven resolved ${mavenVersion} but no kafka_2.13 jar arrived`);
    const jars = readdirSync(lib);
    const log4jCore = jars.find((f) => /^log4j-core-[0-9.]+\.jar$/.test(f));
    const hasBinding = jars.some((f) => /^(log4j-slf4j2?-impl|slf4j-reload4j|slf4j-log4j12)-/.test(f));
    if (log4jCore && !hasBinding) {
      const log4jVersion = /log4j-core-([0-9.]+)\.jar/.exec(log4jCore)![1]!;
      const slf4j2 = jars.some((f) => /^slf4j-api-2\./.test(f));
      const artifact = `org.apache.logging.log4j:${slf4j2 ? 'log4j-slf4j2-impl' : 'log4j-slf4j-impl'}:${log4jVersion}`;
      await mavenRun(mvn, ['dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${lib}`], work, options.env);
    }
    const logging = loggingIn(lib);
    writeFileSync(join(work, '.complete'), `${JSON.stringify({ version, logging }, null, 2)}\n`);
    const dest = join(root, version);
    if (existsSync(join(dest, '.complete'))) {
      rmSync(work, { recursive: true, force: true });
    } else {
      rmSync(dest, { recursive: true, force: true });
      renameSync(work, dest);
    }
    options.log?.(`Apache Kafka ${version} ready`);
    return { version, libDir: join(dest, 'lib'), logging, source: 'cache' };
  } finally {
    if (existsSync(work)) rmSync(work, { recursive: true, force: true });
  }
}

export interface MavenBundle {
  /** cache folder and pom artifact id, e.g. "kroxylicious" */
  name: string;
  version: string;
  /** what it is, for messages: "Kroxylicious 0.12.0" */
  label: string;
  dependencies: { groupId: string; artifactId: string; version: string }[];
  /** error code when Maven is missing, and why the jars are needed */
  missingCode: string;
  neededFor: string;
}

/**
 * Resolves a set of Maven Central artifacts with their runtime dependencies into
 * <cache>/<name>/<version>/lib once (atomically: a half-fetched bundle is never used) and returns
 * that lib directory.
 */
export async function resolveMavenBundle(bundle: MavenBundle, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<string> {
  const root = join(cacheDir(env), bundle.name, bundle.version);
  const lib = join(root, 'lib');
  if (existsSync(join(root, '.complete'))) return lib;
  const mvn = await findMaven(env);
  if (!mvn) throw new EnvironmentError(bundle.missingCode, `${bundle.neededFor} needs Maven (mvn) to fetch ${bundle.label} from Maven Central once`, { hint: 'install Maven (apt-get install maven)' });
  const work = join(cacheDir(env), bundle.name, `.resolve-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    log(`fetching ${bundle.label} from Maven Central (once; cached in ${root})`);
    const deps = bundle.dependencies.map((d) => `    <dependency><groupId>${d.groupId}</groupId><artifactId>${d.artifactId}</artifactId><version>${d.version}</version></dependency>`).join('\n');
    writeFileSync(join(work, 'pom.xml'), `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.zdp.cache</groupId><artifactId>${bundle.name}</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`);
    await mavenRun(mvn, ['dependency:copy-dependencies', `-DoutputDirectory=${join(work, 'lib')}`, '-DincludeScope=runtime'], work, env, bundle.label);
    writeFileSync(join(work, '.complete'), `${bundle.version}\n`);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(join(root, '..'), { recursive: true });
    renameSync(work, root);
    return lib;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Finding a Java runtime that can run Kafka, with a clear word when there is none. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EnvironmentError } from '../errors.js';

const run = promisify(execFile);

export const MIN_JAVA = 17;

/**
 * The JIT compilers of the JVMs zdp starts (brokers of `zdp dev`, MirrorMaker 2, proxies): on a
 * machine of two CPUs or fewer, C1 only. The optimizing compiler's threads take a core's share from
 * the clients exactly when they can spare it least: while a standby loads, and in the seconds after
 * a switch, when every client reconnects to a JVM that compiles its request path at once. Measured
 * in a fleet benchmark run on 2 vCPUs: the standbys took 34 % of a core in the 2.5 s after the
 * switch (11 % compiling) instead of 46-48 % (26-30 % compiling) with both compilers; and 140 s
 * into a run with both compilers, compiling was 29 % of the brokers' CPU and 35 % of MirrorMaker
 * 2's. On more CPUs the compilers run beside the clients, and the faster code is worth having.
 */
export function compilerArgs(cpus = availableParallelism()): string[] {
  return cpus <= 2 ? ['-XX:TieredStopAtLevel=1'] : [];
}

export interface JavaRuntime {
  bin: string;
  major: number;
  versionLine: string;
}

/** Parses the first line of `java -version` (stderr): `openjdk version "17.0.15" 2025-04-15`, `java version "1.8.0_392"`. */
export function parseJavaVersion(output: string): { major: number; line: string } | undefined {
  const line = output.split('\n').find((l) => /version "/.test(l));
  if (!line) return undefined;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(line);
  if (!m) return undefined;
  const first = Number(m[1]);
  const major = first === 1 && m[2] ? Number(m[2]) : first;
  return { major, line: line.trim() };
}

export async function findJava(env: NodeJS.ProcessEnv, minMajor = MIN_JAVA): Promise<JavaRuntime> {
  const fromHome = env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : undefined;
  const bin = fromHome && existsSync(fromHome) ? fromHome : 'java';
  let output: string;
  try {
    const result = await run(bin, ['-version'], { env, timeout: 30_000 });
    output = `${result.stderr}\n${result.stdout}`;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new EnvironmentError('JAVA_MISSING', `Java is not installed: zdp dev runs Apache Kafka, which needs Java ${minMajor} or newer`, {
        hint: `install a JDK ${minMajor}+ (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or set JAVA_HOME to one`,
        cause,
      });
    }
    const err = cause as { stderr?: string; stdout?: string };
    output = `${err.stderr ?? ''}\n${err.stdout ?? ''}`;
  }
  const parsed = parseJavaVersion(output);
  if (!parsed) {
    throw new EnvironmentError('JAVA_UNUSABLE', `could not tell which Java ${bin} is (no version in \`${bin} -version\`)`, {
      hint: `install a JDK ${minMajor}+ or set JAVA_HOME to one`,
    });
  }
  if (parsed.major < minMajor) {
    throw new EnvironmentError('JAVA_TOO_OLD', `Java ${parsed.major} is too old: Apache Kafka 4.x needs Java ${minMajor} or newer (found: ${parsed.line})`, {
      hint: `install a JDK ${minMajor}+ (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) and put it first on PATH, or set JAVA_HOME to it`,
    });
  }
  return { bin, major: parsed.major, versionLine: parsed.line };
}

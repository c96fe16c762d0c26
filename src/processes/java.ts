/** Finding a Java runtime that can run Kafka, with a clear word when there is none. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EnvironmentError } from '../errors.js';

const run = promisify(execFile);

export const MIN_JAVA = 17;

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

/**
 * `zdp dev` on machines that lack what it needs: no Java, a Java too old, neither Maven nor
 * KAFKA_HOME. The real CLI runs as a child process with a PATH built for each case.
 */
import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runZdp } from '../harness/helpers.js';

function binDir(links: Record<string, string>, scripts: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'zdp-bin-'));
  for (const [name, target] of Object.entries(links)) symlinkSync(target, join(dir, name));
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), body);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

const realJava = execFileSync('sh', ['-c', 'command -v java']).toString().trim();

function envWith(path: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: path, JAVA_HOME: '', KAFKA_HOME: '', MAVEN_HOME: '', ZDP_MVN: '', ZDP_CACHE_DIR: mkdtempSync(join(tmpdir(), 'zdp-cache-')), ...extra };
}

describe('zdp dev without its prerequisites', () => {
  it('says to install Java when there is none (exit 9)', async () => {
    const bin = binDir({ node: process.execPath });
    const r = await runZdp(['dev', 'up'], { cwd: mkdtempSync(join(tmpdir(), 'zdp-')), env: envWith(bin) });
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('error: Java is not installed');
    expect(r.stderr).toMatch(/hint: +install a JDK 17\+/);
  });

  it('says Java is too old and what to install (exit 9)', async () => {
    const bin = binDir({ node: process.execPath }, { java: '#!/bin/sh\necho \'openjdk version "11.0.21" 2023-10-17\' >&2\n' });
    const r = await runZdp(['dev', 'up'], { cwd: mkdtempSync(join(tmpdir(), 'zdp-')), env: envWith(bin) });
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('Java 11 is too old: Apache Kafka 4.x needs Java 17 or newer');
    expect(r.stderr).toContain('JAVA_HOME');
  });

  it('names both KAFKA_HOME and Maven when neither is there (exit 9)', async () => {
    const bin = binDir({ node: process.execPath, java: realJava });
    const r = await runZdp(['dev', 'up'], { cwd: mkdtempSync(join(tmpdir(), 'zdp-')), env: envWith(bin) });
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('KAFKA_HOME is not set and Maven (mvn) is not installed');
    expect(r.stderr).toMatch(/set KAFKA_HOME to an unpacked Apache Kafka release, or install Maven/);
  });
});

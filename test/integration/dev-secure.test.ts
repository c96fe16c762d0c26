/**
 * Local SCRAM clusters keep their secrets and their doors shut: the SCRAM password never appears on
 * a command line while the storage is formatted, and neither the broker's internal listener nor its
 * controller listener lets an unauthenticated client in (Kafka 4.x with TLS, and 3.9).
 */
import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { readRecord } from '../../src/processes/dev-clusters.js';
import { runZdp } from '../harness/helpers.js';

function commandLines(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function anonymousAdmin(port: number): Promise<string> {
  const kafka = new Kafka({ clientId: 'zdp-anon', brokers: [`127.0.0.1:${port}`], connectionTimeout: 3000, requestTimeout: 3000, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return 'connected';
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

// reads other processes' command lines from /proc, which only Linux has (zdp's CI and dev machines are Linux)
describe.runIf(process.platform === 'linux')('local SCRAM clusters', () => {
  const stateDir = inject('zdpStateDir');
  const dir = mkdtempSync(join(tmpdir(), 'zdp-dev-secure-'));
  afterAll(async () => {
    await runZdp(['dev', 'down', '--purge', '--yes'], { cwd: dir });
  });

  it('formats the storage without the SCRAM password on any command line', async () => {
    const seen = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const c of commandLines()) if (c.includes('java')) seen.add(c);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const up = await runZdp(['dev', 'up', 'argv-check', '--auth', 'scram', '--kafka-version', '4', '--json'], { cwd: dir, timeoutMs: 170_000 });
    sampling = false;
    await sampler;
    expect(up.code, up.stderr).toBe(0);
    const record = readRecord(join(dir, '.zdp'), 'argv-check')!;
    const password = readFileSync(join(dir, '.zdp', 'dev', 'argv-check', record.user!.passwordFile), 'utf8').trim();
    // the sampler saw the format step itself, so its silence about the password means something
    expect([...seen].some((c) => c.includes('ZdpStorageFormat.java'))).toBe(true);
    expect([...seen].filter((c) => c.includes(password))).toEqual([]);
    expect(up.stdout + up.stderr).not.toContain(password);
  });

  it.each(['secure', 'secure-legacy'])('lets no unauthenticated client in through the internal or controller listener (%s)', async (name) => {
    const record = readRecord(stateDir, name)!;
    expect(record.ports.internal).toBeDefined();
    expect(await anonymousAdmin(record.ports.internal!)).toMatch(/^refused/);
    expect(await anonymousAdmin(record.ports.controller)).toMatch(/^refused/);
  });
});

/**
 * A port zdp found free and another process took before the broker bound it (the test harness
 * starts four clusters at once, each picking ports): `dev up` starts the broker again on other free
 * ports instead of failing. The first ports zdp picks are made to be taken; everything else is real.
 */
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const taken = vi.hoisted(() => ({ port: 0, handed: false }));
vi.mock('../../src/processes/ports.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/processes/ports.js')>();
  return {
    ...real,
    // the first block handed out starts with a port a listener here holds
    freePorts: async (count: number, avoid?: ReadonlySet<number>) => {
      const ports = await real.freePorts(count, avoid);
      if (!taken.handed && taken.port > 0) {
        taken.handed = true;
        ports[0] = taken.port;
      }
      return ports;
    },
  };
});

const { prepareDists, startDevCluster, stopDevCluster } = await import('../../src/processes/dev-clusters.js');

describe('zdp dev up when another process takes a port before the broker binds it', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'zdp-port-race-'));
  // zdp's readiness probe may connect to it while the first broker fails: those are closed at once
  const holder = net.createServer((socket) => socket.destroy());
  afterAll(async () => {
    await stopDevCluster(stateDir, 'race');
    await new Promise((r) => holder.close(r));
  });

  it('starts the broker again on other free ports', async () => {
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    taken.port = (holder.address() as net.AddressInfo).port;
    const lines: string[] = [];
    const ctx = { stateDir, env: process.env, log: (l: string) => void lines.push(l), startTimeoutMs: 120_000 };
    const spec = { name: 'race', versionSpec: '4', auth: 'none' as const, tls: false };
    const prepared = await prepareDists([spec], ctx);
    const { record } = await startDevCluster(spec, ctx, prepared);
    expect(taken.handed).toBe(true);
    expect(record.ports.client).not.toBe(taken.port);
    expect(record.pid).toBeGreaterThan(0);
  }, 240_000);
});

/**
 * `zdp dev` end to end with a real broker of its own: start, idempotent start, status, logs, stop,
 * stop when nothing runs, a busy port, a broker that fails to start, and purge without a terminal.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runZdp } from '../harness/helpers.js';

describe('zdp dev lifecycle', () => {
  let dir: string;
  let busy: net.Server;
  let busyPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zdp-dev-'));
    busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    busyPort = (busy.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    busy?.close();
    await runZdp(['dev', 'down', '--purge', '--yes'], { cwd: dir });
  });

  it('refuses a port that is in use, naming the port and the flag (exit 9)', async () => {
    const r = await runZdp(['dev', 'up', 'solo', '--kafka-version', '4', '--port', String(busyPort)], { cwd: dir });
    expect(r.code).toBe(9);
    expect(r.stderr).toContain(`port 127.0.0.1:${busyPort} for cluster "solo" is already in use`);
    expect(r.stderr).toContain('--port');
  });

  it('starts a cluster, and starting it again is harmless', async () => {
    const first = await runZdp(['dev', 'up', 'solo', '--kafka-version', '4', '--json'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const up = JSON.parse(first.stdout);
    expect(up.kind).toBe('DevUp');
    expect(up.clusters[0]).toMatchObject({ name: 'solo', alreadyRunning: false, securityProtocol: 'PLAINTEXT' });
    expect(up.clusters[0].kafkaVersion).toMatch(/^4\./);

    const again = await runZdp(['dev', 'up', 'solo', '--json'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).clusters[0]).toMatchObject({ name: 'solo', alreadyRunning: true, pid: up.clusters[0].pid });

    const status = await runZdp(['dev', 'status', '--json'], { cwd: dir });
    expect(JSON.parse(status.stdout).clusters).toEqual([expect.objectContaining({ name: 'solo', state: 'running' })]);

    // the profile is found by name without any flag
    const check = await runZdp(['cluster', 'check', 'solo', '--json'], { cwd: dir });
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout).clusterId).toBe(up.clusters[0].clusterId);

    const logs = await runZdp(['dev', 'logs', 'solo', '-n', '5'], { cwd: dir });
    expect(logs.code).toBe(0);
    expect(logs.stdout.trim().split('\n').length).toBeGreaterThan(0);
  });

  it('stops exactly what it started, and says so when nothing runs', async () => {
    const { pid } = JSON.parse(readFileSync(join(dir, '.zdp/dev/solo/cluster.json'), 'utf8'));
    const down = await runZdp(['dev', 'down'], { cwd: dir });
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain('stopped solo');
    expect(() => process.kill(pid, 0)).toThrow();

    const again = await runZdp(['dev', 'down'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to stop: no local clusters are running');
  });

  it('shows the broker\'s last log lines when it fails to start (exit 9)', async () => {
    const meta = join(dir, '.zdp/dev/solo/data/meta.properties');
    writeFileSync(meta, readFileSync(meta, 'utf8').replace(/node\.id=1/, 'node.id=7'));
    const r = await runZdp(['dev', 'up', 'solo'], { cwd: dir });
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/local cluster "solo" \(Kafka 4\.[0-9.]+\) exited with code \d+ while starting/);
    expect(r.stderr).toMatch(/Last lines of its log:\n/);
    expect(r.stderr).toMatch(/node\.id|node id/i);
    expect(r.stderr).toContain('server.log');
  });

  it('asks before purging, and without a terminal names the flag (exit 2)', async () => {
    const r = await runZdp(['dev', 'down', 'solo', '--purge'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pass --yes');
    expect(existsSync(join(dir, '.zdp/dev/solo'))).toBe(true);
    const yes = await runZdp(['dev', 'down', 'solo', '--purge', '--yes'], { cwd: dir });
    expect(yes.code).toBe(0);
    expect(existsSync(join(dir, '.zdp/dev/solo'))).toBe(false);
  });

  it('reports a Kafka distribution that cannot run (exit 9) with the JVM\'s own words', async () => {
    const home = mkdtempSync(join(tmpdir(), 'zdp-badkafka-'));
    mkdirSync(join(home, 'libs'));
    writeFileSync(join(home, 'libs', 'kafka_2.13-4.4.0.jar'), 'not a jar');
    const r = await runZdp(['dev', 'up', 'broken'], { cwd: dir, env: { KAFKA_HOME: home } });
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('formatting the storage of local cluster "broken" failed');
    // the JVM's own words name what is wrong: the jar it could not open
    expect(r.stderr).toMatch(/kafka_2\.13-4\.4\.0\.jar|StorageTool/);
  });
});

/**
 * zdp cutover's preflight refuses, with the gateway left serving the source and nothing changed:
 * a topic missing on the target, records on the target that something other than MirrorMaker 2
 * wrote (parity mismatch), MirrorMaker 2 stopped with records not copied, and a gateway whose
 * proxy is gone. Real Kafka 3.9 -> 4.x, real MirrorMaker 2, real Kroxylicious.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTopics, eventually, gatewayUp, FIXTURE_PRODUCER, harnessKafka, harnessProfile, runZdp, uniqueName } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

async function produce(side: 'source' | 'target', topic: string, values: string[]): Promise<void> {
  const p = harnessKafka(projectDir, side).producer(FIXTURE_PRODUCER);
  await p.connect();
  await p.send({ topic, messages: values.map((value) => ({ partition: 0, key: value, value, timestamp: String(Date.now()) })) });
  await p.disconnect();
}

describe('zdp cutover preflight refuses and changes nothing', () => {
  const missing = uniqueName('pre.missing');
  const diverged = uniqueName('pre.diverged');
  const lagging = uniqueName('pre.lagging');
  let dir: string;
  const zdp = (args: string[], timeoutMs?: number) => runZdp(args, { cwd: dir, ...(timeoutMs ? { timeoutMs } : {}) });
  const gatewayServesSource = async () => {
    const s = await zdp(['gateway', 'status', '--json']);
    return JSON.parse(s.stdout) as { cluster: string; running: boolean };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zdp-preflight-'));
    writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [${harnessProfile(projectDir, 'source').bootstrapServers[0]}]}\n  target: {bootstrapServers: [${harnessProfile(projectDir, 'target').bootstrapServers[0]}]}\n`);
    await createTopics(harnessKafka(projectDir, 'source'), [{ topic: missing, numPartitions: 1 }, { topic: diverged, numPartitions: 1 }, { topic: lagging, numPartitions: 1 }]);
    await produce('source', diverged, ['a0', 'a1', 'a2']);
    await produce('source', lagging, ['b0', 'b1', 'b2']);
    expect((await zdp(['migrate', '--from', 'source', '--to', 'target', '--topic', diverged, '--topic', lagging, '--yes'])).code).toBe(0);
    const start = await zdp(['migrate', 'start', '--from', 'source', '--to', 'target', '--topic', diverged, '--topic', lagging]);
    expect(start.code, start.stderr).toBe(0);
    const status = await zdp(['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--timeout', '120'], 150_000);
    expect(status.code, status.stderr).toBe(0);
    const up = await gatewayUp(['--cluster', 'source', '--cover', 'target'], { cwd: dir });
    expect(up.code, up.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    if (!dir) return;
    await zdp(['gateway', 'down']);
    await zdp(['migrate', 'stop', '--from', 'source', '--to', 'target']);
  });

  it('refuses a topic missing on the target (exit 7)', async () => {
    const r = await zdp(['cutover', '--from', 'source', '--to', 'target', '--topic', missing, '--yes']);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain(`topic ${missing} missing on target`);
    expect(r.stderr).toContain('zdp migrate --from source --to target');
    expect(await gatewayServesSource()).toMatchObject({ cluster: 'source', running: true });
  });

  it('refuses when the target holds records MirrorMaker 2 did not copy (parity mismatch, exit 7)', async () => {
    await produce('target', diverged, ['intruder']);
    await produce('source', diverged, ['a3']);
    await eventually(async () => ((await zdp(['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--timeout', '30'])).code === 0 ? true : undefined), 90_000, 'MirrorMaker 2 to copy a3');
    const r = await zdp(['cutover', '--from', 'source', '--to', 'target', '--topic', diverged, '--yes']);
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).toContain('parity check failed before the cutover');
    expect(r.stderr).toContain(`${diverged}[0]`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await gatewayServesSource()).toMatchObject({ cluster: 'source', running: true });
  });

  it('refuses while MirrorMaker 2 is stopped with records not copied (exit 7)', async () => {
    expect((await zdp(['migrate', 'stop', '--from', 'source', '--to', 'target'])).stdout).toContain('MirrorMaker 2 stopped');
    await produce('source', lagging, ['b3', 'b4']);
    const r = await zdp(['cutover', '--from', 'source', '--to', 'target', '--topic', lagging, '--yes']);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('MirrorMaker 2 is not running and the target is 2 records behind');
    expect(r.stderr).toContain('zdp migrate start --from source --to target');
    expect(await gatewayServesSource()).toMatchObject({ cluster: 'source', running: true });
  });

  it('refuses when the gateway is unreachable (its proxy is gone, exit 7)', async () => {
    const record = JSON.parse(readFileSync(join(dir, '.zdp', 'gateway', 'gateway.json'), 'utf8')) as { pid: number };
    process.kill(record.pid, 'SIGKILL');
    await eventually(async () => ((await gatewayServesSource()).running ? undefined : true), 10_000, 'the proxy gone');
    const r = await zdp(['cutover', '--from', 'source', '--to', 'target', '--topic', lagging, '--yes']);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('the gateway (kroxylicious) is not running');
    expect(r.stderr).toContain('zdp gateway up');
  });
});

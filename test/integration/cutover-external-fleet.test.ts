/**
 * A gateway fleet zdp did not start, as a platform team deploys one (e.g. Kroxylicious pods on
 * Kubernetes): the test harness runs two Kroxylicious instances itself with zdp's launcher and
 * filter, each given both clusters' configs (-Dzdp.clusters) and a control endpoint with a token;
 * zdp.yaml lists their control endpoints. zdp starts and stops no proxy: the cutover drains, holds,
 * switches each instance in place and releases it through its control endpoint, with kafkajs
 * clients at their defaults on both instances; then rolls back the same way.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { check, readAllSeqs, Workload } from '../../src/demo/workload.js';
import { freePorts } from '../../src/processes/ports.js';
import { createTopics, eventually, freeBlock, harnessKafka, harnessProfile, runZdp, startSwitchableProxy, uniqueName, waitEveryGroupProcessed } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

interface Instance {
  name: string;
  listen: number;
  management: number;
  control: number;
  dir: string;
  child?: ChildProcess;
}

describe('zdp cutover of a gateway fleet zdp did not start, through its control endpoints', () => {
  const orders = uniqueName('xf.orders');
  const events = uniqueName('xf.events');
  const topics = [orders, events];
  const groups = [
    { group: uniqueName('xf-orders'), topics: [orders] },
    { group: uniqueName('xf-events'), topics: [events] },
  ];
  const source = harnessProfile(projectDir, 'source');
  const target = harnessProfile(projectDir, 'target');
  let dir: string;
  let instances: Instance[] = [];
  let workloads: Workload[] = [];

  async function startInstance(i: Instance): Promise<void> {
    i.child = await startSwitchableProxy({ dir: i.dir, clusters: { source: source.bootstrapServers, target: target.bootstrapServers }, current: 'source', listen: i.listen, management: i.management, control: i.control, tokenFile: join(dir, 'control.token') });
  }

  const status = async (cwd: string, extra: string[] = []) => {
    const r = await runZdp(['gateway', 'status', '--json', ...extra], { cwd });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { managedBy: string; instances: { name: string; cluster: string | null; phase: string | null; answering: boolean }[] };
  };

  beforeAll(async () => {
    await createTopics(harnessKafka(projectDir, 'source'), topics.map((topic) => ({ topic, numPartitions: 4 })));
    dir = mkdtempSync(join(tmpdir(), 'zdp-xfleet-'));
    writeFileSync(join(dir, 'control.token'), 'a-token-the-platform-team-keeps-in-a-secret\n', { mode: 0o600 });
    // each instance: a bootstrap port with its four node ports after it (a free block), management, control
    instances = [];
    for (let n = 0; n < 2; n++) {
      const listen = await freeBlock(5, new Set(instances.flatMap((i) => [i.listen, i.listen + 4, i.management, i.control])));
      const [management, control] = await freePorts(2, new Set([...instances.flatMap((i) => [i.management, i.control]), ...[0, 1, 2, 3, 4].map((k) => listen + k)]));
      instances.push({ name: `gw-${n}`, listen, management: management!, control: control!, dir: join(dir, `gw-${n}`) });
    }
    for (const i of instances) mkdirSync(i.dir);
    writeFileSync(join(dir, 'zdp.yaml'), [
      'apiVersion: zdp/v1',
      'clusters:',
      `  source: {bootstrapServers: [${source.bootstrapServers[0]}]}`,
      `  target: {bootstrapServers: [${target.bootstrapServers[0]}]}`,
      'gateway:',
      '  tokenFile: control.token',
      '  instances:',
      ...instances.map((i) => `    ${i.name}: {control: "http://127.0.0.1:${i.control}", bootstrap: "127.0.0.1:${i.listen}"}`),
      '',
    ].join('\n'));
    await Promise.all(instances.map((i) => startInstance(i)));
    const topicFlags = topics.flatMap((t) => ['--topic', t]);
    const apply = await runZdp(['migrate', '--from', 'source', '--to', 'target', ...topicFlags, '--yes'], { cwd: dir });
    expect(apply.code, apply.stderr).toBe(0);
    const [rest] = await freePorts(1);
    const start = await runZdp(['migrate', 'start', '--from', 'source', '--to', 'target', ...topicFlags, '--rest-port', String(rest)], { cwd: dir });
    expect(start.code, start.stderr).toBe(0);
    workloads = [
      new Workload({ bootstrap: `127.0.0.1:${instances[0]!.listen}`, clientId: uniqueName('xf-a'), topics: [{ topic: orders, partitions: 4, rate: 120, plain: true }], groups: [groups[0]!], defaultConsumers: true }),
      new Workload({ bootstrap: `127.0.0.1:${instances[1]!.listen}`, clientId: uniqueName('xf-b'), topics: [{ topic: events, partitions: 4, rate: 100 }], groups: [groups[1]!], defaultConsumers: true }),
    ];
    for (const w of workloads) await w.start();
    await eventually(async () => (workloads.every((w) => w.processed.length > 200) ? true : undefined), 120_000, 'clients producing and consuming through both instances');
    const lag = await runZdp(['migrate', 'status', '--from', 'source', '--to', 'target', '--wait', '--max-lag', '500', '--timeout', '120', '--json'], { cwd: dir, timeoutMs: 150_000 });
    expect(lag.code, lag.stderr).toBe(0);
  }, 360_000);

  afterAll(async () => {
    for (const w of workloads) await w.stop().catch(() => {});
    for (const i of instances) i.child?.kill('SIGKILL');
    if (dir) await runZdp(['migrate', 'stop', '--from', 'source', '--to', 'target'], { cwd: dir });
  });

  it('lists the instances zdp.yaml names, with the cluster and phase each one reports', async () => {
    const s = await status(dir);
    expect(s.managedBy).toBe('zdp.yaml');
    expect(s.instances.map((i) => [i.name, i.answering, i.cluster, i.phase])).toEqual([
      ['gw-0', true, 'source', 'serve'],
      ['gw-1', true, 'source', 'serve'],
    ]);
    // a switch by hand would go through the same endpoints; the dry run checks every instance knows the target
    const dry = await runZdp(['gateway', 'switch', '--to', 'target', '--dry-run', '--json'], { cwd: dir });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ kind: 'GatewaySwitch', dryRun: true, from: 'source', to: 'target', managedBy: 'zdp.yaml' });
  });

  it('refuses to start while an instance does not answer, naming it, and changes nothing', async () => {
    const [dead] = await freePorts(1);
    const other = join(dir, 'with-a-dead-instance.yaml');
    writeFileSync(other, readFileSync(join(dir, 'zdp.yaml'), 'utf8') + `    gw-2: {control: "http://127.0.0.1:${dead}", bootstrap: "127.0.0.1:${dead}"}\n`);
    const r = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--yes', '--json', '--config', other], { cwd: dir, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(7);
    expect(JSON.parse(r.stdout || r.stderr)).toMatchObject({ code: 'GATEWAY_DOWN' });
    expect(r.stderr + r.stdout).toContain('gw-2');
    const s = await status(dir);
    expect(s.instances.map((i) => [i.cluster, i.phase])).toEqual([['source', 'serve'], ['source', 'serve']]);
  });

  it('cuts over every instance in place: 0 lost, 0 read twice, 0 written twice; then rolls back the same way', async () => {
    const run = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--yes', '--json'], { cwd: dir, timeoutMs: 300_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ kind: 'CutoverReport', outcome: 'done', quiesce: { via: 'filter', instances: 2 } });
    expect((await status(dir)).instances.map((i) => [i.cluster, i.phase])).toEqual([['target', 'serve'], ['target', 'serve']]);
    const switchedAt = Date.now();
    await eventually(async () => (workloads.every((w) => w.processed.some((p) => p.at > switchedAt + 2_000)) ? true : undefined), 120_000, 'clients on the target through both instances');

    const back = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--rollback', '--confirm', 'source', '--json'], { cwd: dir, timeoutMs: 300_000 });
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ kind: 'RollbackReport', outcome: 'rolled-back', quiesce: { via: 'filter', instances: 2 } });
    expect((await status(dir)).instances.map((i) => [i.cluster, i.phase])).toEqual([['source', 'serve'], ['source', 'serve']]);
    const rolledAt = Date.now();
    await eventually(async () => (workloads.every((w) => w.processed.some((p) => p.at > rolledAt + 2_000)) ? true : undefined), 120_000, 'clients on the source again');

    for (const w of workloads) await w.stopProducers();
    const everyone = () => ({ acked: workloads.flatMap((w) => w.acked), aborted: [], uncertain: [], processed: workloads.flatMap((w) => w.processed) });
    await waitEveryGroupProcessed(everyone, groups, 180_000);
    const all = everyone();
    // every record acknowledged, before, between and after both switches, is on the source once
    const finalLog = await readAllSeqs(source.bootstrapServers[0]!, topics, all.acked.length, 120_000);
    const result = check(all, finalLog, groups);
    expect(result.acked).toBeGreaterThan(2000);
    expect(result.lost).toBe(0);
    expect(result.duplicatedInLog).toBe(0);
    for (const g of result.groups) expect(g, g.group).toMatchObject({ duplicates: 0, missing: 0 });
  }, 900_000);
});

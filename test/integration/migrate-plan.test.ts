/**
 * zdp migrate plan/apply from the Kafka 3.9 source to the Kafka 4.x target: topics and configs are
 * created (translated for the target's vendor), re-running changes nothing, drift is refused.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import kafkajs from 'kafkajs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { harnessKafka, harnessProfile, runZdp, uniqueName } from '../harness/helpers.js';
import { createTopicsAndWait } from '../../src/kafka/topics.js';

const projectDir = inject('zdpProjectDir');

async function admin<T>(kafka: Kafka, fn: (a: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
  const a = kafka.admin();
  await a.connect();
  try {
    return await fn(a);
  } finally {
    await a.disconnect();
  }
}

describe('zdp migrate plan and apply', () => {
  const prefix = uniqueName('mig');
  let dir: string;

  beforeAll(async () => {
    await admin(harnessKafka(projectDir, 'source'), (a) =>
      createTopicsAndWait(a, [
        { topic: `${prefix}.orders`, numPartitions: 6, configEntries: [{ name: 'retention.ms', value: '172800000' }, { name: 'min.insync.replicas', value: '1' }] },
        { topic: `${prefix}.customers`, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
        { topic: `${prefix}.short`, numPartitions: 4 },
      ]),
    );
    // a topic that already exists on the target with fewer partitions
    await admin(harnessKafka(projectDir, 'target'), (a) => createTopicsAndWait(a, [{ topic: `${prefix}.short`, numPartitions: 2 }]));
    dir = mkdtempSync(join(tmpdir(), 'zdp-migrate-'));
    const s = harnessProfile(projectDir, 'source');
    const t = harnessProfile(projectDir, 'target');
    // the target is treated as a Redpanda cluster: min.insync.replicas is dropped, with its reason
    writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [${s.bootstrapServers[0]}]}\n  target: {vendor: redpanda, bootstrapServers: [${t.bootstrapServers[0]}]}\n  down: {bootstrapServers: ["127.0.0.1:1"]}\n`);
  }, 120_000);

  it('plans create / drift with translated configs and writes a plan file', async () => {
    const r = await runZdp(['migrate', 'plan', '--from', 'source', '--to', 'target', '--topic', `${prefix}.*`, '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.kind).toBe('MigrationPlan');
    expect(plan.topics.map((t: { topic: string; action: string; blocking: boolean }) => [t.topic, t.action, t.blocking])).toEqual([
      [`${prefix}.customers`, 'create', false],
      [`${prefix}.orders`, 'create', false],
      [`${prefix}.short`, 'drift', true],
    ]);
    const orders = plan.topics[1];
    expect(orders).toMatchObject({ partitions: 6, replicationFactor: 1, configs: { 'retention.ms': '172800000' } });
    expect(orders.configChanges).toEqual([{ name: 'min.insync.replicas', action: 'drop', from: '1', reason: expect.stringContaining('Raft') }]);
    expect(JSON.parse(readFileSync(join(dir, plan.planFile), 'utf8')).topics).toHaveLength(3);
  });

  it('refuses to apply while a topic has fewer partitions on the target, creating nothing (exit 7)', async () => {
    const r = await runZdp(['migrate', 'apply', `.zdp/migrations/source-to-target/plan.json`, '--yes'], { cwd: dir });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('cannot receive the source\'s records; nothing was created');
    expect(r.stderr).toContain(`${prefix}.short: the target has 2 partitions, the source 4`);
    const topics = await admin(harnessKafka(projectDir, 'target'), (a) => a.listTopics());
    expect(topics).not.toContain(`${prefix}.orders`);
  });

  it('creates what is missing, and a second run changes nothing', async () => {
    const r = await runZdp(['migrate', '--from', 'source', '--to', 'target', '--topic', `${prefix}.orders`, '--topic', `${prefix}.customers`, '--yes', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).created).toEqual([`${prefix}.customers`, `${prefix}.orders`]);
    const described = await admin(harnessKafka(projectDir, 'target'), async (a) => ({
      meta: await a.fetchTopicMetadata({ topics: [`${prefix}.orders`] }),
      configs: await a.describeConfigs({ resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: `${prefix}.customers` }], includeSynonyms: false }),
    }));
    expect(described.meta.topics[0]!.partitions).toHaveLength(6);
    expect(described.configs.resources[0]!.configEntries.find((e) => e.configName === 'cleanup.policy')!.configValue).toBe('compact');
    const again = await runZdp(['migrate', '--from', 'source', '--to', 'target', '--topic', `${prefix}.orders`, '--topic', `${prefix}.customers`, '--yes', '--json'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: [], present: [`${prefix}.customers`, `${prefix}.orders`] });
  });

  it('says the target is unreachable (exit 4), and needs --yes without a terminal (exit 2)', async () => {
    const down = await runZdp(['migrate', 'plan', '--from', 'source', '--to', 'down'], { cwd: dir });
    expect(down.code).toBe(4);
    expect(down.stderr).toContain('cannot reach cluster "down" at 127.0.0.1:1');
    const noYes = await runZdp(['migrate', '--from', 'source', '--to', 'target', '--topic', `${prefix}.customers`, '--topic', `${prefix}.orders`], { cwd: dir });
    expect(noYes.code).toBe(0); // nothing to create: no question to ask
  });
});

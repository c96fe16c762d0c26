import { describe, expect, it } from 'vitest';
import { translateConfigs } from '../../src/core/migration/vendors.js';
import { planTopics, type ClusterSnapshot } from '../../src/core/migration/plan.js';

describe('vendor profiles', () => {
  it('passes Apache configs to Apache and MSK unchanged, but never another vendor\'s', () => {
    const configs = { 'retention.ms': '1000', 'cleanup.policy': 'compact', 'redpanda.remote.read': 'true' };
    expect(translateConfigs(configs, 'apache')).toEqual({ configs: { 'cleanup.policy': 'compact', 'retention.ms': '1000' }, changes: [{ name: 'redpanda.remote.read', action: 'drop', from: 'true', reason: 'redpanda.* configs belong to another vendor' }] });
    expect(translateConfigs({ 'retention.ms': '1000' }, 'msk').changes).toEqual([]);
  });

  it('drops and renames for Redpanda, with reasons', () => {
    const r = translateConfigs({ 'min.insync.replicas': '2', 'local.retention.ms': '3600000', 'retention.ms': '86400000', 'unclean.leader.election.enable': 'false' }, 'redpanda');
    expect(r.configs).toEqual({ 'retention.local.target.ms': '3600000', 'retention.ms': '86400000' });
    expect(r.changes.map((c) => [c.name, c.action])).toEqual([['local.retention.ms', 'rename'], ['min.insync.replicas', 'drop'], ['unclean.leader.election.enable', 'drop']]);
    expect(r.changes.every((c) => c.reason.length > 10)).toBe(true);
  });

  it('clamps into Confluent Cloud\'s ranges and reports only real changes', () => {
    const r = translateConfigs({ 'min.insync.replicas': '3', 'max.message.bytes': '1048588', 'segment.bytes': '1048576' }, 'confluent');
    expect(r.configs).toEqual({ 'max.message.bytes': '1048588', 'min.insync.replicas': '2', 'segment.bytes': '52428800' });
    expect(r.changes.map((c) => [c.name, c.from, c.to])).toEqual([['min.insync.replicas', '3', '2'], ['segment.bytes', '1048576', '52428800']]);
  });

  it('drops log-segment internals for AutoMQ', () => {
    expect(translateConfigs({ 'index.interval.bytes': '4096', 'retention.ms': '1' }, 'automq').configs).toEqual({ 'retention.ms': '1' });
  });
});

const snap = (cluster: string, vendor: ClusterSnapshot['vendor'], brokers: number, topics: ClusterSnapshot['topics']): ClusterSnapshot => ({ cluster, clusterId: `${cluster}-id`, vendor, brokers, topics });

describe('planTopics', () => {
  const source = snap('src', 'apache', 3, {
    orders: { name: 'orders', partitions: 6, replicationFactor: 3, configs: { 'retention.ms': '1000', 'min.insync.replicas': '2' } },
    users: { name: 'users', partitions: 3, replicationFactor: 3, configs: { 'cleanup.policy': 'compact' } },
    audit: { name: 'audit', partitions: 2, replicationFactor: 3, configs: {} },
    events: { name: 'events', partitions: 2, replicationFactor: 3, configs: {} },
  });

  it('plans create, present and drift, caps the replication factor by the target brokers', () => {
    const target = snap('dst', 'apache', 1, {
      users: { name: 'users', partitions: 3, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
      audit: { name: 'audit', partitions: 1, replicationFactor: 1, configs: {} },
      events: { name: 'events', partitions: 4, replicationFactor: 1, configs: { 'retention.ms': '5' } },
    });
    const plan = planTopics(source, target, ['users', 'orders', 'audit', 'events']);
    expect(plan.topics.map((t) => [t.topic, t.action, t.blocking])).toEqual([
      ['audit', 'drift', true],
      ['events', 'drift', false],
      ['orders', 'create', false],
      ['users', 'present', false],
    ]);
    expect(plan.topics.find((t) => t.topic === 'orders')).toMatchObject({ partitions: 6, replicationFactor: 1, configs: { 'min.insync.replicas': '2', 'retention.ms': '1000' } });
    expect(plan.topics[0]!.drift[0]).toContain('the target has 1 partition, the source 2');
    expect(plan.topics[1]!.drift).toEqual(['the target has 4 partitions, the source 2: the extra partitions stay empty and keys hash differently for new producers', 'retention.ms: target 5, plan (default)']);
    expect(plan.summary).toEqual({ create: 1, present: 1, drift: 2, blocking: 1, configChanges: 0 });
  });

  it('uses the vendor\'s replication factor and reports translated configs', () => {
    const plan = planTopics(source, snap('cc', 'confluent', 9, {}), ['orders']);
    expect(plan.topics[0]).toMatchObject({ action: 'create', replicationFactor: 3, configs: { 'min.insync.replicas': '2', 'retention.ms': '1000' } });
    const rp = planTopics(source, snap('rp', 'redpanda', 3, {}), ['orders']);
    expect(rp.topics[0]!.configs).toEqual({ 'retention.ms': '1000' });
    expect(rp.summary.configChanges).toBe(1);
  });
});

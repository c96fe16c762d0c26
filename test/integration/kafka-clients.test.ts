/**
 * kafkajs, as zdp builds it from profiles, against every harness cluster: Kafka 3.9, Kafka 4.x and a
 * SASL/SCRAM cluster over TLS. Produce, consume in a group, create topics, describe configs, list
 * and describe groups, fetch and set group offsets.
 */
import { describe, expect, inject, it } from 'vitest';
import { ConfigResourceTypes } from 'kafkajs';
import { eventually, harnessKafka, uniqueName } from '../harness/helpers.js';
import { createTopicsAndWait } from '../../src/kafka/topics.js';

const projectDir = inject('zdpProjectDir');

describe.each(['source', 'target', 'secure'])('kafkajs on the %s cluster', (cluster) => {
  it('creates a topic, produces, consumes in a group, and reads and sets group offsets', async () => {
    const kafka = harnessKafka(projectDir, cluster);
    const admin = kafka.admin();
    // idempotent: a retried send on a busy broker (just after the topic was created) writes nothing twice
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const topic = uniqueName(`it.${cluster}`);
    const groupId = uniqueName(`g.${cluster}`);
    await admin.connect();
    await producer.connect();
    try {
      await createTopicsAndWait(admin, [{ topic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }, { name: 'cleanup.policy', value: 'delete' }] }]);
      const listed = await admin.listTopics();
      expect(listed).toContain(topic);

      const configs = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }], includeSynonyms: false });
      const entries = new Map(configs.resources[0]!.configEntries.map((e) => [e.configName, e]));
      expect(entries.get('retention.ms')?.configValue).toBe('3600000');
      expect(entries.get('retention.ms')?.isDefault).toBe(false);
      expect(entries.get('cleanup.policy')?.configValue).toBe('delete');

      const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 6}`, value: JSON.stringify({ n: i }), headers: { source: 'zdp-test', seq: String(i) } }));
      const acks = await producer.send({ topic, messages });
      expect(acks.length).toBeGreaterThan(0);

      const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const seen: { n: number; header: string; key: string }[] = [];
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({ n: JSON.parse(message.value!.toString()).n, header: message.headers!.source!.toString(), key: message.key!.toString() });
        },
      });
      await eventually(async () => (seen.length >= 30 ? true : undefined), 60_000, 'all 30 messages');
      expect(seen.map((s) => s.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(new Set(seen.map((s) => s.header))).toEqual(new Set(['zdp-test']));

      const live = await admin.describeGroups([groupId]);
      expect(live.groups[0]!.state).toBe('Stable');
      expect(live.groups[0]!.members.length).toBe(1);

      // committed offsets add up to what was produced
      const committed = await eventually(async () => {
        const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
        const total = offsets[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
        return total === 30 ? offsets : undefined;
      }, 30_000, 'committed offsets');
      expect(committed[0]!.partitions.length).toBe(3);
      await consumer.disconnect();

      const groups = await admin.listGroups();
      expect(groups.groups.map((g) => g.groupId)).toContain(groupId);
      const described = await admin.describeGroups([groupId]);
      expect(described.groups[0]!.state).toBe('Empty');

      // set offsets while the group is empty, then read them back
      await admin.setOffsets({ groupId, topic, partitions: [0, 1, 2].map((partition) => ({ partition, offset: '1' })) });
      const after = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(after[0]!.partitions.map((p) => p.offset)).toEqual(['1', '1', '1']);

      const ends = await admin.fetchTopicOffsets(topic);
      expect(ends.reduce((sum, p) => sum + Number(p.high), 0)).toBe(30);
    } finally {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    }
  });
});

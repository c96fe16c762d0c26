/**
 * The batched reads of the Kafka adapter against real brokers (Kafka 3.9 in plain text, 4.x in
 * plain text, 4.x with SASL/SCRAM over TLS), with kafkajs's admin as the oracle: ListOffsets for
 * many topics at once (earliest, last stable, high watermark with an open transaction above it),
 * and OffsetFetch of every partition a group committed, filtered to the asked topics.
 */
import { describe, expect, inject, it } from 'vitest';
import { committedOffsetsPartial, committedOffsets } from '../../src/kafka/groups.js';
import { commitAsAdmin } from '../../src/kafka/offset-commit.js';
import { highWatermarks, listOffsets } from '../../src/kafka/reader.js';
import { createTopics, harnessKafka, harnessProfile, uniqueName } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

describe.each(['source', 'target', 'secure'])('the Kafka adapter on %s', (cluster) => {
  const profile = () => harnessProfile(projectDir, cluster);

  it('lists the offsets of many topics in one go, as kafkajs reads them topic by topic', async () => {
    const kafka = harnessKafka(projectDir, cluster);
    const topics = [uniqueName('adapter.a'), uniqueName('adapter.b'), uniqueName('adapter.c')];
    await createTopics(kafka, topics.map((topic, i) => ({ topic, numPartitions: i + 1 })));
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: topics[1]!, messages: Array.from({ length: 40 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) });
    await producer.disconnect();
    // an open transaction on topic c: its last stable offset stays below its high watermark
    const txProducer = kafka.producer({ transactionalId: uniqueName('adapter-tx'), idempotent: true, maxInFlightRequests: 1 });
    await txProducer.connect();
    const tx = await txProducer.transaction();
    await tx.send({ topic: topics[2]!, messages: [{ partition: 0, value: 'open' }] });

    const listed = await listOffsets(kafka, profile(), topics);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const oracle = (await Promise.all(topics.map(async (topic) => (await admin.fetchTopicOffsets(topic)).map((o) => ({ topic, partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }))))).flat();
      expect(listed).toEqual(oracle.sort((a, b) => topics.indexOf(a.topic) - topics.indexOf(b.topic) || a.partition - b.partition));
      expect(listed.filter((o) => o.topic === topics[1]).reduce((n, o) => n + o.high, 0n)).toBe(40n);
      // last stable offset (read_committed) vs high watermark (read_uncommitted) on the open transaction
      const stable = listed.find((o) => o.topic === topics[2] && o.partition === 0)!.high;
      const hw = (await highWatermarks(kafka, profile(), [topics[2]!])).get(`${topics[2]}\u00000`)!.high;
      expect(hw).toBeGreaterThan(stable);
    } finally {
      await tx.abort();
      await txProducer.disconnect();
      await admin.disconnect();
    }
  });

  it('reads what each group committed, many groups at once, only on the asked topics', async () => {
    const kafka = harnessKafka(projectDir, cluster);
    const [asked, other] = [uniqueName('adapter.asked'), uniqueName('adapter.other')];
    await createTopics(kafka, [{ topic: asked, numPartitions: 4 }, { topic: other, numPartitions: 1 }]);
    const groups = Array.from({ length: 12 }, (_, i) => uniqueName(`adapter-g${i}`));
    for (const [i, g] of groups.entries()) {
      await commitAsAdmin(kafka, g, [{ topic: asked, partition: i % 4, offset: BigInt(i) }, { topic: other, partition: 0, offset: 7n }]);
    }
    const neverCommitted = uniqueName('adapter-none');
    const result = await committedOffsetsPartial(kafka, profile(), [...groups, neverCommitted], [asked]);
    expect(result.errors.size).toBe(0);
    expect(result.offsets.map((o) => `${o.group}:${o.topic}:${o.partition}:${o.offset}`)).toEqual(groups.map((g, i) => `${g}:${asked}:${i % 4}:${i}`).sort());
    // the same through the all-or-nothing form, and kafkajs's admin agrees group by group
    expect(await committedOffsets(kafka, profile(), groups, [asked])).toEqual(result.offsets);
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const [i, g] of groups.entries()) {
        const [t] = await admin.fetchOffsets({ groupId: g, topics: [asked] });
        expect(t!.partitions.filter((p) => Number(p.offset) >= 0).map((p) => `${p.partition}:${p.offset}`)).toEqual([`${i % 4}:${i}`]);
      }
    } finally {
      await admin.disconnect();
    }
  });
});

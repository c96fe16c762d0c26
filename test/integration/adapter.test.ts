/**
 * The batched reads of the Kafka adapter against real brokers (Kafka 3.9 in plain text, 4.x in
 * plain text, 4.x with SASL/SCRAM over TLS), with kafkajs's admin as the oracle: ListOffsets for
 * many topics at once (earliest, last stable, high watermark with an open transaction above it),
 * and OffsetFetch of every partition a group committed, filtered to the asked topics; and partial
 * results where the broker refuses some topics and groups.
 */
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import kafkajs, { type Kafka } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import type { ClusterProfile } from '../../src/config/types.js';
import { compareParity } from '../../src/core/offsets/parity.js';
import { KafkaCluster } from '../../src/kafka/cluster.js';
import { committedOffsetsPartial, committedOffsets } from '../../src/kafka/groups.js';
import { clusterFactory, commitAsAdmin } from '../../src/kafka/offset-commit.js';
import { freshCluster, highWatermarks, listOffsets } from '../../src/kafka/reader.js';
import { gatherParity } from '../../src/offsets/parity.js';
import { createTopics, eventually, harnessKafka, harnessProfile, uniqueName } from '../harness/helpers.js';

const require = createRequire(import.meta.url);
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;
interface KafkaEncoder { writeUVarInt(n: number): KafkaEncoder; writeUVarIntString(s: string): KafkaEncoder; writeInt8(n: number): KafkaEncoder; writeInt32(n: number): KafkaEncoder; writeUVarIntBytes(b: Buffer): KafkaEncoder }
interface KafkaDecoder { readTaggedFields(): unknown; readInt32(): number; readInt16(): number; readUVarIntString(): string | null; readUVarIntArray<T>(f: (d: KafkaDecoder) => T): T[] }

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
      await commitAsAdmin(freshCluster(kafka), g, [{ topic: asked, partition: i % 4, offset: BigInt(i) }, { topic: other, partition: 0, offset: 7n }]);
    }
    const neverCommitted = uniqueName('adapter-none');
    const result = await committedOffsetsPartial(freshCluster(kafka), profile(), [...groups, neverCommitted], [asked]);
    expect(result.errors.size).toBe(0);
    expect(result.offsets.map((o) => `${o.group}:${o.topic}:${o.partition}:${o.offset}`)).toEqual(groups.map((g, i) => `${g}:${asked}:${i % 4}:${i}`).sort());
    // the same through the all-or-nothing form, and kafkajs's admin agrees group by group
    expect(await committedOffsets(freshCluster(kafka), profile(), groups, [asked])).toEqual(result.offsets);
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

/**
 * A user the broker's authorizer lets describe one topic and one group but not the others: Kafka
 * answers the batched requests with errors for some topics and groups only. The adapter returns
 * what it could read with the error of each topic or group beside it, and parity reports the
 * partitions it could not read as errors while it still compares the rest.
 */
describe('partial results from a broker that refuses some topics and groups (SCRAM over TLS, StandardAuthorizer)', () => {
  const Encoder = require('kafkajs/src/protocol/encoder') as new () => KafkaEncoder;
  const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => KafkaDecoder;

  /** AlterUserScramCredentials v0 (flexible; kafkajs has no admin call for it): one user, both SCRAM mechanisms. */
  async function addScramUser(kafka: Kafka, user: string, password: string): Promise<void> {
    const cluster = clusterFactory<{ connect(): Promise<void>; disconnect(): Promise<void>; refreshMetadata(): Promise<void>; brokerPool: { metadata: { brokers: { nodeId: number }[] } }; findBroker(b: { nodeId: number }): Promise<{ connectionPool: { send(r: object): Promise<unknown> } }> }>(kafka)({});
    await cluster.connect();
    try {
      await cluster.refreshMetadata();
      const broker = await cluster.findBroker({ nodeId: cluster.brokerPool.metadata.brokers[0]!.nodeId });
      // one request per mechanism: Kafka refuses two alterations of one user in one request (DUPLICATE_RESOURCE)
      for (const [mechanism, digest, bytes] of [[1, 'sha256', 32], [2, 'sha512', 64]] as const) {
        const salt = randomBytes(24);
        const salted = pbkdf2Sync(password, salt, 4096, bytes, digest);
        const result = (await broker.connectionPool.send({
          request: {
            apiKey: 51,
            apiVersion: 0,
            apiName: 'AlterUserScramCredentials',
            encode: async () =>
              // request header v2 = kafkajs's header v1 + empty tagged fields; no deletions, one upsertion
              new Encoder().writeUVarInt(0).writeUVarInt(1).writeUVarInt(2).writeUVarIntString(user).writeInt8(mechanism).writeInt32(4096).writeUVarIntBytes(salt).writeUVarIntBytes(salted).writeUVarInt(0).writeUVarInt(0),
          },
          response: {
            decode: async (raw: Buffer) => {
              const d = new Decoder(raw);
              d.readTaggedFields(); // response header v1
              d.readInt32(); // throttle
              return { results: d.readUVarIntArray((r) => ({ user: r.readUVarIntString(), errorCode: r.readInt16(), message: r.readUVarIntString(), tags: r.readTaggedFields() })) };
            },
            parse: async (data: unknown) => data,
          },
        })) as { results: { user: string; errorCode: number; message: string | null }[] };
        expect(result.results.map((r) => [r.user, r.errorCode, r.message])).toEqual([[user, 0, null]]);
      }
    } finally {
      await cluster.disconnect();
    }
  }

  it('lists offsets and committed offsets of what the user may see, with the refused topics and groups beside them', async () => {
    const admin = harnessProfile(projectDir, 'secure');
    const kafka = harnessKafka(projectDir, 'secure');
    const [allowed, refused] = [uniqueName('partial.allowed'), uniqueName('partial.refused')];
    const [readable, hidden] = [uniqueName('partial-g-ok'), uniqueName('partial-g-no')];
    await createTopics(kafka, [{ topic: allowed, numPartitions: 3 }, { topic: refused, numPartitions: 2 }]);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (const topic of [allowed, refused]) await producer.send({ topic, messages: Array.from({ length: 30 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) });
    await producer.disconnect();
    for (const g of [readable, hidden]) await commitAsAdmin(freshCluster(kafka), g, [{ topic: allowed, partition: 0, offset: 5n }, { topic: allowed, partition: 1, offset: 7n }]);

    const user = uniqueName('zdp-limited');
    const password = randomBytes(18).toString('base64url');
    await addScramUser(kafka, user, password);
    const a = kafka.admin();
    await a.connect();
    try {
      const allow = (resourceType: number, resourceName: string, operation: number) => ({ resourceType, resourceName, resourcePatternType: ResourcePatternTypes.LITERAL, principal: `User:${user}`, host: '*', operation, permissionType: AclPermissionTypes.ALLOW });
      // DESCRIBE on the cluster lists every group, so the hidden one is named but its offsets refused
      await a.createAcls({ acl: [allow(AclResourceTypes.TOPIC, allowed, AclOperationTypes.DESCRIBE), allow(AclResourceTypes.GROUP, readable, AclOperationTypes.DESCRIBE), allow(AclResourceTypes.CLUSTER, 'kafka-cluster', AclOperationTypes.DESCRIBE)] });
    } finally {
      await a.disconnect();
    }
    process.env.ZDP_TEST_LIMITED_PASSWORD = password;
    const limited: ClusterProfile = { ...admin, name: 'secure-limited', sasl: { ...admin.sasl!, username: user, password: { key: 'clusters.secure-limited.sasl.passwordEnv', env: 'ZDP_TEST_LIMITED_PASSWORD' } } };

    // ACLs reach the broker's authorizer a moment after CreateAcls returns
    const listed = await eventually(async () => {
      const r = await KafkaCluster.with(limited, { env: process.env }, (c) => c.listOffsetsPartial([allowed, refused]));
      return r.offsets.length === 3 ? r : undefined;
    }, 30_000, 'the ACLs to apply');
    const oracle = await listOffsets(kafka, admin, [allowed]);
    expect(listed.offsets).toEqual(oracle);
    expect([...listed.errors.keys()]).toEqual([refused]);
    expect(listed.errors.get(refused)).toMatchObject({ code: 'NOT_AUTHORIZED', category: 'auth' });
    expect(listed.errors.get(refused)!.message).toMatch(/topic authorization failed/);

    await KafkaCluster.with(limited, { env: process.env }, async (c) => {
      // the all-or-nothing form refuses, naming why
      await expect(c.listOffsets([allowed, refused])).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' });
      const committed = await c.committedOffsetsPartial([readable, hidden], [allowed]);
      expect(committed.offsets.map((o) => `${o.group}:${o.partition}:${o.offset}`)).toEqual([`${readable}:0:5`, `${readable}:1:7`]);
      expect([...committed.errors.keys()]).toEqual([hidden]);
      expect(committed.errors.get(hidden)).toMatchObject({ code: 'NOT_AUTHORIZED' });
      // group reads share one connection per cluster; the refusal retired it, and the next read connects again
      const again = await c.committedOffsetsPartial([readable], [allowed]);
      expect(again.errors.size).toBe(0);
      expect(again.offsets).toEqual(committed.offsets);
    });

    // parity, the limited user on one side: the refused topic's partitions and the refused group are errors, the rest is compared
    const snapshot = await KafkaCluster.with(limited, { env: process.env }, (source) =>
      KafkaCluster.with(admin, { env: process.env }, (target) => gatherParity(source, target, { topics: [allowed, refused], groupPatterns: [readable, hidden], tail: 0 })),
    );
    expect(snapshot.groups).toEqual([readable, hidden].sort());
    expect([...(snapshot.groupErrors ?? new Map()).keys()]).toEqual([hidden]);
    expect(snapshot.groupErrors!.get(hidden)).toMatch(/^secure-limited: .*group authorization failed/i);
    expect(snapshot.committed.map((o) => `${o.group}:${o.topic}:${o.partition}:${o.offset}`)).toEqual([`${readable}:${allowed}:0:5`, `${readable}:${allowed}:1:7`]);
    expect([...(snapshot.errors ?? new Map()).keys()].sort()).toEqual([`${refused}\u00000`, `${refused}\u00001`]);
    const report = compareParity(snapshot, []);
    expect(report.partitions.filter((p) => p.status === 'error').map((p) => `${p.topic}[${p.partition}]`).sort()).toEqual([`${refused}[0]`, `${refused}[1]`]);
    expect(report.groupErrors).toEqual([{ group: hidden, reason: snapshot.groupErrors!.get(hidden) }]);
    expect(report.summary).toMatchObject({ errors: 3, groupErrors: 1 });
    expect(snapshot.sourceEnds.size).toBe(3);
  }, 120_000);
});

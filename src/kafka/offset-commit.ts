/**
 * Offsets written the way Kafka's own AdminClient.alterConsumerGroupOffsets does it: one
 * OffsetCommit to the group coordinator with generation -1 and no member id, accepted by the broker
 * only while the group is empty. kafkajs's admin.setOffsets instead joins the group with a
 * temporary consumer per topic (seconds of rebalancing each), so zdp reaches kafkajs's broker layer
 * (same connection, TLS and SASL handling) through its cluster factory. kafkajs 2.2.4 is its last
 * release; the shape used here is pinned by the integration tests.
 */
import type { Kafka } from 'kafkajs';
import type { ClusterLease } from './reader.js';
import { retryRetriable } from './retry.js';

interface KafkajsBroker {
  offsetCommit(request: { groupId: string; groupGenerationId: number; memberId: string; retentionTime?: number; topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }): Promise<{ responses: { topic: string; partitions: { partition: number; errorCode: number }[] }[] }>;
}

interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<KafkajsBroker>;
  brokerPool: { seedBroker?: { findGroupCoordinator(request: { groupId: string }): Promise<unknown> } };
}

/**
 * The group's coordinator. kafkajs's cluster answers "Failed to find group coordinator" whatever
 * the brokers said (it tries each broker and drops their errors), so the seed broker is asked once
 * more and its own error thrown (GROUP_AUTHORIZATION_FAILED, COORDINATOR_NOT_AVAILABLE, ...).
 */
export async function findCoordinator<B>(cluster: { findGroupCoordinator(request: { groupId: string }): Promise<B>; brokerPool: KafkajsCluster['brokerPool'] }, groupId: string): Promise<B> {
  try {
    return await cluster.findGroupCoordinator({ groupId });
  } catch (error) {
    const seed = cluster.brokerPool.seedBroker;
    if ((error as { name?: string }).name !== 'KafkaJSGroupCoordinatorNotFound' || !seed) throw error;
    await seed.findGroupCoordinator({ groupId });
    throw error;
  }
}

/** kafkajs's own cluster (brokers, TLS, SASL, retries) built from a Kafka instance; shared with the Fetch reader. */
export function clusterFactory<C = KafkajsCluster>(kafka: Kafka): (options: Record<string, unknown>) => C {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const factory = symbol ? (kafka as unknown as Record<symbol, unknown>)[symbol] : undefined;
  if (typeof factory !== 'function') throw new Error('this kafkajs build does not expose its cluster factory (zdp needs kafkajs 2.2.x)');
  return factory as (options: Record<string, unknown>) => C;
}

export class OffsetCommitError extends Error {
  constructor(
    message: string,
    readonly errorCode: number,
  ) {
    super(message);
  }
}

/** Commits offsets for an empty group (the broker answers UNKNOWN_MEMBER_ID / 25 or REBALANCE_IN_PROGRESS / 27 if it has members). */
export async function commitAsAdmin(via: ClusterLease, groupId: string, offsets: readonly { topic: string; partition: number; offset: bigint }[]): Promise<void> {
  const leased = await via.acquire();
  const cluster = leased as unknown as KafkajsCluster;
  let failed = true;
  try {
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const o of offsets) (byTopic.get(o.topic) ?? byTopic.set(o.topic, []).get(o.topic)!).push({ partition: o.partition, offset: o.offset.toString() });
    const request = { groupId, groupGenerationId: -1, memberId: '', retentionTime: -1, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) };
    // a coordinator that is still loading the group's offsets, or that moved, is asked again
    const response = await retryRetriable(async () => (await findCoordinator(cluster, groupId)).offsetCommit(request)).catch((e: unknown) => {
      // kafkajs raises the coordinator's refusal (a group with members) as a protocol error: an answer, the connection is fine
      if ((e as { name?: string }).name === 'KafkaJSProtocolError') failed = false;
      throw e;
    });
    failed = false;
    const refused = response.responses.flatMap((t) => t.partitions.filter((p) => p.errorCode !== 0).map((p) => ({ ...p, topic: t.topic })));
    if (refused.length > 0) throw new OffsetCommitError(`the coordinator refused offsets for ${refused.map((f) => `${f.topic}[${f.partition}] (error ${f.errorCode})`).join(', ')}`, refused[0]!.errorCode);
  } finally {
    // the coordinator's answer is an answer; a request that failed retires a shared connection
    await via.release(leased, failed);
  }
}

/** Creates topics and waits for their leaders (the adapter's KafkaCluster reads them). */
import type { Admin } from 'kafkajs';
import type { ClusterProfile } from '../config/types.js';
import type { TopicPlanItem } from '../core/migration/plan.js';
import { mapKafkaError, withDeadline } from './client.js';

/**
 * Creates topics, then waits until every partition has a leader. kafkajs's own wait
 * (`waitForLeaders`) rides out LEADER_NOT_AVAILABLE only; a busy KRaft broker also answers
 * "does not host this topic-partition" for a moment after CreateTopics returned, so the metadata is
 * polled here until it is complete. Topics that already exist count as created.
 */
export async function createTopicsAndWait(admin: Admin, topics: Parameters<Admin['createTopics']>[0]['topics'], timeoutMs = 60_000): Promise<void> {
  if (topics.length === 0) return;
  await admin.createTopics({ waitForLeaders: false, timeout: timeoutMs, topics });
  await waitForLeaders(admin, topics.map((t) => t.topic), timeoutMs);
}

/** a new topic's partition that is not ready yet: an answer to wait out, not a failure */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER']);

function notYet(error: unknown): boolean {
  // kafkajs's fetchTopicOffsets reads its own metadata cache: a broker that does not know the topic
  // yet leaves it without partitions, and kafkajs fails destructuring an empty answer
  if (error instanceof TypeError) return true;
  const e = error as { type?: string; originalError?: { type?: string }; cause?: { type?: string } };
  return [e.type, e.originalError?.type, e.cause?.type].some((t) => t !== undefined && NOT_YET.has(t));
}

/**
 * Polls `topics` until each exists, every partition has a leader in the metadata, and every leader
 * answers for its partition (a ListOffsets). A broker publishes a new leader in its metadata a
 * moment before it hosts the partition: a Produce in between is refused with NOT_LEADER_OR_FOLLOWER
 * for that partition only, and a producer without idempotence (kafkajs's default) then sends the
 * whole request again, writing the other partitions' records twice.
 */
export async function waitForLeaders(admin: Admin, topics: readonly string[], timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const { topics: described } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const ready = described.length === topics.length && described.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (ready) {
        await Promise.all(topics.map((t) => admin.fetchTopicOffsets(t)));
        return;
      }
      last = new Error(`partitions without a leader: ${described.flatMap((t) => t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}[${p.partitionId}]`)).join(', ')}`);
    } catch (error) {
      if (!notYet(error)) throw error;
      last = error;
    }
    if (performance.now() > deadline) throw last;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates the plan's `create` topics; returns the names created. */
export async function createPlannedTopics(admin: Admin, profile: ClusterProfile, items: readonly TopicPlanItem[]): Promise<string[]> {
  const create = items.filter((i) => i.action === 'create');
  if (create.length === 0) return [];
  const timeoutMs = Math.max(profile.timeoutMs, 60_000);
  await withDeadline(profile, 'creating topics', () =>
    createTopicsAndWait(
      admin,
      create.map((i) => ({
        topic: i.topic,
        numPartitions: i.partitions,
        replicationFactor: i.replicationFactor,
        configEntries: Object.entries(i.configs).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs,
    ),
    timeoutMs,
  ).catch((e: unknown) => {
    throw mapKafkaError(e, profile, 'create topics request');
  });
  return create.map((i) => i.topic);
}

/** End offsets (low/high) of topics, per partition. */

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

/** Polls the metadata of `topics` until each exists and every partition has a leader. */
export async function waitForLeaders(admin: Admin, topics: readonly string[], timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const { topics: described } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const ready = described.length === topics.length && described.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (ready) return;
      last = new Error(`partitions without a leader: ${described.flatMap((t) => t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}[${p.partitionId}]`)).join(', ')}`);
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw error;
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

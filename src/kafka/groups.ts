/** Consumer groups: committed offsets on selected topics, states, and offset writes. */
import type { Admin, Kafka } from 'kafkajs';
import { CheckFailedError } from '../errors.js';
import { commitAsAdmin, OffsetCommitError } from './offset-commit.js';
import type { ClusterProfile } from '../config/types.js';
import { globMatcher } from '../core/sampling.js';
import { mapKafkaError, withDeadline } from './client.js';

export interface GroupOffset {
  group: string;
  topic: string;
  partition: number;
  offset: bigint;
  metadata: string | null;
}

const GROUP_CONCURRENCY = 8;

/** Groups zdp, Connect and the console tools create for themselves: never migrated. */
export const TOOL_GROUPS = [/^zdp-/, /^connect-/, /^console-consumer-/, /^__/, /^mm2-check/];

export function selectGroups(all: readonly string[], patterns: readonly string[]): string[] {
  const res = patterns.map(globMatcher);
  return all.filter((g) => (res.length === 0 ? !TOOL_GROUPS.some((re) => re.test(g)) : res.some((re) => re.test(g)))).sort();
}

export async function listGroupIds(admin: Admin, profile: ClusterProfile): Promise<string[]> {
  try {
    const { groups } = await withDeadline(profile, 'listing groups', () => admin.listGroups());
    return groups.map((g) => g.groupId).sort();
  } catch (e) {
    throw mapKafkaError(e, profile, 'list groups request');
  }
}

/** Committed offsets (>= 0) of `groups` on `topics`. */
export async function committedOffsets(admin: Admin, profile: ClusterProfile, groups: readonly string[], topics: readonly string[]): Promise<GroupOffset[]> {
  const out: GroupOffset[] = [];
  if (topics.length === 0) return out;
  // one OffsetFetch per group to its coordinator, GROUP_CONCURRENCY groups in flight (kafkajs
  // speaks OffsetFetch below v8, so many groups cannot share one request)
  const queue = [...groups];
  const worker = async () => {
    for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
      const g = group;
      let offsets;
      try {
        offsets = await withDeadline(profile, 'fetching group offsets', () => admin.fetchOffsets({ groupId: g, topics: [...topics] }));
      } catch (e) {
        throw mapKafkaError(e, profile, `offset fetch for group ${g}`);
      }
      for (const t of offsets) for (const p of t.partitions) if (Number(p.offset) >= 0) out.push({ group: g, topic: t.topic, partition: p.partition, offset: BigInt(p.offset), metadata: p.metadata ?? null });
    }
  };
  await Promise.all(Array.from({ length: Math.min(GROUP_CONCURRENCY, groups.length) }, worker));
  return out.sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

export interface GroupState {
  group: string;
  state: string;
  members: number;
}

export async function groupStates(admin: Admin, profile: ClusterProfile, groups: readonly string[]): Promise<GroupState[]> {
  if (groups.length === 0) return [];
  try {
    const { groups: described } = await withDeadline(profile, 'describing groups', () => admin.describeGroups([...groups]));
    return described.map((g) => ({ group: g.groupId, state: g.state, members: g.members.length }));
  } catch (e) {
    throw mapKafkaError(e, profile, 'describe groups request');
  }
}

/** Writes offsets for an empty (or absent) group; the broker refuses while members are active. */
export async function writeGroupOffsets(kafka: Kafka, profile: ClusterProfile, group: string, offsets: readonly { topic: string; partition: number; offset: bigint }[]): Promise<void> {
  try {
    await withDeadline(profile, 'writing group offsets', () => commitAsAdmin(kafka, group, offsets), Math.max(profile.timeoutMs, 30_000));
  } catch (e) {
    if (e instanceof OffsetCommitError && (e.errorCode === 25 || e.errorCode === 27)) {
      throw new CheckFailedError('GROUP_ACTIVE', `group ${group} on cluster "${profile.name}" has members: ${e.message}`, { hint: 'stop its consumers, then run again' });
    }
    throw mapKafkaError(e, profile, `offset commit for group ${group}`);
  }
}

/** Consumer groups: committed offsets on selected topics, states, and offset writes. */
import kafkajs, { type Admin } from 'kafkajs';
import { CheckFailedError, type ZdpError } from '../errors.js';
import { createRequire } from 'node:module';
import { commitAsAdmin, findCoordinator, OffsetCommitError } from './offset-commit.js';
import type { ClusterLease } from './reader.js';
import { forEachLimited, retryRetriable } from './retry.js';
import type { ClusterProfile } from '../config/types.js';
import { mapKafkaError, withDeadline } from './client.js';

export interface GroupOffset {
  group: string;
  topic: string;
  partition: number;
  offset: bigint;
  metadata: string | null;
}

const require = createRequire(import.meta.url);
const GROUP_CONCURRENCY = 8;

export async function listGroupIds(admin: Admin, profile: ClusterProfile): Promise<string[]> {
  try {
    const { groups } = await withDeadline(profile, 'listing groups', () => admin.listGroups());
    return groups.map((g) => g.groupId).sort();
  } catch (e) {
    throw mapKafkaError(e, profile, 'list groups request');
  }
}

/** Per-group results, as franz-go's kadm returns them: what could be read, and why the rest could not. */
export interface CommittedOffsetsResult {
  offsets: GroupOffset[];
  /** group -> the error its coordinator gave (the other groups' offsets stand) */
  errors: Map<string, ZdpError>;
}

interface CoordinatorPool {
  send(request: { request: unknown; response: unknown }): Promise<unknown>;
}
interface GroupCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<{ connectionPool: CoordinatorPool }>;
  brokerPool: { seedBroker?: { findGroupCoordinator(request: { groupId: string }): Promise<unknown> } };
}

const Encoder = require('kafkajs/src/protocol/encoder') as new () => { writeString(s: string): { writeInt32(n: number): unknown } };
const OffsetFetchV3Response = require('kafkajs/src/protocol/requests/offsetFetch/v3/response') as unknown;

/**
 * OffsetFetch v3 with a null topic array: every partition the group committed, as Kafka's own
 * AdminClient.listConsumerGroupOffsets asks. kafkajs's admin names every partition of every topic
 * instead (10,000 entries per group for 10,000 partitions, where a group may have committed on 200).
 */
function offsetFetchAll(groupId: string): unknown {
  return { apiKey: 9, apiVersion: 3, apiName: 'OffsetFetch', encode: async () => new Encoder().writeString(groupId).writeInt32(-1) };
}

/**
 * Committed offsets (>= 0) of `groups` on `topics`, with one error per group that failed: one
 * OffsetFetch per group to its coordinator, GROUP_CONCURRENCY groups in flight, a coordinator that
 * moved or is loading asked again.
 */
export async function committedOffsetsPartial(via: ClusterLease, profile: ClusterProfile, groups: readonly string[], topics: readonly string[]): Promise<CommittedOffsetsResult> {
  const out: GroupOffset[] = [];
  const errors = new Map<string, ZdpError>();
  if (topics.length === 0 || groups.length === 0) return { offsets: out, errors };
  const wanted = new Set(topics);
  let leased: Awaited<ReturnType<ClusterLease['acquire']>>;
  try {
    leased = await withDeadline(profile, 'connecting', () => via.acquire());
  } catch (e) {
    throw mapKafkaError(e, profile, 'connection');
  }
  const cluster = leased as unknown as GroupCluster;
  const fetchOne = (g: string) =>
    retryRetriable(async () => {
      const coordinator = await findCoordinator(cluster, g);
      return (await coordinator.connectionPool.send({ request: offsetFetchAll(g), response: OffsetFetchV3Response })) as { responses: { topic: string; partitions: { partition: number; offset: string; metadata: string | null }[] }[] };
    });
  const readGroup = async (g: string) => {
    try {
      const { responses } = await withDeadline(profile, 'fetching group offsets', () => fetchOne(g));
      for (const t of responses) {
        if (!wanted.has(t.topic)) continue;
        for (const p of t.partitions) if (Number(p.offset) >= 0) out.push({ group: g, topic: t.topic, partition: p.partition, offset: BigInt(p.offset), metadata: p.metadata ?? null });
      }
    } catch (e) {
      errors.set(g, mapKafkaError(e, profile, `offset fetch for group ${g}`));
    }
  };
  try {
    await forEachLimited(groups, GROUP_CONCURRENCY, readGroup);
  } finally {
    // a shared connection that failed a group is retired: its metadata or connections may be why
    await via.release(leased, errors.size > 0);
  }
  out.sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { offsets: out, errors };
}

/** Committed offsets (>= 0) of `groups` on `topics`; the first group that fails fails the call. */
export async function committedOffsets(via: ClusterLease, profile: ClusterProfile, groups: readonly string[], topics: readonly string[]): Promise<GroupOffset[]> {
  const { offsets, errors } = await committedOffsetsPartial(via, profile, groups, topics);
  const first = [...errors.keys()].sort()[0];
  if (first !== undefined) throw errors.get(first)!;
  return offsets;
}

export interface GroupState {
  group: string;
  state: string;
  members: number;
  /** each member's client id and assigned partitions (consumer protocol; empty when not decodable) */
  clients: { clientId: string; assignment: { topic: string; partition: number }[] }[];
}

/** A consumer-protocol assignment (any version: topic partitions first, user data after). */
function decodeAssignment(buffer: Buffer | undefined): { topic: string; partition: number }[] {
  if (!buffer || buffer.length < 6) return [];
  try {
    const decoded = kafkajs.AssignerProtocol.MemberAssignment.decode(buffer);
    return Object.entries(decoded?.assignment ?? {}).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
  } catch {
    return [];
  }
}

export async function groupStates(admin: Admin, profile: ClusterProfile, groups: readonly string[]): Promise<GroupState[]> {
  if (groups.length === 0) return [];
  try {
    const { groups: described } = await withDeadline(profile, 'describing groups', () => admin.describeGroups([...groups]));
    return described.map((g) => ({
      group: g.groupId,
      state: g.state,
      members: g.members.length,
      clients: g.protocolType === 'consumer' || g.protocolType === '' ? g.members.map((m) => ({ clientId: m.clientId, assignment: decodeAssignment(m.memberAssignment) })) : [],
    }));
  } catch (e) {
    throw mapKafkaError(e, profile, 'describe groups request');
  }
}

/** Writes offsets for an empty (or absent) group; the broker refuses while members are active. */
export async function writeGroupOffsets(via: ClusterLease, profile: ClusterProfile, group: string, offsets: readonly { topic: string; partition: number; offset: bigint }[]): Promise<void> {
  try {
    await withDeadline(profile, 'writing group offsets', () => commitAsAdmin(via, group, offsets), Math.max(profile.timeoutMs, 30_000));
  } catch (e) {
    // kafkajs raises the coordinator's answer as a protocol error; zdp's own check as OffsetCommitError
    const type = (e as { type?: string }).type;
    if ((e instanceof OffsetCommitError && (e.errorCode === 25 || e.errorCode === 27)) || type === 'UNKNOWN_MEMBER_ID' || type === 'REBALANCE_IN_PROGRESS') {
      throw new CheckFailedError('GROUP_ACTIVE', `group ${group} on cluster "${profile.name}" has members: ${(e as Error).message}`, { hint: 'stop its consumers, then run again' });
    }
    throw mapKafkaError(e, profile, `offset commit for group ${group}`);
  }
}

/**
 * Parity between a source cluster and its MirrorMaker 2 copy, gathered: both clusters read at once
 * (end offsets, committed offsets, MM2's syncs and checkpoints), then the exact translations read
 * in batched windows; the comparison itself is src/core/offsets/parity.ts, pure.
 */
import { compareParity, parityRequests, type ParityReport, type ParitySnapshot } from '../core/offsets/parity.js';
import { selectGroups } from '../core/sampling.js';
import { isWholeClusterError } from '../errors.js';
import { readCheckpoints, readOffsetSyncs, tpKey, translateOffsets, type PartitionEnds, type Side } from './translation.js';

export { recordsBetween, type GroupParity, type ParityReport, type PartitionParity } from '../core/offsets/parity.js';

export interface ParityOptions {
  topics: string[];
  groupPatterns: string[];
  tail: number;
}

/** Reads what parity compares, from both clusters at once, each in as few round trips as its brokers allow. */
export async function gatherParity(source: Side, target: Side, options: ParityOptions): Promise<ParitySnapshot> {
  const [targetTopicList, sourceGroups, targetGroupList] = await Promise.all([target.listTopics(), source.listGroupIds(), target.listGroupIds()]);
  const targetTopics = new Set(targetTopicList);
  const present = options.topics.filter((t) => targetTopics.has(t));
  const groups = selectGroups(sourceGroups, options.groupPatterns);
  const targetGroups = new Set(targetGroupList);
  const [sourceListed, targetListed, sourceCommitted, targetCommittedRead, syncs, checkpoints] = await Promise.all([
    source.listOffsetsPartial(options.topics),
    target.listOffsetsPartial(present),
    source.committedOffsetsPartial(groups, options.topics),
    target.committedOffsetsPartial(groups.filter((g) => targetGroups.has(g)), present),
    readOffsetSyncs(source),
    readCheckpoints(target),
  ]);
  const ends = (listed: readonly PartitionEnds[]) => new Map(listed.map((o) => [tpKey(o.topic, o.partition), o]));
  const sourceEnds = ends(sourceListed.offsets);
  const targetEnds = ends(targetListed.offsets);
  // a topic one side would not list is an error on each of its partitions the other side knows
  const errors = new Map<string, string>();
  const partitionsOf = (listed: readonly PartitionEnds[], topic: string) => listed.filter((e) => e.topic === topic).map((e) => e.partition);
  for (const [topic, e] of sourceListed.errors) {
    const known = partitionsOf(targetListed.offsets, topic);
    for (const p of known.length > 0 ? known : [-1]) errors.set(tpKey(topic, p), `${source.profile.name}: ${e.message}`);
  }
  for (const [topic, e] of targetListed.errors) for (const p of partitionsOf(sourceListed.offsets, topic)) errors.set(tpKey(topic, p), `${target.profile.name}: ${e.message}`);
  // a group whose offsets one side would not give (not authorized, coordinator gone) is an error of its own; the other groups stand
  const groupErrors = new Map<string, string>();
  for (const [side, read] of [[source, sourceCommitted], [target, targetCommittedRead]] as const) {
    for (const [group, e] of [...read.errors].sort(([a], [b]) => a.localeCompare(b))) {
      // the whole cluster out of reach is no partial result
      if (isWholeClusterError(e)) throw e;
      if (!groupErrors.has(group)) groupErrors.set(group, `${side.profile.name}: ${e.message}`);
    }
  }
  const targetCommitted = new Map<string, bigint>();
  for (const o of targetCommittedRead.offsets) targetCommitted.set(`${o.group}\u0000${tpKey(o.topic, o.partition)}`, o.offset);
  return { topics: options.topics, groups, targetTopics, sourceEnds, targetEnds, committed: sourceCommitted.offsets, targetCommitted, syncs, checkpoints, ...(errors.size > 0 ? { errors } : {}), ...(groupErrors.size > 0 ? { groupErrors } : {}) };
}

export async function runParity(source: Side, target: Side, options: ParityOptions): Promise<ParityReport> {
  const snapshot = await gatherParity(source, target, options);
  const translated = await translateOffsets(source, target, parityRequests(snapshot, options.tail), { syncs: snapshot.syncs, sourceEnds: snapshot.sourceEnds, targetEnds: snapshot.targetEnds });
  return compareParity(snapshot, translated);
}

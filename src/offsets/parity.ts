/**
 * Parity between a source cluster and its MirrorMaker 2 copy: per partition, end offsets and a
 * fingerprint check of the newest records; per group and partition, the committed source offset,
 * zdp's exact target equivalent, the target's own commit, and what MM2's checkpoint would give
 * (with the records a consumer would re-read or skip by trusting it).
 */
import { mm2Translate, type Translation } from '../core/offsets/translate.js';
import { committedOffsets, listGroupIds, selectGroups, type GroupOffset } from '../kafka/groups.js';
import { endOffsets, readCheckpoints, readOffsetSyncs, tpKey, translateOffsets, type PartitionEnds, type Side } from './translation.js';

export interface GroupParity {
  group: string;
  topic: string;
  partition: number;
  sourceCommitted: bigint;
  translation: Translation;
  /** zdp's target offset, when there is one */
  exact?: bigint;
  targetCommitted?: bigint;
  /** MM2's checkpoint (or its translation from the syncs when no checkpoint was emitted yet) */
  mm2?: bigint;
  mm2From?: 'checkpoint' | 'offset-syncs';
  /** records a consumer would read twice (positive) or skip (negative) starting at mm2 instead of exact */
  mm2Error?: number;
  status: 'ok' | 'lagging' | 'mismatch' | 'out-of-range';
}

export interface PartitionParity {
  topic: string;
  partition: number;
  source: PartitionEnds;
  target?: PartitionEnds;
  tailChecked: number;
  tailMatched: number;
  anchor?: string;
  status: 'ok' | 'lagging' | 'mismatch' | 'missing';
  reason?: string;
}

export interface ParityReport {
  topics: string[];
  groups: string[];
  partitions: PartitionParity[];
  offsets: GroupParity[];
  summary: { partitions: number; ok: number; lagging: number; mismatch: number; groupPartitions: number; mm2ReRead: number; mm2Skipped: number };
}

export interface ParityOptions {
  topics: string[];
  groupPatterns: string[];
  tail: number;
}

export async function runParity(source: Side, target: Side, options: ParityOptions): Promise<ParityReport> {
  const targetTopics = new Set(await target.admin.listTopics());
  const present = options.topics.filter((t) => targetTopics.has(t));
  const [sourceEnds, targetEnds] = await Promise.all([endOffsets(source, options.topics), endOffsets(target, present)]);
  const groups = selectGroups(await listGroupIds(source.admin, source.profile), options.groupPatterns);
  const committed = await committedOffsets(source.admin, source.profile, groups, options.topics);
  const targetGroups = new Set(await listGroupIds(target.admin, target.profile));
  const targetCommitted = new Map<string, bigint>();
  for (const o of await committedOffsets(target.admin, target.profile, groups.filter((g) => targetGroups.has(g)), present)) targetCommitted.set(`${o.group}\u0000${tpKey(o.topic, o.partition)}`, o.offset);
  const [syncs, checkpoints] = await Promise.all([readOffsetSyncs(source), readCheckpoints(target)]);

  const partitions: PartitionParity[] = [];
  const requests = [];
  const byTp = new Map<string, GroupOffset[]>();
  for (const o of committed) (byTp.get(tpKey(o.topic, o.partition)) ?? byTp.set(tpKey(o.topic, o.partition), []).get(tpKey(o.topic, o.partition))!).push(o);
  for (const [key, s] of [...sourceEnds].sort(([a], [b]) => a.localeCompare(b))) {
    const t = targetEnds.get(key);
    if (!t) {
      partitions.push({ topic: s.topic, partition: s.partition, source: s, tailChecked: 0, tailMatched: 0, status: 'missing', reason: targetTopics.has(s.topic) ? `partition ${s.partition} is missing on the target (fewer partitions)` : 'topic is missing on the target' });
      continue;
    }
    requests.push({ topic: s.topic, partition: s.partition, committed: [...new Set((byTp.get(key) ?? []).map((o) => o.offset))], tail: options.tail });
  }
  const translated = await translateOffsets(source, target, requests, { syncs, sourceEnds, targetEnds });
  const offsets: GroupParity[] = [];
  for (const p of translated) {
    const key = tpKey(p.topic, p.partition);
    const tail = p.tail ?? { checked: 0, matched: 0 };
    const diverged = [...p.results.values()].find((r) => r.kind === 'diverged');
    const status: PartitionParity['status'] = tail.mismatch || diverged ? 'mismatch' : tail.matched < tail.checked ? 'lagging' : 'ok';
    partitions.push({
      topic: p.topic,
      partition: p.partition,
      source: p.source,
      target: p.target,
      tailChecked: tail.checked,
      tailMatched: tail.matched,
      anchor: `${p.anchor.kind} ${p.anchor.source}->${p.anchor.target}`,
      status,
      ...(tail.mismatch ? { reason: tail.mismatch } : diverged?.kind === 'diverged' ? { reason: diverged.reason } : tail.matched < tail.checked ? { reason: `${tail.checked - tail.matched} of the newest ${tail.checked} source records not on the target yet` } : {}),
    });
    for (const o of byTp.get(key) ?? []) {
      const translation = p.results.get(o.offset)!;
      const exact = translation.kind === 'exact' || translation.kind === 'caught-up' ? translation.target : undefined;
      const cp = checkpoints.get(`${o.group}\u0000${key}`);
      const fromSyncs = cp ? undefined : mm2Translate(syncs.get(key) ?? [], o.offset);
      const mm2 = cp && cp.upstream === o.offset ? cp.downstream : fromSyncs;
      const row: GroupParity = {
        group: o.group,
        topic: o.topic,
        partition: o.partition,
        sourceCommitted: o.offset,
        translation,
        status: translation.kind === 'diverged' ? 'mismatch' : translation.kind === 'not-replicated' ? 'lagging' : exact === undefined ? 'out-of-range' : 'ok',
      };
      if (exact !== undefined) row.exact = exact;
      const tc = targetCommitted.get(`${o.group}\u0000${key}`);
      if (tc !== undefined) row.targetCommitted = tc;
      if (mm2 !== undefined) {
        row.mm2 = mm2;
        row.mm2From = cp && cp.upstream === o.offset ? 'checkpoint' : 'offset-syncs';
        if (exact !== undefined) row.mm2Error = recordsBetween(p.targetOffsets, mm2, exact);
      }
      offsets.push(row);
    }
  }
  partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  offsets.sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return {
    topics: options.topics,
    groups,
    partitions,
    offsets,
    summary: {
      partitions: partitions.length,
      ok: partitions.filter((p) => p.status === 'ok').length,
      lagging: partitions.filter((p) => p.status === 'lagging').length,
      mismatch: partitions.filter((p) => p.status === 'mismatch' || p.status === 'missing').length + offsets.filter((o) => o.status === 'mismatch').length,
      groupPartitions: offsets.length,
      mm2ReRead: offsets.reduce((n, o) => n + Math.max(0, o.mm2Error ?? 0), 0),
      mm2Skipped: offsets.reduce((n, o) => n + Math.max(0, -(o.mm2Error ?? 0)), 0),
    },
  };
}

/**
 * Data records between two target offsets (positive when `from` < `to`: records re-read). Counted
 * from the target window when it covers the range, else the offset difference (an upper bound).
 */
export function recordsBetween(windowOffsets: readonly bigint[], from: bigint, to: bigint): number {
  if (from === to) return 0;
  const [lo, hi, sign] = from < to ? [from, to, 1] : [to, from, -1];
  if (windowOffsets.length > 0 && windowOffsets[0]! <= lo) return sign * windowOffsets.filter((o) => o >= lo && o < hi).length;
  return sign * Number(hi - lo);
}

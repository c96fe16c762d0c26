/**
 * Parity as a pure comparison: what the gathered snapshots of two clusters (end offsets, committed
 * offsets, MirrorMaker 2's syncs and checkpoints) say, and the exact translations read for them.
 * No network, no terminal: src/offsets/parity.ts gathers, this computes. Per partition and group,
 * one row; a partition whose gathering failed is reported with its error, the others stand.
 */
import { mm2Translate, parseTpKey, tpKey, type PartitionEnds, type PartitionTranslation, type Translation } from './translate.js';
import type { Checkpoint, OffsetSync } from './mm2-types.js';

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
  status: 'ok' | 'lagging' | 'mismatch' | 'missing' | 'error';
  reason?: string;
}

export interface ParityReport {
  topics: string[];
  groups: string[];
  partitions: PartitionParity[];
  offsets: GroupParity[];
  /** groups whose offsets could not be read: their rows are missing from `offsets` (source) or lack targetCommitted (target) */
  groupErrors: { group: string; reason: string }[];
  /** errors: partitions plus groups that could not be read */
  summary: { partitions: number; ok: number; lagging: number; mismatch: number; errors: number; groupErrors: number; groupPartitions: number; mm2ReRead: number; mm2Skipped: number };
}

export interface CommittedOffset {
  group: string;
  topic: string;
  partition: number;
  offset: bigint;
}

/** Everything parity needs from the two clusters, as read. */
export interface ParitySnapshot {
  topics: string[];
  groups: string[];
  targetTopics: ReadonlySet<string>;
  sourceEnds: ReadonlyMap<string, PartitionEnds>;
  targetEnds: ReadonlyMap<string, PartitionEnds>;
  committed: readonly CommittedOffset[];
  /** the target's own commits, by group\0topic\0partition */
  targetCommitted: ReadonlyMap<string, bigint>;
  syncs: ReadonlyMap<string, OffsetSync[]>;
  /** by group\0topic\0partition */
  checkpoints: ReadonlyMap<string, Checkpoint>;
  /** partitions whose offsets could not be read, by topic\0partition: the reason */
  errors?: ReadonlyMap<string, string>;
  /** groups whose committed offsets could not be read (on either cluster), by group: the reason */
  groupErrors?: ReadonlyMap<string, string>;
}

export interface TranslationRequestOf {
  topic: string;
  partition: number;
  committed: bigint[];
  tail: number;
}

/** What to translate: every partition both sides have, with the distinct offsets groups committed there. */
export function parityRequests(snapshot: ParitySnapshot, tail: number): TranslationRequestOf[] {
  const committedAt = groupByPartition(snapshot.committed);
  const out: TranslationRequestOf[] = [];
  for (const [key, s] of [...snapshot.sourceEnds].sort(([a], [b]) => a.localeCompare(b))) {
    if (!snapshot.targetEnds.has(key) || snapshot.errors?.has(key)) continue;
    out.push({ topic: s.topic, partition: s.partition, committed: [...new Set((committedAt.get(key) ?? []).map((o) => o.offset))], tail });
  }
  return out;
}

function groupByPartition(committed: readonly CommittedOffset[]): Map<string, CommittedOffset[]> {
  const byTp = new Map<string, CommittedOffset[]>();
  for (const o of committed) {
    const key = tpKey(o.topic, o.partition);
    (byTp.get(key) ?? byTp.set(key, []).get(key)!).push(o);
  }
  return byTp;
}

/** The report: partitions and group offsets compared, from the snapshot and the translations read for it. */
export function compareParity(snapshot: ParitySnapshot, translated: readonly PartitionTranslation[]): ParityReport {
  const committedAt = groupByPartition(snapshot.committed);
  const partitions: PartitionParity[] = [];
  for (const [key, reason] of snapshot.errors ?? []) {
    const s = snapshot.sourceEnds.get(key);
    const { topic, partition } = parseTpKey(key);
    partitions.push({ topic, partition, source: s ?? { topic, partition, low: -1n, high: -1n }, tailChecked: 0, tailMatched: 0, status: 'error', reason });
  }
  for (const [key, s] of snapshot.sourceEnds) {
    if (snapshot.targetEnds.has(key) || snapshot.errors?.has(key)) continue;
    partitions.push({ topic: s.topic, partition: s.partition, source: s, tailChecked: 0, tailMatched: 0, status: 'missing', reason: snapshot.targetTopics.has(s.topic) ? `partition ${s.partition} is missing on the target (fewer partitions)` : 'topic is missing on the target' });
  }
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
    for (const o of committedAt.get(key) ?? []) {
      const translation = p.results.get(o.offset)!;
      const exact = translation.kind === 'exact' || translation.kind === 'caught-up' ? translation.target : undefined;
      const cp = snapshot.checkpoints.get(`${o.group}\u0000${key}`);
      const fromSyncs = cp ? undefined : mm2Translate(snapshot.syncs.get(key) ?? [], o.offset);
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
      const tc = snapshot.targetCommitted.get(`${o.group}\u0000${key}`);
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
  const groupErrors = [...(snapshot.groupErrors ?? [])].map(([group, reason]) => ({ group, reason })).sort((a, b) => a.group.localeCompare(b.group));
  const partitionErrors = partitions.filter((p) => p.status === 'error').length;
  return {
    topics: snapshot.topics,
    groups: snapshot.groups,
    partitions,
    offsets,
    groupErrors,
    summary: {
      partitions: partitions.length,
      ok: partitions.filter((p) => p.status === 'ok').length,
      lagging: partitions.filter((p) => p.status === 'lagging').length,
      mismatch: partitions.filter((p) => p.status === 'mismatch' || p.status === 'missing').length + offsets.filter((o) => o.status === 'mismatch').length,
      errors: partitionErrors + groupErrors.length,
      groupErrors: groupErrors.length,
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

/**
 * The window planner of exact offset translation, pure: which record windows to read on each side
 * for each (topic, partition), and, after each read, which partitions are answered and how the
 * others' windows grow (the source window to reach a committed offset, the target window to find a
 * copy, or the next anchor when the first one leads nowhere). src/offsets/translation.ts reads the
 * windows it names, round by round; nothing here touches the network.
 */
import { tpKey, translate, walk, type FpRecord, type PartitionEnds, type PartitionTranslation, type TailCheck, type Translation } from './translate.js';
import type { OffsetSync } from './mm2-types.js';

export interface TranslationRequest {
  topic: string;
  partition: number;
  /** committed source offsets to translate (several groups may share a partition) */
  committed: bigint[];
  /** also fingerprint-check the last `tail` source data records against the target */
  tail?: number;
}

/** One partition being translated: its request, both logs' ends, the anchors to try, the windows and what was read in them. */
export interface WindowState {
  req: TranslationRequest;
  source: PartitionEnds;
  target: PartitionEnds;
  anchors: { kind: 'journal' | 'offset-sync' | 'partition-start'; source: bigint; target: bigint }[];
  sourceTo: bigint;
  targetTo: bigint;
  srcRecords: FpRecord[];
  tgtRecords: FpRecord[];
}

export interface PlanInputs {
  sourceEnds: ReadonlyMap<string, PartitionEnds>;
  targetEnds: ReadonlyMap<string, PartitionEnds>;
  syncs: ReadonlyMap<string, readonly OffsetSync[]>;
  anchors?: ReadonlyMap<string, { source: bigint; target: bigint }> | undefined;
  slack: bigint;
}

/** First windows for every request; partitions with nothing to read are answered at once. */
export function planWindows(requests: readonly TranslationRequest[], inputs: PlanInputs): { pending: WindowState[]; done: PartitionTranslation[] } {
  const { sourceEnds, targetEnds, syncs, slack } = inputs;
  const states: WindowState[] = [];
  for (const req of requests) {
    const key = tpKey(req.topic, req.partition);
    const s = sourceEnds.get(key);
    const t = targetEnds.get(key);
    if (!s || !t) throw new RangeError(`partition ${req.partition} of ${req.topic} is missing on the ${s ? 'target' : 'source'}`);
    const inRange = req.committed.filter((c) => c >= s.low && c < s.high);
    const tailFrom = req.tail ? (s.high - BigInt(req.tail) * 4n > s.low ? s.high - BigInt(req.tail) * 4n : s.low) : undefined;
    const lowest = [...inRange, ...(tailFrom !== undefined && s.high > s.low ? [tailFrom] : [])].reduce<bigint | undefined>((m, c) => (m === undefined || c < m ? c : m), undefined);
    const anchors: WindowState['anchors'] = [];
    if (lowest !== undefined) {
      const sync = (syncs.get(key) ?? []).filter((x) => x.upstream <= lowest && x.upstream >= s.low && x.downstream >= t.low && x.downstream < t.high).pop();
      const given = inputs.anchors?.get(key);
      if (given && given.source <= lowest && given.source >= s.low && given.target >= t.low && given.target <= t.high) anchors.push({ kind: 'journal', ...given });
      if (sync) anchors.push({ kind: 'offset-sync', source: sync.upstream, target: sync.downstream });
      anchors.push({ kind: 'partition-start', source: s.low, target: t.low });
    }
    const highest = inRange.reduce((m, c) => (c > m ? c : m), tailFrom !== undefined ? s.high - 1n : s.low);
    const anchor = anchors[0] ?? { kind: 'partition-start' as const, source: s.low, target: t.low };
    const sourceTo = min(s.high, highest + slack);
    states.push({ req, source: s, target: t, anchors, sourceTo, targetTo: req.tail ? t.high : min(t.high, anchor.target + (sourceTo - anchor.source) * 2n + slack), srcRecords: [], tgtRecords: [] });
  }

  const done: PartitionTranslation[] = [];
  for (const st of states.filter((x) => x.anchors.length === 0)) {
    // every committed offset lies outside the log (at its end, below its start or beyond it): no records to read
    const results = new Map(st.req.committed.map((c) => [c, translate({ committed: c, sourceLogStart: st.source.low, sourceEnd: st.source.high, targetEnd: st.target.high, source: [], target: [], sourceComplete: true })] as const));
    done.push(finish(st, results, { kind: 'partition-start', source: st.source.low, target: st.target.low }));
  }
  return { pending: states.filter((st) => st.anchors.length > 0), done };
}

/**
 * After a read of every pending window: the partitions now answered, and the others with their
 * windows grown for the next read. `last` answers everything with what was read.
 */
export function advanceWindows(pending: readonly WindowState[], slack: bigint, last: boolean): { done: PartitionTranslation[]; next: WindowState[] } {
  const out: PartitionTranslation[] = [];
  const next: WindowState[] = [];
  for (const st of pending) {
    const anchor = st.anchors[0]!;
    const results = new Map<bigint, Translation>();
    let grow: 'source' | 'target' | 'anchor' | undefined;
    for (const c of st.req.committed) {
      if (c < st.source.low || c >= st.source.high) {
        results.set(c, translate({ committed: c, sourceLogStart: st.source.low, sourceEnd: st.source.high, targetEnd: st.target.high, source: [], target: [], sourceComplete: true }));
        continue;
      }
      const sourceComplete = st.sourceTo >= st.source.high;
      if (!sourceComplete && !st.srcRecords.some((r) => r.offset >= c)) {
        grow = 'source';
        continue;
      }
      const r = translate({ committed: c, sourceLogStart: st.source.low, sourceEnd: st.source.high, targetEnd: st.target.high, source: st.srcRecords, target: st.tgtRecords, sourceComplete });
      if (r.kind === 'diverged' && st.anchors.length > 1 && (st.tgtRecords[0]?.fp !== st.srcRecords[0]?.fp)) grow = 'anchor';
      else if (r.kind === 'not-replicated' && st.targetTo < st.target.high) grow ??= 'target';
      results.set(c, r);
    }
    if (grow === undefined && st.req.tail && st.sourceTo < st.source.high) grow = 'source';
    if (grow === undefined || last) {
      out.push(finish(st, results, anchor));
      continue;
    }
    if (grow === 'anchor') {
      st.anchors.shift();
      const a = st.anchors[0]!;
      st.targetTo = st.req.tail ? st.target.high : min(st.target.high, a.target + (st.sourceTo - a.source) * 2n + slack);
    } else if (grow === 'source') {
      const span = st.sourceTo - anchor.source;
      st.sourceTo = min(st.source.high, st.sourceTo + (span > slack ? span : slack));
      st.targetTo = st.req.tail ? st.target.high : min(st.target.high, anchor.target + (st.sourceTo - anchor.source) * 2n + slack);
    } else {
      const span = st.targetTo - anchor.target;
      st.targetTo = min(st.target.high, st.targetTo + (span > slack ? span : slack));
    }
    next.push(st);
  }
  return { done: out, next };
}

function finish(st: WindowState, results: Map<bigint, Translation>, anchor: WindowState['anchors'][number]): PartitionTranslation {
  const out: PartitionTranslation = { topic: st.req.topic, partition: st.req.partition, source: st.source, target: st.target, anchor, results, targetOffsets: st.tgtRecords.map((r) => r.offset) };
  if (st.req.tail) out.tail = tailCheck(st, st.req.tail);
  return out;
}

function tailCheck(st: WindowState, n: number): TailCheck {
  const last = st.srcRecords.slice(-n);
  if (last.length === 0) return { checked: 0, matched: 0 };
  const r = translate({ committed: last[0]!.offset, sourceLogStart: st.source.low, sourceEnd: st.source.high, targetEnd: st.target.high, source: st.srcRecords, target: st.tgtRecords, sourceComplete: true });
  if (r.kind === 'diverged') return { checked: last.length, matched: 0, mismatch: r.reason };
  if (r.kind === 'exact') {
    // from the copy of the tail's first record on, every target record must be a copy (or an MM2
    // replay) of a tail record: one that is not was written by something else. The newest records
    // sit in active segments, which compaction never touches, so this holds for compacted topics too.
    const from = last[0]!.offset;
    const w = walk(st.srcRecords.filter((x) => x.offset >= from), st.tgtRecords.filter((x) => x.offset >= r.target));
    if (w.divergedAt !== undefined) return { checked: last.length, matched: 0, mismatch: `target record at offset ${w.divergedAt} is not a copy of any of the newest source records: something other than MirrorMaker 2 wrote to the target` };
  }
  // the tail is on the target when every one of its records maps, in order
  const { mappedCount } = countMapped(st, last);
  return { checked: last.length, matched: mappedCount };
}

function countMapped(st: WindowState, last: FpRecord[]): { mappedCount: number } {
  let j = st.tgtRecords.length - 1;
  let count = 0;
  // match from the end: the target's newest data records should be the source's newest
  for (let i = last.length - 1; i >= 0 && j >= 0; i--) {
    while (j >= 0 && st.tgtRecords[j]!.fp !== last[i]!.fp) j--;
    if (j < 0) break;
    count++;
    j--;
  }
  return { mappedCount: count };
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

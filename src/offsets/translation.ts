/**
 * Reads what exact offset translation needs from two live clusters — end offsets, MirrorMaker 2's
 * offset syncs (the anchors) and checkpoints, and bounded windows of records on both sides — and
 * runs the pure translation (core/offsets/translate.ts) for many (topic, partition, committed
 * offset) at once. Windows grow until every offset is resolved or the logs end; records are reduced
 * to fingerprints as they arrive, so memory follows the windows, not the topics.
 */
import { ConnectionError } from '../errors.js';
import type { Admin, Kafka } from 'kafkajs';
import type { ClusterProfile } from '../config/types.js';
import { SOURCE_ALIAS, TARGET_ALIAS } from '../core/migration/mm2.js';
import { decodeCheckpoint, decodeOffsetSync, type Checkpoint, type OffsetSync } from '../kafka/protocol/mm2-records.js';
import { fingerprint, tpKey, translate, walk, type FpRecord, type PartitionEnds, type PartitionTranslation, type TailCheck, type Translation } from '../core/offsets/translate.js';

export { tpKey, type PartitionEnds, type PartitionTranslation, type TailCheck };
import type { SampledRecord } from '../kafka/sampler.js';
import { fetchWindows, highWatermarks, windowsByTopic } from '../kafka/reader.js';
import { committedBehindOpenTransaction } from '../kafka/protocol/record-batch.js';
import { topicOffsets } from '../kafka/topics.js';

export const OFFSET_SYNCS_TOPIC = `mm2-offset-syncs.${TARGET_ALIAS}.internal`;
export const CHECKPOINTS_TOPIC = `${SOURCE_ALIAS}.checkpoints.internal`;

export interface Side {
  kafka: Kafka;
  admin: Admin;
  profile: ClusterProfile;
}



export function recordFingerprint(r: SampledRecord): string {
  return fingerprint({
    timestampMs: r.timestampMs,
    key: r.key,
    value: r.value,
    headers: Object.entries(r.headers).flatMap(([name, v]) => (Array.isArray(v) ? v : [v]).map((x) => [name, x === undefined ? null : Buffer.isBuffer(x) ? x : Buffer.from(String(x))] as const)),
  });
}

export async function endOffsets(side: Side, topics: readonly string[]): Promise<Map<string, PartitionEnds>> {
  const out = new Map<string, PartitionEnds>();
  for (const o of await topicOffsets(side.kafka, side.profile, topics)) out.set(tpKey(o.topic, o.partition), o);
  return out;
}

/** Reads a whole small internal topic (MM2's syncs and checkpoints are single-partition, compacted). */
async function readInternal(side: Side, topic: string, onRecord: (r: SampledRecord) => void): Promise<boolean> {
  const topics = await side.admin.listTopics();
  if (!topics.includes(topic)) return false;
  const ends = await topicOffsets(side.kafka, side.profile, [topic]);
  await fetchWindows(side.kafka, side.profile, [{ topic, windows: ends.map((e) => ({ partition: e.partition, start: e.low, end: e.high })) }], {
    timeoutMs: 60_000,
    onBatch: (_t, records) => records.forEach(onRecord),
  });
  return true;
}

/** MM2's offset syncs in log order, per topic-partition (read from the source cluster). */
export async function readOffsetSyncs(source: Side): Promise<Map<string, OffsetSync[]>> {
  const out = new Map<string, OffsetSync[]>();
  await readInternal(source, OFFSET_SYNCS_TOPIC, (r) => {
    const s = decodeOffsetSync(r.key, r.value);
    if (!s) return;
    const k = tpKey(s.topic, s.partition);
    (out.get(k) ?? out.set(k, []).get(k)!).push(s);
  });
  return out;
}

/** MM2's newest checkpoint per (group, topic, partition) (read from the target cluster). */
export async function readCheckpoints(target: Side): Promise<Map<string, Checkpoint>> {
  const out = new Map<string, Checkpoint>();
  await readInternal(target, CHECKPOINTS_TOPIC, (r) => {
    const c = decodeCheckpoint(r.key, r.value);
    if (c) out.set(`${c.group}\u0000${tpKey(c.topic, c.partition)}`, c);
  });
  return out;
}

export interface TranslationRequest {
  topic: string;
  partition: number;
  /** committed source offsets to translate (several groups may share a partition) */
  committed: bigint[];
  /** also fingerprint-check the last `tail` source data records against the target */
  tail?: number;
}



interface WindowState {
  req: TranslationRequest;
  source: PartitionEnds;
  target: PartitionEnds;
  anchors: { kind: 'journal' | 'offset-sync' | 'partition-start'; source: bigint; target: bigint }[];
  sourceTo: bigint;
  targetTo: bigint;
  srcRecords: FpRecord[];
  tgtRecords: FpRecord[];
}

/** Translates every request; at most `rounds` reads per side, windows doubling between rounds. */
export async function translateOffsets(
  source: Side,
  target: Side,
  requests: readonly TranslationRequest[],
  options: { syncs?: ReadonlyMap<string, readonly OffsetSync[]>; anchors?: ReadonlyMap<string, { source: bigint; target: bigint }>; sourceEnds?: ReadonlyMap<string, PartitionEnds>; targetEnds?: ReadonlyMap<string, PartitionEnds>; slack?: bigint; rounds?: number } = {},
): Promise<PartitionTranslation[]> {
  const topics = [...new Set(requests.map((r) => r.topic))];
  const [sourceEnds, targetEnds, syncs] = await Promise.all([
    options.sourceEnds ?? endOffsets(source, topics),
    options.targetEnds ?? endOffsets(target, topics),
    options.syncs ?? (options.anchors ? new Map<string, OffsetSync[]>() : readOffsetSyncs(source)),
  ]);
  const slack = options.slack ?? 256n;
  const states: WindowState[] = [];
  const out: PartitionTranslation[] = [];
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
      const given = options.anchors?.get(key);
      if (given && given.source <= lowest && given.source >= s.low && given.target >= t.low && given.target <= t.high) anchors.push({ kind: 'journal', ...given });
      if (sync) anchors.push({ kind: 'offset-sync', source: sync.upstream, target: sync.downstream });
      anchors.push({ kind: 'partition-start', source: s.low, target: t.low });
    }
    const highest = inRange.reduce((m, c) => (c > m ? c : m), tailFrom !== undefined ? s.high - 1n : s.low);
    const anchor = anchors[0] ?? { kind: 'partition-start' as const, source: s.low, target: t.low };
    const sourceTo = min(s.high, highest + slack);
    states.push({ req, source: s, target: t, anchors, sourceTo, targetTo: req.tail ? t.high : min(t.high, anchor.target + (sourceTo - anchor.source) * 2n + slack), srcRecords: [], tgtRecords: [] });
  }

  const rounds = options.rounds ?? 6;
  let pending = states.filter((st) => st.anchors.length > 0);
  for (const st of states.filter((x) => x.anchors.length === 0)) {
    // every committed offset lies outside the log (at its end, below its start or beyond it): no records to read
    const results = new Map(st.req.committed.map((c) => [c, translate({ committed: c, sourceLogStart: st.source.low, sourceEnd: st.source.high, targetEnd: st.target.high, source: [], target: [], sourceComplete: true })] as const));
    out.push(finish(st, results, { kind: 'partition-start', source: st.source.low, target: st.target.low }));
  }
  for (let round = 0; round < rounds && pending.length > 0; round++) {
    await readWindows(source, target, pending);
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
      if (grow === undefined || round === rounds - 1) {
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
    pending = next;
  }
  return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
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

async function readWindows(source: Side, target: Side, states: WindowState[]): Promise<void> {
  const read = async (side: Side, pick: (st: WindowState) => { from: bigint; to: bigint; into: FpRecord[] }) => {
    const windows: { topic: string; partition: number; start: bigint; end: bigint }[] = [];
    const sinks = new Map<string, FpRecord[]>();
    for (const st of states) {
      const w = pick(st);
      w.into.length = 0;
      if (w.to <= w.from) continue;
      windows.push({ topic: st.req.topic, partition: st.req.partition, start: w.from, end: w.to });
      sinks.set(tpKey(st.req.topic, st.req.partition), w.into);
    }
    if (windows.length === 0) return;
    const outcome = await fetchWindows(side.kafka, side.profile, windowsByTopic(windows), {
      timeoutMs: 120_000,
      decoder: 'zdp',
      onBatch: (topic, records) => {
        for (const r of records) sinks.get(tpKey(topic, r.partition))?.push({ offset: r.offset, fp: recordFingerprint(r) });
      },
    });
    if (outcome.timedOut) {
      throw new ConnectionError('READ_TIMEOUT', `reading records of cluster "${side.profile.name}" timed out (${[...outcome.incomplete].map(([t, p]) => `${t}[${p.join(',')}]`).join(' ')})`, {
        hint: `the brokers answered too slowly or not at all: check clusters.${side.profile.name} and run the command again`,
        retriable: true,
      });
    }
  };
  await Promise.all([
    read(source, (st) => ({ from: st.anchors[0]!.source, to: st.sourceTo, into: st.srcRecords })),
    read(target, (st) => ({ from: st.anchors[0]!.target, to: st.targetTo, into: st.tgtRecords })),
  ]);
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/**
 * Data records (committed, not control records) in each window, read with read_committed. A window
 * that cannot be read to its end within the time (an open transaction holds the stable offset back)
 * is left out of the answer.
 */
export async function countDataRecords(side: Side, windows: readonly { topic: string; partition: number; start: bigint; end: bigint }[], timeoutMs = 15_000): Promise<Map<string, bigint>> {
  const counts = new Map(windows.map((w) => [tpKey(w.topic, w.partition), 0n]));
  const readable = windows.filter((w) => w.end > w.start);
  if (readable.length === 0) return counts;
  const outcome = await fetchWindows(side.kafka, side.profile, windowsByTopic(readable), {
    timeoutMs,
    onBatch: (topic, records) => {
      for (const r of records) counts.set(tpKey(topic, r.partition), (counts.get(tpKey(topic, r.partition)) ?? 0n) + 1n);
    },
  });
  // a window read until nothing more came holds only markers, aborted or still-open transactional
  // records past what was counted: none of them is a committed record to copy yet
  if (outcome.timedOut) for (const [topic, partitions] of outcome.incomplete) for (const p of partitions) counts.delete(tpKey(topic, p));
  return counts;
}

/**
 * Partitions where committed records wait behind an open transaction: between the last stable
 * offset and the high watermark lies a record read_committed readers (MirrorMaker 2 among them)
 * will only see once that transaction ends — a plain producer's record, or one of a transaction
 * already committed. A transaction left open by a client the gateway fenced ends when its
 * coordinator aborts it (transaction.timeout.ms). Partitions holding only open transactions are
 * not listed: their records are never seen if the transaction aborts.
 */
export async function heldBackByOpenTransactions(side: Side, topics: readonly string[]): Promise<{ topic: string; partition: number; firstHeld: bigint }[]> {
  const [stable, high] = await Promise.all([endOffsets(side, topics), highWatermarks(side.kafka, side.profile, topics)]);
  const gaps = [...stable.values()].filter((e) => (high.get(tpKey(e.topic, e.partition))?.high ?? e.high) > e.high);
  if (gaps.length === 0) return [];
  const sets = new Map<string, Buffer[]>();
  await fetchWindows(side.kafka, side.profile, windowsByTopic(gaps.map((g) => ({ topic: g.topic, partition: g.partition, start: g.high, end: high.get(tpKey(g.topic, g.partition))!.high }))), {
    timeoutMs: 15_000,
    readCommitted: false,
    decoder: 'zdp',
    // the bytes are a view into the fetch response: keep a copy
    onRecordSet: (topic, partition, set) => void (sets.get(tpKey(topic, partition)) ?? sets.set(tpKey(topic, partition), []).get(tpKey(topic, partition))!).push(Buffer.from(set.bytes)),
    onBatch: () => {},
  });
  return gaps.flatMap((g) => {
    const firstHeld = committedBehindOpenTransaction(sets.get(tpKey(g.topic, g.partition)) ?? []);
    return firstHeld === undefined ? [] : [{ topic: g.topic, partition: g.partition, firstHeld }];
  });
}

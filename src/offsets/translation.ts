/**
 * Reads what exact offset translation needs from two live clusters — end offsets, MirrorMaker 2's
 * offset syncs (the anchors) and checkpoints, and bounded windows of records on both sides — and
 * runs the pure translation (core/offsets/translate.ts) for many (topic, partition, committed
 * offset) at once. Windows grow until every offset is resolved or the logs end; records are reduced
 * to fingerprints as they arrive, so memory follows the windows, not the topics.
 */
import { ConnectionError } from '../errors.js';
import type { KafkaCluster } from '../kafka/cluster.js';
import { SOURCE_ALIAS, TARGET_ALIAS } from '../core/migration/mm2.js';
import { decodeCheckpoint, decodeOffsetSync, type Checkpoint, type OffsetSync } from '../kafka/protocol/mm2-records.js';
import { fingerprint, parseTpKey, tpKey, type FpRecord, type PartitionEnds, type PartitionTranslation, type TailCheck } from '../core/offsets/translate.js';
import { advanceWindows, planWindows, type TranslationRequest, type WindowState } from '../core/offsets/window-planner.js';

export { parseTpKey, tpKey, type PartitionEnds, type PartitionTranslation, type TailCheck };
import type { SampledRecord } from '../kafka/sampler.js';
import { windowsByTopic } from '../core/sampling.js';
import { committedBehindOpenTransaction } from '../kafka/protocol/record-batch.js';

export const OFFSET_SYNCS_TOPIC = `mm2-offset-syncs.${TARGET_ALIAS}.internal`;
export const CHECKPOINTS_TOPIC = `${SOURCE_ALIAS}.checkpoints.internal`;

/** One of the two clusters: the adapter, connected. */
export type Side = KafkaCluster;



const NO_HEADERS: readonly (readonly [string, Buffer | null])[] = [];

function headersOf(headers: SampledRecord['headers']): readonly (readonly [string, Buffer | null])[] {
  const out: (readonly [string, Buffer | null])[] = [];
  for (const name of Object.keys(headers)) {
    const v = headers[name];
    for (const x of Array.isArray(v) ? v : [v]) out.push([name, x === undefined ? null : Buffer.isBuffer(x) ? x : Buffer.from(String(x))]);
  }
  return out.length === 0 ? NO_HEADERS : out;
}

export function recordFingerprint(r: SampledRecord): string {
  return fingerprint({
    timestampMs: r.timestampMs,
    key: r.key,
    value: r.value,
    headers: headersOf(r.headers),
  });
}

export async function endOffsets(side: Side, topics: readonly string[]): Promise<Map<string, PartitionEnds>> {
  const out = new Map<string, PartitionEnds>();
  for (const o of await side.listOffsets(topics)) out.set(tpKey(o.topic, o.partition), o);
  return out;
}

/** Reads a whole small internal topic (MM2's syncs and checkpoints are single-partition, compacted). */
async function readInternal(side: Side, topic: string, onRecord: (r: SampledRecord) => void): Promise<boolean> {
  const topics = await side.listTopics();
  if (!topics.includes(topic)) return false;
  const ends = await side.listOffsets([topic]);
  await side.fetchWindows([{ topic, windows: ends.map((e) => ({ partition: e.partition, start: e.low, end: e.high })) }], {
    timeoutMs: 60_000,
    onBatch: (_t, records) => records.forEach(onRecord),
  });
  return true;
}

/**
 * Runs `read` once the previous read for `key` has finished: reads that advance one cursor take
 * turns (two at once could apply an older value after a newer one).
 */
export function inTurn<K extends object, T>(turns: WeakMap<K, Promise<unknown>>, key: K, read: () => Promise<T>): Promise<T> {
  const next = (turns.get(key) ?? Promise.resolve()).then(read);
  turns.set(key, next.catch(() => {}));
  return next;
}

/** What was read of a source's offset-syncs topic, so later reads in the same process fetch only what is new. */
interface SyncsCursor {
  /** next offset to read, per partition of the syncs topic */
  positions: Map<number, bigint>;
  syncs: Map<string, OffsetSync[]>;
}
const syncCursors = new WeakMap<Side, SyncsCursor>();
const syncTurns = new WeakMap<Side, Promise<unknown>>();

/**
 * MM2's offset syncs in log order, per topic-partition (read from the source cluster). The first
 * read takes the whole topic; later ones on the same connected cluster only what was appended
 * since (the cutover reads them on the clients' pause). A log start that moved past what was read
 * (retention, or the topic made again) starts over.
 */
export async function readOffsetSyncs(source: Side): Promise<Map<string, OffsetSync[]>> {
  let cursor = syncCursors.get(source);
  if (!cursor) {
    cursor = { positions: new Map(), syncs: new Map() };
    syncCursors.set(source, cursor);
  }
  const c = cursor;
  const partial = await inTurn(syncTurns, source, () => readNewSyncs(source, c));
  const out = copySyncs(c);
  // a read that did not reach the end is handed on, not kept: the next read fetches it again
  for (const s of partial) (out.get(tpKey(s.topic, s.partition)) ?? out.set(tpKey(s.topic, s.partition), []).get(tpKey(s.topic, s.partition))!).push(s);
  return out;
}

/**
 * The offset syncs this process already read from `source` (as readOffsetSyncs gave them last), without
 * reading again; read when none were. Older syncs are still exact anchors, only further back: for
 * a read on the clients' pause whose window a few hundred records longer costs less than the round
 * trips of another read.
 */
export async function knownOffsetSyncs(source: Side): Promise<Map<string, OffsetSync[]>> {
  const c = syncCursors.get(source);
  if (!c || c.positions.size === 0) return readOffsetSyncs(source);
  return copySyncs(c);
}

/** The cursor's syncs, copied: a caller may add to what it is given. */
function copySyncs(c: SyncsCursor): Map<string, OffsetSync[]> {
  return new Map([...c.syncs].map(([k, v]) => [k, v.slice()]));
}

/** Appends what is new to the cursor; returns the syncs of a read that stopped early (not kept). */
async function readNewSyncs(source: Side, c: SyncsCursor): Promise<OffsetSync[]> {
  const topics = await source.listTopics();
  if (!topics.includes(OFFSET_SYNCS_TOPIC)) {
    c.positions.clear();
    c.syncs.clear();
    return [];
  }
  const ends = await source.listOffsets([OFFSET_SYNCS_TOPIC]);
  if (ends.some((e) => { const at = c.positions.get(e.partition); return at !== undefined && (at < e.low || at > e.high); })) {
    c.positions.clear();
    c.syncs.clear();
  }
  const windows = ends.map((e) => ({ partition: e.partition, start: c.positions.get(e.partition) ?? e.low, end: e.high })).filter((w) => w.end > w.start);
  if (windows.length === 0) return [];
  const fresh: OffsetSync[] = [];
  const outcome = await source.fetchWindows([{ topic: OFFSET_SYNCS_TOPIC, windows }], {
    timeoutMs: 60_000,
    onBatch: (_t, records) => {
      for (const r of records) {
        const s = decodeOffsetSync(r.key, r.value);
        if (s) fresh.push(s);
      }
    },
  });
  if (outcome.timedOut || outcome.incomplete.size > 0) return fresh;
  for (const s of fresh) (c.syncs.get(tpKey(s.topic, s.partition)) ?? c.syncs.set(tpKey(s.topic, s.partition), []).get(tpKey(s.topic, s.partition))!).push(s);
  for (const w of windows) c.positions.set(w.partition, w.end);
  return [];
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

export type { TranslationRequest } from '../core/offsets/window-planner.js';




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
  const rounds = options.rounds ?? 6;
  // gather, then compute: the planner (pure) names the windows, this reads them, round by round
  let { pending, done: out } = planWindows(requests, { sourceEnds, targetEnds, syncs, anchors: options.anchors, slack });
  for (let round = 0; round < rounds && pending.length > 0; round++) {
    await readWindows(source, target, pending);
    const step = advanceWindows(pending, slack, round === rounds - 1);
    out.push(...step.done);
    pending = step.next;
  }
  return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
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
    const outcome = await side.fetchWindows(windowsByTopic(windows), {
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


/**
 * Data records (committed, not control records) in each window, read with read_committed. A window
 * that cannot be read to its end within the time (an open transaction holds the stable offset back)
 * is left out of the answer.
 */
export async function countDataRecords(side: Side, windows: readonly { topic: string; partition: number; start: bigint; end: bigint }[], timeoutMs = 15_000): Promise<Map<string, bigint>> {
  const counts = new Map(windows.map((w) => [tpKey(w.topic, w.partition), 0n]));
  const readable = windows.filter((w) => w.end > w.start);
  if (readable.length === 0) return counts;
  const outcome = await side.fetchWindows(windowsByTopic(readable), {
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
export async function heldBackByOpenTransactions(side: Side, topics: readonly string[], stableEnds?: Promise<Map<string, PartitionEnds>>): Promise<{ topic: string; partition: number; firstHeld: bigint }[]> {
  // the last stable offsets: a read the caller began (the drain's check), else one of its own
  const [stable, high] = await Promise.all([stableEnds ?? endOffsets(side, topics), side.highWatermarks(topics)]);
  const gaps = [...stable.values()].filter((e) => (high.get(tpKey(e.topic, e.partition))?.high ?? e.high) > e.high);
  if (gaps.length === 0) return [];
  const sets = new Map<string, Buffer[]>();
  await side.fetchWindows(windowsByTopic(gaps.map((g) => ({ topic: g.topic, partition: g.partition, start: g.high, end: high.get(tpKey(g.topic, g.partition))!.high }))), {
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

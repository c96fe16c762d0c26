/**
 * Exact consumer-offset translation from a source partition to its MirrorMaker 2 copy: given the
 * committed source offset C, find the target offset X of the copy of N, the first data record at or
 * after C, so a consumer that resumes at X on the target reads exactly what it would have read next
 * on the source: nothing twice, nothing skipped. Offsets of the two logs are not comparable
 * (transaction markers, aborted records, compaction holes, MM2's own transaction markers, replays),
 * so the match is by record fingerprint, walking forward from an anchor (an MM2 offset sync, or the
 * partition starts) where both logs hold the same record. Pure: the windows of records are read by
 * the caller.
 */
import * as crypto from 'node:crypto';

/** SHA-1, hex: crypto.hash, one call and no Hash object (Node 20.12+), where there is one. */
const sha1Hex: (data: Buffer) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (data) => (crypto as unknown as { hash: (algorithm: string, data: Buffer, encoding: 'hex') => string }).hash('sha1', data, 'hex')
    : (data) => crypto.createHash('sha1').update(data).digest('hex');

/** A data record (committed, not a control record) reduced to its offset and fingerprint. */
export interface FpRecord {
  offset: bigint;
  fp: string;
}

export interface RecordContent {
  timestampMs: number | bigint;
  key: Buffer | null;
  value: Buffer | null;
  /** headers in the order they appear on the record */
  headers: readonly (readonly [string, Buffer | null])[];
}

/**
 * Fingerprint of a record: SHA-1 of timestamp, key, value and the ordered headers (hex, 40 chars),
 * each length-prefixed (-1 for null). The bytes are laid out in one buffer and hashed once: on a
 * parity run over 10,000 partitions this is called for every record read on both clusters.
 */
export function fingerprint(r: RecordContent): string {
  const names = r.headers.map(([name]) => Buffer.from(name, 'utf8'));
  let size = 8 + 4 + (r.key?.length ?? 0) + 4 + (r.value?.length ?? 0) + 4;
  for (let i = 0; i < names.length; i++) size += 4 + names[i]!.length + 4 + (r.headers[i]![1]?.length ?? 0);
  const buf = Buffer.allocUnsafe(size);
  let at = buf.writeBigInt64BE(BigInt(r.timestampMs), 0);
  const put = (b: Buffer | null) => {
    at = buf.writeInt32BE(b === null ? -1 : b.length, at);
    if (b) at += b.copy(buf, at);
  };
  put(r.key);
  put(r.value);
  at = buf.writeInt32BE(r.headers.length, at);
  for (let i = 0; i < names.length; i++) {
    put(names[i]!);
    put(r.headers[i]![1]);
  }
  return sha1Hex(buf);
}

export type Translation =
  /** N's copy is at `target`; `fingerprint` is N's */
  | { kind: 'exact'; source: bigint; next: bigint; target: bigint; fingerprint: string }
  /** no data record at or after C below the source end: X is the target end */
  | { kind: 'caught-up'; source: bigint; target: bigint }
  /** C lies below the source log start: a consumer there would reset; zdp writes nothing */
  | { kind: 'below-log-start'; source: bigint; logStart: bigint }
  /** C lies beyond the source end */
  | { kind: 'beyond-end'; source: bigint; end: bigint }
  /** N is not (yet) on the target: replication has not reached it */
  | { kind: 'not-replicated'; source: bigint; next: bigint; fingerprint: string }
  /** the logs disagree from the anchor on: a record on the target that is not the source's */
  | { kind: 'diverged'; source: bigint; next: bigint; reason: string };

export interface WalkResult {
  /** target offset of the last copy of each mapped source offset */
  mapped: Map<bigint, bigint>;
  /** set when a target record matched no source record of the window */
  divergedAt?: bigint;
}

/**
 * Walks both windows in lockstep from their first records (the anchor, which must be the same
 * record on both sides). A target record equal to the next source record advances both; one equal
 * to an earlier source record is an MM2 replay, so the source pointer rewinds there; the last copy
 * wins. Stops at the end of the target window or at the first target record that matches nothing.
 */
export function walk(source: readonly FpRecord[], target: readonly FpRecord[]): WalkResult {
  const mapped = new Map<bigint, bigint>();
  const positions = new Map<string, number[]>();
  source.forEach((r, i) => {
    const list = positions.get(r.fp);
    if (list) list.push(i);
    else positions.set(r.fp, [i]);
  });
  let i = 0;
  for (const t of target) {
    if (i < source.length && source[i]!.fp === t.fp) {
      mapped.set(source[i]!.offset, t.offset);
      i++;
      continue;
    }
    // a replay: the same record seen before the current position (the nearest earlier copy)
    const earlier = positions.get(t.fp)?.filter((k) => k < i).pop();
    if (earlier !== undefined) {
      mapped.set(source[earlier]!.offset, t.offset);
      i = earlier + 1;
      continue;
    }
    if (i >= source.length) break; // past the source window: records replicated after it
    return { mapped, divergedAt: t.offset };
  }
  return { mapped };
}

export interface TranslateInput {
  /** the committed source offset */
  committed: bigint;
  sourceLogStart: bigint;
  sourceEnd: bigint;
  targetEnd: bigint;
  /** source data records from the anchor on, ascending; must reach past C when a record exists there */
  source: readonly FpRecord[];
  /** target data records from the anchor on, ascending */
  target: readonly FpRecord[];
  /** true when the source window reaches the source end (so "no record at or after C" is known) */
  sourceComplete: boolean;
}

export function translate(input: TranslateInput): Translation {
  const c = input.committed;
  if (c < input.sourceLogStart) return { kind: 'below-log-start', source: c, logStart: input.sourceLogStart };
  if (c > input.sourceEnd) return { kind: 'beyond-end', source: c, end: input.sourceEnd };
  const n = input.source.find((r) => r.offset >= c);
  if (!n) {
    if (!input.sourceComplete) throw new RangeError(`source window ends before a record at or after ${c} was found`);
    return { kind: 'caught-up', source: c, target: input.targetEnd };
  }
  const { mapped, divergedAt } = walk(input.source, input.target);
  const x = mapped.get(n.offset);
  if (x !== undefined) return { kind: 'exact', source: c, next: n.offset, target: x, fingerprint: n.fp };
  if (divergedAt !== undefined) return { kind: 'diverged', source: c, next: n.offset, reason: `target record at offset ${divergedAt} is not a copy of any source record from the anchor on` };
  return { kind: 'not-replicated', source: c, next: n.offset, fingerprint: n.fp };
}

/** MM2's own translation of C from its offset syncs (MirrorCheckpointTask / OffsetSyncStore, 3.5+). */
export function mm2Translate(syncs: readonly { upstream: bigint; downstream: bigint }[], committed: bigint): bigint | undefined {
  let best: { upstream: bigint; downstream: bigint } | undefined;
  for (const s of syncs) if (s.upstream <= committed && (!best || s.upstream >= best.upstream)) best = s;
  if (!best) return undefined;
  return best.upstream === committed ? best.downstream : best.downstream + 1n;
}

/** A partition as a map key. */
export const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
/** The topic and partition of a tpKey (a topic name holds no NUL). */
export function parseTpKey(key: string): { topic: string; partition: number } {
  const at = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

export interface PartitionEnds {
  topic: string;
  partition: number;
  low: bigint;
  high: bigint;
}

export interface TailCheck {
  /** source data records checked (the last ones below the source end) */
  checked: number;
  /** of those, found on the target in order */
  matched: number;
  mismatch?: string;
}

export interface PartitionTranslation {
  topic: string;
  partition: number;
  source: PartitionEnds;
  target: PartitionEnds;
  anchor: { kind: 'journal' | 'offset-sync' | 'partition-start'; source: bigint; target: bigint };
  results: Map<bigint, Translation>;
  tail?: TailCheck;
  /** target data records per offset range, for counting re-reads: sorted offsets of the target window */
  targetOffsets: bigint[];
}

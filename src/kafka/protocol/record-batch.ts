/**
 * Kafka's record-batch format (magic 2) decoded straight from the bytes of a Fetch response, for
 * readers that see every record (extract samples whole windows): no per-record 64-bit objects, no
 * intermediate message objects, headers as kafkajs shapes them. Pure; decompression is handed in.
 *
 * Read-committed filtering follows the Java consumer: a transactional batch whose producer has an
 * aborted transaction starting at or before the batch's last offset is skipped, up to that
 * producer's abort marker; control batches are never records.
 *
 * Batch header (61 bytes): baseOffset i64, batchLength i32, partitionLeaderEpoch i32, magic i8,
 * crc u32, attributes i16, lastOffsetDelta i32, baseTimestamp i64, maxTimestamp i64, producerId
 * i64, producerEpoch i16, baseSequence i32, recordCount i32. Attributes: bits 0-2 compression,
 * bit 3 log-append time, bit 4 transactional, bit 5 control.
 */

import type { RecordParts } from '../../core/inference/topic-sample.js';

/** A record as the readers hand it on (the shape of SampledRecord in src/kafka/sampler.ts). */
export interface DecodedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestampMs: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | (Buffer | null)[]>;
}

export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

export interface RecordSetOptions {
  /** the topic and partition the set was fetched from, carried on every record */
  topic: string;
  partition: number;
  /** records below this offset are not returned (the window's start) */
  from: bigint;
  /** records at or above this offset are not returned (the window's end) */
  to: bigint;
  /** read_committed: the aborted transactions the broker listed for this fetch; undefined = read everything */
  abortedTransactions?: readonly AbortedTransaction[] | undefined;
  /** decompresses a batch's records section with the codec of its attributes (1 gzip, 2 snappy, 3 lz4, 4 zstd) */
  decompress: (codec: number, data: Buffer) => Promise<Buffer>;
}

export interface DecodedRecordSet {
  records: DecodedRecord[];
  /** the last offset covered by a complete batch (records, control and aborted ones included); -1n when none */
  lastOffset: bigint;
  /** a batch with another magic byte: the caller decodes this set another way */
  unsupportedMagic?: number;
}

const HEADER = 61;

/** Reads zig-zag varints and varlongs from a buffer; numbers stay exact up to 2^53. */
class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
  ) {}

  varint(): number {
    let shift = 0;
    let result = 0;
    for (;;) {
      if (this.pos >= this.buf.length) throw new RangeError('varint past the end of the batch');
      const b = this.buf[this.pos++]!;
      if (shift < 28) result |= (b & 0x7f) << shift;
      else result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 63) throw new RangeError('varint longer than 10 bytes');
    }
    // zig-zag: 0 -> 0, 1 -> -1, 2 -> 1, ...
    if (shift < 28) return (result >>> 1) ^ -(result & 1);
    return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
  }

  /** past a field of `length` bytes (-1: null) */
  skip(length: number): void {
    if (length <= 0) return;
    if (this.pos + length > this.buf.length) throw new RangeError('field past the end of the batch');
    this.pos += length;
  }

  bytes(length: number): Buffer | null {
    if (length < 0) return null;
    const end = this.pos + length;
    if (end > this.buf.length) throw new RangeError('field past the end of the batch');
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }
}

/**
 * One record of a set as positions in its batch's bytes, for readers that look at each record once
 * (extract's inference, whose shape it is): no copy, no per-record objects. The same object is
 * handed over for every record of a set; what a visitor keeps of it, it copies.
 */
export type RecordView = RecordParts & { headers: Record<string, Buffer | null | (Buffer | null)[]> | undefined };

function visitRecords(data: Buffer, start: number, count: number, baseTimestamp: number, logAppendTime: number | undefined, fromDelta: number, toDelta: number, view: RecordView, visit: (view: RecordView) => void): void {
  const c = new Cursor(data, start);
  view.data = data;
  for (let i = 0; i < count; i++) {
    const length = c.varint();
    const next = c.pos + length;
    c.pos += 1; // attributes (unused)
    const timestampDelta = c.varint();
    const offsetDelta = c.varint();
    if (offsetDelta < fromDelta || offsetDelta >= toDelta) {
      c.pos = next;
      continue;
    }
    view.keyLength = c.varint();
    view.keyStart = c.pos;
    c.skip(view.keyLength);
    view.valueLength = c.varint();
    view.valueStart = c.pos;
    c.skip(view.valueLength);
    const headerCount = c.varint();
    let headers: Record<string, Buffer | null | (Buffer | null)[]> | undefined;
    for (let h = 0; h < headerCount; h++) {
      headers ??= {};
      const name = c.bytes(c.varint())!.toString('utf8');
      const v = c.bytes(c.varint());
      const seen = headers[name];
      // repeated keys become an array, as kafkajs gives them
      if (seen === undefined) headers[name] = v;
      else if (Array.isArray(seen)) seen.push(v);
      else headers[name] = [seen, v];
    }
    view.headers = headers;
    view.offsetDelta = offsetDelta;
    view.timestampMs = logAppendTime ?? baseTimestamp + timestampDelta;
    visit(view);
    c.pos = next;
  }
}

/** A record as readers hand it on, copied out of a view (its key, value and headers stay views of the batch's bytes). */
function toRecord(v: RecordView, topic: string): DecodedRecord {
  return {
    topic,
    partition: v.partition,
    offset: v.baseOffset + BigInt(v.offsetDelta),
    timestampMs: v.timestampMs,
    key: v.keyLength < 0 ? null : v.data.subarray(v.keyStart, v.keyStart + v.keyLength),
    value: v.valueLength < 0 ? null : v.data.subarray(v.valueStart, v.valueStart + v.valueLength),
    headers: v.headers ?? {},
  };
}

export async function decodeRecordSet(buf: Buffer, options: RecordSetOptions): Promise<DecodedRecordSet> {
  const records: DecodedRecord[] = [];
  const visited = await visitRecordSet(buf, options, (v) => void records.push(toRecord(v, options.topic)));
  return { records, ...visited };
}

/** Every record of a set in the window, to `visit` as a view (see RecordView); the set's last offset as decodeRecordSet gives it. */
export async function visitRecordSet(buf: Buffer, options: RecordSetOptions, visit: (view: RecordView) => void): Promise<Omit<DecodedRecordSet, 'records'>> {
  const view: RecordView = { data: buf, partition: options.partition, baseOffset: 0n, offsetDelta: 0, timestampMs: 0, keyStart: 0, keyLength: -1, valueStart: 0, valueLength: -1, headers: undefined };
  let lastOffset = -1n;
  const aborted = options.abortedTransactions ? [...options.abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0)) : undefined;
  let nextAborted = 0;
  const abortedProducers = new Set<bigint>();
  let pos = 0;
  while (pos + HEADER <= buf.length) {
    const baseOffset = buf.readBigInt64BE(pos);
    const batchLength = buf.readInt32BE(pos + 8);
    const end = pos + 12 + batchLength;
    // the broker may cut the last batch off at the size limit: it comes whole in the next fetch
    if (batchLength < HEADER - 12 || end > buf.length) break;
    const magic = buf.readInt8(pos + 16);
    if (magic !== 2) return { lastOffset, unsupportedMagic: magic };
    const attributes = buf.readInt16BE(pos + 21);
    const lastOffsetDelta = buf.readInt32BE(pos + 23);
    const batchLast = baseOffset + BigInt(lastOffsetDelta);
    const producerId = buf.readBigInt64BE(pos + 43);
    const count = buf.readInt32BE(pos + 57);
    const transactional = (attributes & 0x10) !== 0;
    const control = (attributes & 0x20) !== 0;
    let skip = control;
    if (aborted && producerId >= 0n) {
      while (nextAborted < aborted.length && aborted[nextAborted]!.firstOffset <= batchLast) abortedProducers.add(aborted[nextAborted++]!.producerId);
      if (control) {
        // a control batch holds one record whose key is (version i16, type i16): type 0 = abort
        if (count > 0 && controlType(buf, pos + HEADER, end) === 0) abortedProducers.delete(producerId);
      } else if (transactional && abortedProducers.has(producerId)) skip = true;
    }
    if (!skip && batchLast >= options.from && baseOffset < options.to && count > 0) {
      const baseTimestamp = Number(buf.readBigInt64BE(pos + 27));
      const logAppendTime = (attributes & 0x08) !== 0 ? Number(buf.readBigInt64BE(pos + 35)) : undefined;
      const codec = attributes & 0x07;
      const section = codec === 0 ? buf.subarray(0, end) : await options.decompress(codec, buf.subarray(pos + HEADER, end));
      const fromDelta = options.from > baseOffset ? Number(options.from - baseOffset) : 0;
      const toDelta = options.to - baseOffset > 2_147_483_647n ? 2_147_483_648 : Number(options.to - baseOffset);
      view.baseOffset = baseOffset;
      visitRecords(section, codec === 0 ? pos + HEADER : 0, count, baseTimestamp, logAppendTime, fromDelta, toDelta, view, visit);
    }
    lastOffset = batchLast;
    pos = end;
  }
  return { lastOffset };
}

/** The type of a control batch's record (its key is version i16, type i16): 0 abort, 1 commit; undefined when unreadable. */
function controlType(buf: Buffer, start: number, end: number): number | undefined {
  try {
    const c = new Cursor(buf.subarray(0, end), start);
    c.varint(); // length
    c.pos += 1; // attributes
    c.varint(); // timestamp delta
    c.varint(); // offset delta
    const key = c.bytes(c.varint());
    return key !== null && key.length >= 4 ? key.readInt16BE(2) : undefined;
  } catch {
    return undefined;
  }
}

export interface FetchedPartition {
  partition: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  /** null when the broker sent none (read_uncommitted) */
  abortedTransactions: AbortedTransaction[] | null;
  /** the partition's record set, undecoded */
  records: Buffer | null;
}

export interface FetchedTopic {
  topic: string;
  partitions: FetchedPartition[];
}

/**
 * A Fetch v11 response body (after the correlation id), record sets left as bytes:
 * throttle_time_ms i32, error_code i16, session_id i32, [topic string, [partition i32, error_code
 * i16, high_watermark i64, last_stable_offset i64, log_start_offset i64, [producer_id i64,
 * first_offset i64], preferred_read_replica i32, records bytes]].
 */
export function parseFetchV11(buf: Buffer): { errorCode: number; topics: FetchedTopic[] } {
  let pos = 0;
  const i16 = () => ((pos += 2), buf.readInt16BE(pos - 2));
  const i32 = () => ((pos += 4), buf.readInt32BE(pos - 4));
  const i64 = () => ((pos += 8), buf.readBigInt64BE(pos - 8));
  pos += 4; // throttle time
  const errorCode = i16();
  pos += 4; // session id
  const topics: FetchedTopic[] = [];
  for (let t = i32(); t > 0; t--) {
    const nameLength = i16();
    const topic = buf.toString('utf8', pos, pos + nameLength);
    pos += nameLength;
    const partitions: FetchedPartition[] = [];
    for (let p = i32(); p > 0; p--) {
      const partition = i32();
      const partitionError = i16();
      const highWatermark = i64();
      const lastStableOffset = i64();
      pos += 8; // log start offset
      const abortedCount = i32();
      let abortedTransactions: AbortedTransaction[] | null = null;
      if (abortedCount >= 0) {
        abortedTransactions = [];
        for (let a = 0; a < abortedCount; a++) abortedTransactions.push({ producerId: i64(), firstOffset: i64() });
      }
      pos += 4; // preferred read replica
      const size = i32();
      const records = size < 0 ? null : buf.subarray(pos, pos + size);
      if (size > 0) pos += size;
      partitions.push({ partition, errorCode: partitionError, highWatermark, lastStableOffset, abortedTransactions, records });
    }
    topics.push({ topic, partitions });
  }
  return { errorCode, topics };
}

/** The complete magic-2 batches of a record set, header fields only; stops at a cut-off batch or another magic byte (`magic` says which). */
function* batchHeaders(buf: Buffer): Generator<{ pos: number; end: number; baseOffset: bigint; lastOffset: bigint; attributes: number; producerId: bigint; magic: number }> {
  let pos = 0;
  while (pos + HEADER <= buf.length) {
    const batchLength = buf.readInt32BE(pos + 8);
    const end = pos + 12 + batchLength;
    if (batchLength < HEADER - 12 || end > buf.length) return;
    const baseOffset = buf.readBigInt64BE(pos);
    yield { pos, end, baseOffset, lastOffset: baseOffset + BigInt(buf.readInt32BE(pos + 23)), attributes: buf.readInt16BE(pos + 21), producerId: buf.readBigInt64BE(pos + 43), magic: buf.readInt8(pos + 16) };
    pos = end;
  }
}

/**
 * Walks batch headers only: the last offset covered by complete batches and how many bytes they
 * take, without decoding a record (for readers that hand the bytes to another thread).
 */
export function scanRecordSet(buf: Buffer): { lastOffset: bigint; bytes: number; unsupportedMagic?: number } {
  let lastOffset = -1n;
  let bytes = 0;
  for (const b of batchHeaders(buf)) {
    if (b.magic !== 2) return { lastOffset, bytes, unsupportedMagic: b.magic };
    lastOffset = b.lastOffset;
    bytes = b.end;
  }
  return { lastOffset, bytes };
}

/**
 * What lies between a partition's last stable offset and its high watermark, read
 * read_uncommitted: the first offset of a record that read_committed readers will see once the
 * open transaction in front of it ends — a non-transactional record, or one of a transaction whose
 * commit marker is already written. Undefined when everything there belongs to transactions still
 * open (or aborted): records a fenced client's coordinator will abort, nothing anyone waits for.
 * `sets` are the partition's record sets in offset order, from the last stable offset on.
 */
export function committedBehindOpenTransaction(sets: readonly Buffer[]): bigint | undefined {
  const data: { first: bigint; producerId: bigint; transactional: boolean }[] = [];
  const commits = new Map<bigint, bigint[]>();
  for (const buf of sets) {
    for (const b of batchHeaders(buf)) {
      if (b.magic !== 2) break;
      if ((b.attributes & 0x20) === 0) data.push({ first: b.baseOffset, producerId: b.producerId, transactional: (b.attributes & 0x10) !== 0 });
      else if (controlType(buf, b.pos + HEADER, b.end) === 1) (commits.get(b.producerId) ?? commits.set(b.producerId, []).get(b.producerId)!).push(b.baseOffset);
    }
  }
  let first: bigint | undefined;
  for (const d of data) {
    const visible = !d.transactional || (commits.get(d.producerId) ?? []).some((at) => at > d.first);
    if (visible && (first === undefined || d.first < first)) first = d.first;
  }
  return first;
}

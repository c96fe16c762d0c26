/**
 * What the inference pool hands its workers: batches of sampled records packed into transferable
 * buffers (one copy of the bytes, no per-record structured clone) and unpacked there as Buffer
 * views, or record batches as fetched, decoded where inference runs.
 */
import type { RecordInput, TopicSample } from '../core/inference/topic-sample.js';
import { visitRecordSet } from '../kafka/protocol/record-batch.js';
import { BatchTooLargeError, decompress } from '../kafka/codecs.js';
import type { RawRecordSet } from '../kafka/reader.js';
import type { SampledRecord } from '../kafka/sampler.js';

export interface PackedBatch {
  topic: string;
  count: number;
  /** partition, offset, timestamp per record */
  meta: Float64Array;
  /** key length, value length per record (-1 for null) */
  lengths: Int32Array;
  data: Uint8Array;
  /** headers per record, only for records that have any */
  headers: (Record<string, Uint8Array | string | null | (Uint8Array | string | null)[]> | null)[] | null;
}

export function packBatch(topic: string, records: readonly SampledRecord[]): PackedBatch {
  const count = records.length;
  const meta = new Float64Array(count * 3);
  const lengths = new Int32Array(count * 2);
  let size = 0;
  let anyHeaders = false;
  for (const r of records) {
    size += (r.key?.length ?? 0) + (r.value?.length ?? 0);
    if (!anyHeaders) for (const _ in r.headers) { anyHeaders = true; break; }
  }
  const data = new Uint8Array(size);
  const headers = anyHeaders ? new Array<PackedBatch['headers'] extends (infer H)[] | null ? H : never>(count).fill(null) : null;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    meta[i * 3] = r.partition;
    meta[i * 3 + 1] = Number(r.offset);
    meta[i * 3 + 2] = r.timestampMs;
    if (r.key) {
      data.set(r.key, at);
      at += r.key.length;
      lengths[i * 2] = r.key.length;
    } else lengths[i * 2] = -1;
    if (r.value) {
      data.set(r.value, at);
      at += r.value.length;
      lengths[i * 2 + 1] = r.value.length;
    } else lengths[i * 2 + 1] = -1;
    if (headers) {
      let h: Record<string, Uint8Array | string | null | (Uint8Array | string | null)[]> | null = null;
      for (const name in r.headers) {
        const v = r.headers[name];
        if (v === undefined) continue;
        (h ??= {})[name] = v;
      }
      headers[i] = h;
    }
  }
  return { topic, count, meta, lengths, data, headers };
}

export function unpackBatch(batch: PackedBatch, onRecord: (r: RecordInput) => void): void {
  const { meta, lengths, data } = batch;
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  for (let i = 0; i < batch.count; i++) {
    const kl = lengths[i * 2]!;
    const vl = lengths[i * 2 + 1]!;
    const key = kl >= 0 ? buf.subarray(at, at + kl) : null;
    at += Math.max(0, kl);
    const value = vl >= 0 ? buf.subarray(at, at + vl) : null;
    at += Math.max(0, vl);
    const h = batch.headers?.[i];
    const headers: RecordInput['headers'] = {};
    if (h) for (const name in h) {
      const v = h[name]!;
      headers[name] = Array.isArray(v) ? v.map(toBuf) : toBuf(v);
    }
    onRecord({ partition: meta[i * 3]!, offset: BigInt(meta[i * 3 + 1]!), timestampMs: meta[i * 3 + 2]!, key, value, headers });
  }
}

function toBuf(v: Uint8Array | string | null): Buffer | string | null {
  return v === null || typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Decodes a partition's record batches where inference runs and feeds each record in the window to `sample`. */
export async function inferRecordSet(sample: TopicSample, topic: string, partition: number, set: RawRecordSet): Promise<void> {
  try {
    // each record counted where it lies in the batch: no copy of it, no object per record
    await visitRecordSet(set.bytes, { topic, partition, from: set.from, to: set.to, abortedTransactions: set.abortedTransactions, decompress }, (view) => sample.addParts(view));
  } catch (e) {
    // a compression bomb in the topic costs one window of one partition, never the machine
    if (!(e instanceof BatchTooLargeError)) throw e;
    const note = `in partition ${partition}, a window of records was skipped: ${e.message} (ZDP_MAX_BATCH_BYTES)`;
    sample.value.notes.set(note, (sample.value.notes.get(note) ?? 0) + 1);
    return;
  }
}

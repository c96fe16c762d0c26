/**
 * MirrorMaker 2's internal record formats, decoded: offset syncs (`mm2-offset-syncs.<target>.internal`)
 * and checkpoints (`<source>.checkpoints.internal`). Kafka protocol types, big-endian; STRING is a
 * 2-byte length and UTF-8. Pure; undecodable records give undefined, never an exception.
 */
import type { Checkpoint, OffsetSync } from '../../core/offsets/mm2-types.js';
import { Reader } from './wire.js';

export type { Checkpoint, OffsetSync } from '../../core/offsets/mm2-types.js';

export function decodeOffsetSync(key: Buffer | null, value: Buffer | null): OffsetSync | undefined {
  if (!key || !value) return undefined;
  try {
    const k = new Reader(key);
    const topic = k.string();
    const partition = k.int32();
    const v = new Reader(value);
    return { topic, partition, upstream: v.int64(), downstream: v.int64() };
  } catch {
    return undefined;
  }
}

export function decodeCheckpoint(key: Buffer | null, value: Buffer | null): Checkpoint | undefined {
  if (!key || !value) return undefined;
  try {
    const k = new Reader(key);
    const group = k.string();
    const topic = k.string();
    const partition = k.int32();
    const v = new Reader(value);
    if (v.int16() !== 0) return undefined;
    return { group, topic, partition, upstream: v.int64(), downstream: v.int64(), metadata: v.string() };
  } catch {
    return undefined;
  }
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function i64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
}

function i32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** Encoders, the inverse of the decoders (tests and fixtures). */
export function encodeOffsetSync(s: OffsetSync): { key: Buffer; value: Buffer } {
  return { key: Buffer.concat([str(s.topic), i32(s.partition)]), value: Buffer.concat([i64(s.upstream), i64(s.downstream)]) };
}

export function encodeCheckpoint(c: Checkpoint): { key: Buffer; value: Buffer } {
  const version = Buffer.alloc(2);
  return { key: Buffer.concat([str(c.group), str(c.topic), i32(c.partition)]), value: Buffer.concat([version, i64(c.upstream), i64(c.downstream), str(c.metadata)]) };
}

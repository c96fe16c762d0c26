/**
 * Record-batch decompression through kafkajs's codec registry: gzip built in, and whatever codecs
 * an application registered with kafkajs (snappy, lz4, zstd), exactly as its consumers would.
 */
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { unzip } from 'node:zlib';
import { PartialError } from '../errors.js';

const require = createRequire(import.meta.url);
const { lookupCodec } = require('kafkajs/src/protocol/message/compression') as { lookupCodec: (type: number) => { decompress(b: Buffer): Promise<Buffer> } | null };

const NAMES: Record<number, string> = { 1: 'gzip', 2: 'snappy', 3: 'lz4', 4: 'zstd' };

/** The most a record batch may decompress to, unless ZDP_MAX_BATCH_BYTES says otherwise (64 MiB: Kafka's default batch limit is 1 MiB compressed). */
export const DEFAULT_MAX_BATCH_BYTES = 64 * 1024 * 1024;

export function maxBatchBytes(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.ZDP_MAX_BATCH_BYTES);
  return Number.isSafeInteger(n) && n >= 1024 ? n : DEFAULT_MAX_BATCH_BYTES;
}

/** A record batch that decompresses past the limit: a compression bomb, or a limit set too low. */
export class BatchTooLargeError extends PartialError {
  constructor(codec: number, limit: number) {
    super('BATCH_TOO_LARGE', `a record batch compressed with ${NAMES[codec] ?? `codec ${codec}`} decompresses to more than ${limit} bytes`, { hint: 'zdp stops there rather than exhaust memory; if the topic really holds batches that large, raise ZDP_MAX_BATCH_BYTES' });
  }
}

const unzipBounded = promisify(unzip) as (data: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>;

/** Decompresses a batch's records section, never past `limit` bytes (gzip stops while inflating; other codecs are checked after). */
export async function decompress(codec: number, data: Buffer, limit = maxBatchBytes()): Promise<Buffer> {
  if (codec === 1) {
    try {
      return await unzipBounded(data, { maxOutputLength: limit });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw new BatchTooLargeError(codec, limit);
      throw e;
    }
  }
  let c: { decompress(b: Buffer): Promise<Buffer> } | null;
  try {
    c = lookupCodec(codec);
  } catch {
    c = null;
  }
  if (!c) throw new Error(`records compressed with ${NAMES[codec] ?? `codec ${codec}`}, which kafkajs has no codec for here`);
  const out = await c.decompress(data);
  if (out.length > limit) throw new BatchTooLargeError(codec, limit);
  return out;
}

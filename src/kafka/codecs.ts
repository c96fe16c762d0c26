/**
 * Record-batch decompression through kafkajs's codec registry: gzip built in, and whatever codecs
 * an application registered with kafkajs (snappy, lz4, zstd), exactly as its consumers would.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { lookupCodec } = require('kafkajs/src/protocol/message/compression') as { lookupCodec: (type: number) => { decompress(b: Buffer): Promise<Buffer> } | null };

const NAMES: Record<number, string> = { 1: 'gzip', 2: 'snappy', 3: 'lz4', 4: 'zstd' };

export async function decompress(codec: number, data: Buffer): Promise<Buffer> {
  let c: { decompress(b: Buffer): Promise<Buffer> } | null;
  try {
    c = lookupCodec(codec);
  } catch {
    c = null;
  }
  if (!c) throw new Error(`records compressed with ${NAMES[codec] ?? `codec ${codec}`}, which kafkajs has no codec for here`);
  return c.decompress(data);
}

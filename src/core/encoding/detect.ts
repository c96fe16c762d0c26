import { isUtf8 } from 'node:buffer';

/**
 * Recognises how one record's key or value is encoded, without a registry: tombstone, empty,
 * Schema Registry framing (Confluent 4-byte id, Apicurio 8-byte id), JSON, UTF-8 text or binary.
 * Pure; a topic's encoding is decided by a vote over its samples (see EncodingVote).
 */

export type Encoding = 'tombstone' | 'empty' | 'registry' | 'registry-apicurio' | 'json' | 'text' | 'binary';

export interface DetectedRecordPart {
  encoding: Encoding;
  /** registry-framed: the schema id in the first bytes */
  schemaId?: number;
  /** registry-framed: the bytes after the id */
  body?: Buffer;
  /** json: the parsed value */
  json?: unknown;
  /** json and text: the decoded text */
  text?: string;
  /** why a plausible reading was rejected, e.g. invalid UTF-8 */
  note?: string;
}

/** Valid UTF-8 text, or undefined. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  return decodeUtf8At(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.byteLength);
}

/**
 * Buffer's own UTF-8 decoder, which `toString('utf8', start, end)` calls after checking its
 * arguments again and looking the encoding up (a tenth of a microsecond a call: extract decodes
 * every key and value); toString where a runtime has no such method.
 */
const utf8Slice: (buf: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as unknown as { utf8Slice?: unknown }).utf8Slice === 'function'
    ? (buf, start, end) => (buf as unknown as { utf8Slice(start: number, end: number): string }).utf8Slice(start, end)
    : (buf, start, end) => buf.toString('utf8', start, end);

/** decodeUtf8 of `length` bytes of `buf` from `start`, without a view of them */
function decodeUtf8At(buf: Buffer, start: number, length: number): string | undefined {
  const text = utf8Slice(buf, start, start + length);
  // invalid sequences decode to U+FFFD: only a text that has one needs the full check (a valid U+FFFD is rare),
  // which keeps decoding to one pass over the bytes for the common case
  if (text.includes('\uFFFD') && !isUtf8(buf.subarray(start, start + length))) return undefined;
  return text;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Starts like a JSON text: { [ " - 0-9 t f n after JSON whitespace (the only whitespace JSON.parse accepts). */
function looksLikeJson(text: string): boolean {
  let i = 0;
  let c = text.charCodeAt(0);
  while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = text.charCodeAt(++i);
  return c === 0x7b || c === 0x5b || c === 0x22 || c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e;
}

export function detectEncoding(value: Buffer | null | undefined): DetectedRecordPart {
  if (value === null || value === undefined) return { encoding: 'tombstone' };
  return detectEncodingAt(value, 0, value.length);
}

/** detectEncoding of `length` bytes of `buf` from `start` (-1: null), without a view of them: readers that decode in place call it for every record */
export function detectEncodingAt(buf: Buffer, start: number, length: number): DetectedRecordPart {
  if (length < 0) return { encoding: 'tombstone' };
  if (length === 0) return { encoding: 'empty' };
  if (buf[start] === 0 && length >= 5) {
    const id = buf.readUInt32BE(start + 1);
    if (id !== 0) return { encoding: 'registry', schemaId: id, body: buf.subarray(start + 5, start + length) };
    if (length >= 9) {
      const big = buf.readBigUInt64BE(start + 1);
      if (big > 0n && big <= BigInt(Number.MAX_SAFE_INTEGER)) return { encoding: 'registry-apicurio', schemaId: Number(big), body: buf.subarray(start + 9, start + length) };
    }
  }
  const text = decodeUtf8At(buf, start, length);
  if (text === undefined) {
    // only worth a word when the bytes start like JSON: then the producer meant text and broke it
    const first = buf[start];
    return first === 0x7b || first === 0x5b || first === 0x22 ? { encoding: 'binary', note: 'starts like JSON but is not valid UTF-8' } : { encoding: 'binary' };
  }
  if (looksLikeJson(text)) {
    try {
      return { encoding: 'json', json: JSON.parse(text), text };
    } catch {
      // falls through to text
    }
  }
  if (CONTROL.test(text)) return { encoding: 'binary' };
  return { encoding: 'text', text };
}

/** Counts encodings over a topic's samples and names the winner with its share. */
export class EncodingVote {
  readonly counts = new Map<Encoding, number>();
  total = 0;

  add(encoding: Encoding): void {
    this.counts.set(encoding, (this.counts.get(encoding) ?? 0) + 1);
    this.total++;
  }

  static revive(plain: EncodingVote): EncodingVote {
    return Object.setPrototypeOf(plain, EncodingVote.prototype) as EncodingVote;
  }

  merge(other: EncodingVote): void {
    for (const [k, v] of other.counts) this.counts.set(k, (this.counts.get(k) ?? 0) + v);
    this.total += other.total;
  }

  /** Encodings of real content (not tombstones or empty), most frequent first, ties by name. */
  contentEncodings(): { encoding: Encoding; count: number }[] {
    return [...this.counts.entries()]
      .filter(([k]) => k !== 'tombstone' && k !== 'empty')
      .map(([encoding, count]) => ({ encoding, count }))
      .sort((a, b) => b.count - a.count || a.encoding.localeCompare(b.encoding));
  }

  winner(): { encoding: Encoding; confidence: number; mixed: boolean } | undefined {
    const content = this.contentEncodings();
    if (content.length === 0) return undefined;
    const total = content.reduce((s, c) => s + c.count, 0);
    const top = content[0]!;
    // JSON scalars that are also plain words ("true") do not make a text topic mixed
    const mixed = content.length > 1;
    return { encoding: top.encoding, confidence: Math.round((top.count / total) * 10000) / 10000, mixed };
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}

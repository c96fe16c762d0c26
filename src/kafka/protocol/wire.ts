/**
 * Just enough of the Kafka wire protocol to ask a broker which API versions and features it has
 * (ApiVersions v3, KIP-511/KIP-584). kafkajs does not expose this, and `zdp cluster check` needs it.
 * Pure encode/decode functions; the socket lives in probe.ts.
 */

export const API_VERSIONS_KEY = 18;

function uvarint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n >>> 0;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function compactString(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  return Buffer.concat([uvarint(body.length + 1), body]);
}

/** A size-prefixed ApiVersions v3 request (request header v2). */
export function encodeApiVersionsRequest(correlationId: number, clientId: string, softwareVersion: string): Buffer {
  const header = Buffer.alloc(8);
  header.writeInt16BE(API_VERSIONS_KEY, 0);
  header.writeInt16BE(3, 2);
  header.writeInt32BE(correlationId, 4);
  const client = Buffer.from(clientId, 'utf8');
  const clientLen = Buffer.alloc(2);
  clientLen.writeInt16BE(client.length, 0);
  const payload = Buffer.concat([
    header,
    clientLen,
    client,
    uvarint(0), // header tagged fields
    compactString('zdp'),
    compactString(softwareVersion.replace(/[^A-Za-z0-9.-]/g, '-')),
    uvarint(0), // body tagged fields
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResponse {
  correlationId: number;
  errorCode: number;
  apiKeys: ApiVersionRange[];
  supportedFeatures: Record<string, { minVersion: number; maxVersion: number }>;
  finalizedFeatures: Record<string, { minVersionLevel: number; maxVersionLevel: number }>;
}

/** Big-endian reader of Kafka protocol types (shared with the MirrorMaker 2 record decoders). */
export class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}
  int8(): number {
    const v = this.buf.readInt8(this.offset);
    this.offset += 1;
    return v;
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  int64(): bigint {
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.buf.readUInt8(this.offset++);
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 28) throw new Error('varint too long');
    }
  }
  /** STRING: INT16 length, then UTF-8 (a negative length is null, read as '') */
  string(): string {
    const len = this.int16();
    if (len < 0) return '';
    if (this.offset + len > this.buf.length) throw new RangeError('short string');
    const s = this.buf.toString('utf8', this.offset, this.offset + len);
    this.offset += len;
    return s;
  }
  compactString(): string {
    const len = this.uvarint() - 1;
    if (len < 0) return '';
    const s = this.buf.toString('utf8', this.offset, this.offset + len);
    this.offset += len;
    return s;
  }
  skip(n: number): void {
    this.offset += n;
  }
  skipTaggedFields(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.skip(this.uvarint());
    }
  }
  get remaining(): number {
    return this.buf.length - this.offset;
  }
  sub(n: number): Reader {
    const r = new Reader(this.buf.subarray(this.offset, this.offset + n));
    this.offset += n;
    return r;
  }
}

/**
 * Decodes an ApiVersions response body (without the 4-byte size). A broker that does not know v3
 * answers UNSUPPORTED_VERSION (35) in the v0 layout, which is decoded too.
 */
export function decodeApiVersionsResponse(body: Buffer): ApiVersionsResponse {
  const r = new Reader(body);
  const correlationId = r.int32();
  const errorCode = r.int16();
  const out: ApiVersionsResponse = { correlationId, errorCode, apiKeys: [], supportedFeatures: {}, finalizedFeatures: {} };
  if (errorCode === 35) {
    const n = r.int32();
    for (let i = 0; i < n && r.remaining >= 6; i++) out.apiKeys.push({ apiKey: r.int16(), minVersion: r.int16(), maxVersion: r.int16() });
    return out;
  }
  const n = r.uvarint() - 1;
  for (let i = 0; i < n; i++) {
    out.apiKeys.push({ apiKey: r.int16(), minVersion: r.int16(), maxVersion: r.int16() });
    r.skipTaggedFields();
  }
  r.int32(); // throttle_time_ms
  const tags = r.uvarint();
  for (let i = 0; i < tags; i++) {
    const tag = r.uvarint();
    const size = r.uvarint();
    const t = r.sub(size);
    if (tag === 0) {
      const count = t.uvarint() - 1;
      for (let j = 0; j < count; j++) {
        const name = t.compactString();
        const minVersion = t.int16();
        const maxVersion = t.int16();
        t.skipTaggedFields();
        out.supportedFeatures[name] = { minVersion, maxVersion };
      }
    } else if (tag === 2) {
      const count = t.uvarint() - 1;
      for (let j = 0; j < count; j++) {
        const name = t.compactString();
        const maxVersionLevel = t.int16();
        const minVersionLevel = t.int16();
        t.skipTaggedFields();
        out.finalizedFeatures[name] = { minVersionLevel, maxVersionLevel };
      }
    }
  }
  out.apiKeys.sort((a, b) => a.apiKey - b.apiKey);
  return out;
}

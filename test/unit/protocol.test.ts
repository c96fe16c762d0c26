import { describe, expect, it } from 'vitest';
import { decodeApiVersionsResponse, encodeApiVersionsRequest } from '../../src/kafka/protocol/wire.js';
import { apiName, releaseFromMetadataLevel } from '../../src/core/kafka-versions.js';

function uv(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
const i16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const i32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const cstr = (s: string) => [...uv(s.length + 1), ...Buffer.from(s)];

describe('ApiVersions v3', () => {
  it('encodes a request with header v2 and compact strings', () => {
    const buf = encodeApiVersionsRequest(7, 'zdp', '0.1.0');
    expect(buf.readInt32BE(0)).toBe(buf.length - 4);
    expect(buf.readInt16BE(4)).toBe(18);
    expect(buf.readInt16BE(6)).toBe(3);
    expect(buf.readInt32BE(8)).toBe(7);
    expect(buf.subarray(12).toString('latin1')).toBe('\u0000\u0003zdp\u0000\u0004zdp\u00060.1.0\u0000');
  });

  it('decodes api ranges and finalized features from tagged fields', () => {
    const features = [...uv(2), ...cstr('metadata.version'), ...i16(21), ...i16(1), 0];
    const supported = [...uv(2), ...cstr('metadata.version'), ...i16(1), ...i16(21), 0];
    const body = [
      ...i32(1), ...i16(0),
      ...uv(3), ...i16(0), ...i16(0), ...i16(11), 0, ...i16(18), ...i16(0), ...i16(4), 0,
      ...i32(0),
      ...uv(2),
      ...uv(0), ...uv(supported.length), ...supported,
      ...uv(2), ...uv(features.length), ...features,
    ];
    const r = decodeApiVersionsResponse(Buffer.from(body));
    expect(r.correlationId).toBe(1);
    expect(r.errorCode).toBe(0);
    expect(r.apiKeys).toEqual([{ apiKey: 0, minVersion: 0, maxVersion: 11 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }]);
    expect(r.finalizedFeatures).toEqual({ 'metadata.version': { minVersionLevel: 1, maxVersionLevel: 21 } });
    expect(r.supportedFeatures).toEqual({ 'metadata.version': { minVersion: 1, maxVersion: 21 } });
  });

  it('decodes the v0 fallback of a broker that does not know v3', () => {
    const body = [...i32(1), ...i16(35), ...i32(1), ...i16(18), ...i16(0), ...i16(2)];
    expect(decodeApiVersionsResponse(Buffer.from(body)).apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 2 }]);
  });
});

describe('Kafka releases from metadata.version', () => {
  it.each([
    [21, '3.9', '3.9-IV0'],
    [25, '4.0', '4.0-IV3'],
    [30, '4.3', '4.3-IV0'],
    [33, '4.4', '4.4-IV2'],
  ])('level %i is Kafka %s', (level, release, mv) => {
    expect(releaseFromMetadataLevel(level)).toEqual({ release, metadataVersion: mv, level });
  });
  it('says "newer" for levels past the table and nothing for unknown ones', () => {
    expect(releaseFromMetadataLevel(99)!.release).toBe('>4.5');
    expect(releaseFromMetadataLevel(0)).toBeUndefined();
    expect(apiName(0)).toBe('Produce');
    expect(apiName(999)).toBe('Api999');
  });
});

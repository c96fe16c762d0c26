import { gzipSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { committedBehindOpenTransaction, decodeRecordSet, parseFetchV11, scanRecordSet } from '../../src/kafka/protocol/record-batch.js';

/** Zig-zag varint, as the record format writes them. */
function varint(n: number): Buffer {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
  return Buffer.from(out);
}
const bytes = (b: Buffer | null) => (b === null ? varint(-1) : Buffer.concat([varint(b.length), b]));

interface R {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: [string, Buffer | null][];
}

function record(r: R): Buffer {
  const body = Buffer.concat([Buffer.from([0]), varint(r.timestampDelta), varint(r.offsetDelta), bytes(r.key), bytes(r.value), varint(r.headers?.length ?? 0), ...(r.headers ?? []).map(([k, v]) => Buffer.concat([bytes(Buffer.from(k)), bytes(v)]))]);
  return Buffer.concat([varint(body.length), body]);
}

function batch(o: { baseOffset: bigint; records: R[]; attributes?: number; producerId?: bigint; baseTimestamp?: number; maxTimestamp?: number; magic?: number; gzip?: boolean }): Buffer {
  let section = Buffer.concat(o.records.map(record));
  if (o.gzip) section = gzipSync(section);
  const h = Buffer.alloc(61);
  h.writeBigInt64BE(o.baseOffset, 0);
  h.writeInt32BE(49 + section.length, 8);
  h.writeInt8(o.magic ?? 2, 16);
  h.writeInt16BE((o.attributes ?? 0) | (o.gzip ? 1 : 0), 21);
  h.writeInt32BE(Math.max(0, ...o.records.map((r) => r.offsetDelta)), 23);
  h.writeBigInt64BE(BigInt(o.baseTimestamp ?? 1_700_000_000_000), 27);
  h.writeBigInt64BE(BigInt(o.maxTimestamp ?? 1_700_000_000_000), 35);
  h.writeBigInt64BE(o.producerId ?? -1n, 43);
  h.writeInt32BE(o.records.length, 57);
  return Buffer.concat([h, section]);
}

const decompress = async (codec: number, data: Buffer) => {
  expect(codec).toBe(1);
  return gunzipSync(data);
};
const all = { from: 0n, to: 1n << 62n, decompress };

describe('record batches decoded by zdp', () => {
  it('decodes keys, values, nulls, repeated and null headers, large timestamp deltas and gzip', async () => {
    const set = Buffer.concat([
      batch({ baseOffset: 10n, records: [{ offsetDelta: 0, timestampDelta: 0, key: Buffer.from('k'), value: Buffer.from('v'), headers: [['h', Buffer.from('1')], ['h', null], ['x', Buffer.from('2')]] }, { offsetDelta: 1, timestampDelta: 5_000_000_000, key: null, value: null }] }),
      batch({ baseOffset: 12n, gzip: true, records: [{ offsetDelta: 0, timestampDelta: -3, key: Buffer.from('z'), value: Buffer.from('{"a":1}') }] }),
    ]);
    const r = await decodeRecordSet(set, all);
    expect(r.lastOffset).toBe(12n);
    expect(r.records.map((x) => [x.offset, x.timestampMs, x.key?.toString() ?? null, x.value?.toString() ?? null])).toEqual([
      [10n, 1_700_000_000_000, 'k', 'v'],
      [11n, 1_705_000_000_000, null, null],
      [12n, 1_699_999_999_997, 'z', '{"a":1}'],
    ]);
    expect(r.records[0]!.headers).toEqual({ h: [Buffer.from('1'), null], x: Buffer.from('2') });
  });

  it('keeps to the window, takes log-append time, and leaves a cut-off last batch for the next fetch', async () => {
    const a = batch({ baseOffset: 0n, records: [0, 1, 2, 3].map((d) => ({ offsetDelta: d, timestampDelta: d, key: null, value: Buffer.from(String(d)) })) });
    const b = batch({ baseOffset: 4n, attributes: 0x08, maxTimestamp: 42, records: [{ offsetDelta: 0, timestampDelta: 0, key: null, value: Buffer.from('4') }] });
    const window = await decodeRecordSet(Buffer.concat([a, b]), { from: 1n, to: 3n, decompress });
    expect(window.records.map((x) => x.offset)).toEqual([1n, 2n]);
    expect(window.lastOffset).toBe(4n);
    expect((await decodeRecordSet(b, all)).records[0]!.timestampMs).toBe(42);
    const cut = Buffer.concat([a, b.subarray(0, b.length - 3)]);
    expect((await decodeRecordSet(cut, all)).lastOffset).toBe(3n);
    expect(scanRecordSet(cut)).toEqual({ lastOffset: 3n, bytes: a.length });
    expect(scanRecordSet(Buffer.concat([a, batch({ baseOffset: 4n, magic: 1, records: [] })]))).toMatchObject({ lastOffset: 3n, unsupportedMagic: 1 });
  });

  it('skips aborted transactions and control batches when reading committed', async () => {
    const tx = (base: bigint, pid: bigint, tag: string) => batch({ baseOffset: base, attributes: 0x10, producerId: pid, records: [0, 1].map((d) => ({ offsetDelta: d, timestampDelta: 0, key: null, value: Buffer.from(`${tag}${d}`) })) });
    const marker = (base: bigint, pid: bigint, type: number) => {
      const key = Buffer.alloc(4);
      key.writeInt16BE(type, 2);
      return batch({ baseOffset: base, attributes: 0x30, producerId: pid, records: [{ offsetDelta: 0, timestampDelta: 0, key, value: Buffer.alloc(6) }] });
    };
    const set = Buffer.concat([tx(0n, 7n, 'a'), tx(2n, 8n, 'c'), marker(4n, 7n, 0), marker(5n, 8n, 1), tx(6n, 7n, 'n'), marker(8n, 7n, 1)]);
    const committed = await decodeRecordSet(set, { ...all, abortedTransactions: [{ producerId: 7n, firstOffset: 0n }] });
    expect(committed.records.map((x) => x.value!.toString())).toEqual(['c0', 'c1', 'n0', 'n1']);
    expect(committed.lastOffset).toBe(8n);
    const everything = await decodeRecordSet(set, all);
    expect(everything.records.map((x) => x.value!.toString())).toEqual(['a0', 'a1', 'c0', 'c1', 'n0', 'n1']);
  });

  it('finds committed records held back by an open transaction (read_uncommitted, from the last stable offset)', () => {
    const tx = (base: bigint, pid: bigint) => batch({ baseOffset: base, attributes: 0x10, producerId: pid, records: [0, 1].map((d) => ({ offsetDelta: d, timestampDelta: 0, key: null, value: Buffer.from('t') })) });
    const plain = (base: bigint) => batch({ baseOffset: base, producerId: 99n, records: [{ offsetDelta: 0, timestampDelta: 0, key: null, value: Buffer.from('p') }] });
    const marker = (base: bigint, pid: bigint, type: number) => {
      const key = Buffer.alloc(4);
      key.writeInt16BE(type, 2);
      return batch({ baseOffset: base, attributes: 0x30, producerId: pid, records: [{ offsetDelta: 0, timestampDelta: 0, key, value: Buffer.alloc(6) }] });
    };
    // only the open transaction (and one that aborted after it): nothing anyone waits for
    expect(committedBehindOpenTransaction([Buffer.concat([tx(10n, 7n), tx(12n, 8n), marker(14n, 8n, 0), tx(15n, 7n)])])).toBeUndefined();
    expect(committedBehindOpenTransaction([])).toBeUndefined();
    // a plain producer's record after the open transaction began
    expect(committedBehindOpenTransaction([Buffer.concat([tx(10n, 7n), plain(12n)]), plain(13n)])).toBe(12n);
    // another transaction that committed after the open one began
    expect(committedBehindOpenTransaction([Buffer.concat([tx(10n, 7n), tx(12n, 8n), marker(14n, 8n, 1)])])).toBe(12n);
    // a commit marker of the same producer before its batch does not commit it
    expect(committedBehindOpenTransaction([Buffer.concat([marker(9n, 8n, 1), tx(10n, 7n), tx(12n, 8n)])])).toBeUndefined();
  });

  it('parses a Fetch v11 response with record sets left as bytes', () => {
    const records = batch({ baseOffset: 0n, records: [{ offsetDelta: 0, timestampDelta: 0, key: null, value: Buffer.from('x') }] });
    const parts: Buffer[] = [];
    const i16 = (n: number) => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
    const i32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
    const i64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b; };
    parts.push(i32(0), i16(0), i32(0), i32(1), i16(6), Buffer.from('orders'), i32(1));
    parts.push(i32(3), i16(0), i64(1n), i64(1n), i64(0n), i32(1), i64(9n), i64(0n), i32(-1), i32(records.length), records);
    const r = parseFetchV11(Buffer.concat(parts));
    expect(r.errorCode).toBe(0);
    expect(r.topics).toHaveLength(1);
    expect(r.topics[0]!.topic).toBe('orders');
    expect(r.topics[0]!.partitions[0]).toMatchObject({ partition: 3, errorCode: 0, highWatermark: 1n, lastStableOffset: 1n, abortedTransactions: [{ producerId: 9n, firstOffset: 0n }] });
    expect(r.topics[0]!.partitions[0]!.records!.equals(records)).toBe(true);
  });
});

describe('inference over record views', () => {
  it('counts what it counts over decoded records: every encoding, null and repeated headers, gzip, a window', async () => {
    const { TopicSample } = await import('../../src/core/inference/topic-sample.js');
    const { visitRecordSet } = await import('../../src/kafka/protocol/record-batch.js');
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), Buffer.from('avro')]);
    const records = (base: number): R[] => [
      { offsetDelta: 0, timestampDelta: base, key: Buffer.from(`order-${base}`), value: Buffer.from(JSON.stringify({ id: '123e4567-e89b-12d3-a456-42661417400' + (base % 10), at: '2026-12-04T10:55:21Z', n: base, nested: { x: [1, 2.5, null] } })), headers: [['h', Buffer.from('1')], ['h', null], ['n', null], ['x', Buffer.from([0xff])]] },
      { offsetDelta: 1, timestampDelta: 1, key: null, value: null },
      { offsetDelta: 2, timestampDelta: 2, key: Buffer.alloc(0), value: Buffer.from('plain text') },
      { offsetDelta: 3, timestampDelta: 3, key: Buffer.from([0, 0xfe, 0xff]), value: framed },
      { offsetDelta: 4, timestampDelta: 4, key: Buffer.from('{"k":1}'), value: Buffer.from([0x7b, 0xff, 0xfe]) },
    ];
    const set = Buffer.concat([batch({ baseOffset: 100n, records: records(1) }), batch({ baseOffset: 105n, gzip: true, records: records(2) }), batch({ baseOffset: 110n, records: records(3) })]);
    const options = { topic: 't', partition: 4, from: 101n, to: 113n, decompress };
    const viaRecords = new TopicSample('t');
    for (const r of (await decodeRecordSet(set, options)).records) viaRecords.add(r);
    const viaViews = new TopicSample('t');
    const visited = await visitRecordSet(set, options, (v) => viaViews.addParts(v));
    expect(visited.lastOffset).toBe(114n);
    const plain = (s: unknown) => JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Map ? [...v] : v));
    expect(viaViews.records).toBe(12);
    expect(plain(viaViews)).toBe(plain(viaRecords));
    // a header sent without a value is counted, not read
    expect(viaViews.headers.get('n')!.count).toBe(2);
    expect(viaViews.examples.map((e) => e.offset)).toEqual([102n, 103n, 104n]);
  });
});

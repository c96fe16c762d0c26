import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, decodeOffsetSync, encodeCheckpoint, encodeOffsetSync } from '../../src/kafka/protocol/mm2-records.js';
import { fingerprint, mm2Translate, translate, walk, type FpRecord } from '../../src/core/offsets/translate.js';

const rec = (offset: number, fp: string): FpRecord => ({ offset: BigInt(offset), fp });
/** records a..z at the given offsets */
const log = (offsets: number[], names = 'abcdefghijklmnopqrstuvwxyz') => offsets.map((o, i) => rec(o, names[i]!));

describe('MirrorMaker 2 record formats', () => {
  it('decodes what it encodes, as MM2 writes it', () => {
    const s = { topic: 'orders.created', partition: 7, upstream: 1234n, downstream: 1200n };
    const e = encodeOffsetSync(s);
    // STRING = int16 length + UTF-8, then INT32 partition
    expect(e.key.subarray(0, 2).readInt16BE()).toBe(14);
    expect(e.key.length).toBe(2 + 14 + 4);
    expect(e.value.length).toBe(16);
    expect(decodeOffsetSync(e.key, e.value)).toEqual(s);
    const c = { group: 'billing', topic: 'orders.created', partition: 2, upstream: 99n, downstream: 98n, metadata: '' };
    const ce = encodeCheckpoint(c);
    expect(ce.value.subarray(0, 2).readInt16BE()).toBe(0);
    expect(decodeCheckpoint(ce.key, ce.value)).toEqual(c);
  });

  it('gives undefined for truncated or foreign bytes', () => {
    expect(decodeOffsetSync(Buffer.from([0, 9, 1]), Buffer.alloc(16))).toBeUndefined();
    expect(decodeCheckpoint(encodeCheckpoint({ group: 'g', topic: 't', partition: 0, upstream: 1n, downstream: 1n, metadata: '' }).key, Buffer.from([0, 1, 0]))).toBeUndefined();
    expect(decodeOffsetSync(null, null)).toBeUndefined();
  });
});

describe('fingerprint', () => {
  const base = { timestampMs: 1_790_000_000_000, key: Buffer.from('k'), value: Buffer.from('v'), headers: [['a', Buffer.from('1')]] as [string, Buffer][] };
  it('changes with timestamp, key, value, header order and null vs empty', () => {
    const f = fingerprint(base);
    expect(f).toMatch(/^[0-9a-f]{40}$/);
    expect(fingerprint({ ...base })).toBe(f);
    expect(fingerprint({ ...base, timestampMs: 1_790_000_000_001 })).not.toBe(f);
    expect(fingerprint({ ...base, key: null })).not.toBe(fingerprint({ ...base, key: Buffer.alloc(0) }));
    expect(fingerprint({ ...base, value: Buffer.from('w') })).not.toBe(f);
    const two = [['a', Buffer.from('1')], ['b', Buffer.from('2')]] as [string, Buffer][];
    expect(fingerprint({ ...base, headers: two })).not.toBe(fingerprint({ ...base, headers: [two[1]!, two[0]!] }));
    // a key/value boundary shift is not the same record
    expect(fingerprint({ ...base, key: Buffer.from('kv'), value: Buffer.from('') })).not.toBe(fingerprint({ ...base, key: Buffer.from('k'), value: Buffer.from('v') }));
  });
});

describe('walk and translate', () => {
  it('maps through transaction markers on both sides (offsets differ, records do not)', () => {
    // source: a b [marker 2] c d [marker 5] e ; target (MM2 EOS): a b c [m] d e [m]
    const source = log([0, 1, 3, 4, 6]);
    const target = log([0, 1, 2, 4, 5]);
    const { mapped } = walk(source, target);
    expect([...mapped]).toEqual([[0n, 0n], [1n, 1n], [3n, 2n], [4n, 4n], [6n, 5n]]);
    // committed 2 (the marker): the next record is c at 3, whose copy is at 2
    expect(translate({ committed: 2n, sourceLogStart: 0n, sourceEnd: 7n, targetEnd: 7n, source, target, sourceComplete: true })).toEqual({ kind: 'exact', source: 2n, next: 3n, target: 2n, fingerprint: 'c' });
    // committed 6: e, copied at 5
    expect(translate({ committed: 6n, sourceLogStart: 0n, sourceEnd: 7n, targetEnd: 7n, source, target, sourceComplete: true })).toMatchObject({ kind: 'exact', target: 5n });
  });

  it('takes the last copy of a record MM2 replayed, so nothing is read twice', () => {
    const source = log([10, 11, 12, 13]);
    // target: a b c | replay of b c | d
    const target = [rec(0, 'a'), rec(1, 'b'), rec(2, 'c'), rec(3, 'b'), rec(4, 'c'), rec(5, 'd')];
    const r = walk(source, target);
    expect(r.divergedAt).toBeUndefined();
    expect(r.mapped.get(11n)).toBe(3n);
    expect(r.mapped.get(12n)).toBe(4n);
    expect(translate({ committed: 12n, sourceLogStart: 10n, sourceEnd: 14n, targetEnd: 6n, source, target, sourceComplete: true })).toMatchObject({ kind: 'exact', target: 4n });
    expect(translate({ committed: 13n, sourceLogStart: 10n, sourceEnd: 14n, targetEnd: 6n, source, target, sourceComplete: true })).toMatchObject({ kind: 'exact', target: 5n });
  });

  it('reports a drained group as caught up at the target end', () => {
    const source = log([0, 1, 2]);
    expect(translate({ committed: 3n, sourceLogStart: 0n, sourceEnd: 4n, targetEnd: 5n, source, target: log([0, 1, 2]), sourceComplete: true })).toEqual({ kind: 'caught-up', source: 3n, target: 5n });
    expect(translate({ committed: 4n, sourceLogStart: 0n, sourceEnd: 4n, targetEnd: 5n, source, target: [], sourceComplete: true })).toEqual({ kind: 'caught-up', source: 4n, target: 5n });
  });

  it('tells apart not yet replicated, diverged, below the log start and beyond the end', () => {
    const source = log([0, 1, 2, 3]);
    expect(translate({ committed: 3n, sourceLogStart: 0n, sourceEnd: 4n, targetEnd: 2n, source, target: log([0, 1]), sourceComplete: true })).toEqual({ kind: 'not-replicated', source: 3n, next: 3n, fingerprint: 'd' });
    expect(translate({ committed: 2n, sourceLogStart: 0n, sourceEnd: 4n, targetEnd: 4n, source, target: [rec(0, 'a'), rec(1, 'x'), rec(2, 'c')], sourceComplete: true })).toMatchObject({ kind: 'diverged', next: 2n });
    expect(translate({ committed: 2n, sourceLogStart: 5n, sourceEnd: 9n, targetEnd: 4n, source: [], target: [], sourceComplete: true })).toEqual({ kind: 'below-log-start', source: 2n, logStart: 5n });
    expect(translate({ committed: 12n, sourceLogStart: 0n, sourceEnd: 9n, targetEnd: 4n, source: [], target: [], sourceComplete: true })).toEqual({ kind: 'beyond-end', source: 12n, end: 9n });
    expect(() => translate({ committed: 3n, sourceLogStart: 0n, sourceEnd: 9n, targetEnd: 4n, source: log([0, 1]), target: [], sourceComplete: false })).toThrow(RangeError);
  });

  it('skips a compaction hole on the source', () => {
    const source = log([0, 5, 9]);
    const target = log([0, 1, 2]);
    expect(translate({ committed: 3n, sourceLogStart: 0n, sourceEnd: 10n, targetEnd: 3n, source, target, sourceComplete: true })).toMatchObject({ kind: 'exact', next: 5n, target: 1n });
  });
});

describe("MM2's own translation", () => {
  const syncs = [
    { upstream: 0n, downstream: 0n },
    { upstream: 100n, downstream: 90n },
    { upstream: 200n, downstream: 185n },
  ];
  it('is exact only on a sync, else the sync downstream + 1', () => {
    expect(mm2Translate(syncs, 100n)).toBe(90n);
    expect(mm2Translate(syncs, 150n)).toBe(91n);
    expect(mm2Translate(syncs, 250n)).toBe(186n);
    expect(mm2Translate([], 5n)).toBeUndefined();
  });
});

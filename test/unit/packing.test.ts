import { describe, expect, it } from 'vitest';
import { packBatch, unpackBatch } from '../../src/extract/packing.js';
import { defaultWorkers } from '../../src/extract/inference-pool.js';
import { TopicSample } from '../../src/core/inference/topic-sample.js';

describe('batch packing for worker threads', () => {
  it('round-trips keys, values, nulls, headers, offsets and timestamps', () => {
    const records = [
      { topic: 't', partition: 3, offset: 10n, timestampMs: 1700000000000, key: Buffer.from('k1'), value: Buffer.from('{"a":1}'), headers: { h: Buffer.from('v'), r: [Buffer.from('1'), 'two'] } },
      { topic: 't', partition: 0, offset: 2n, timestampMs: 1, key: null, value: null, headers: {} },
      { topic: 't', partition: 1, offset: 99n, timestampMs: 2, key: Buffer.alloc(0), value: Buffer.from([0xff, 0]), headers: {} },
    ];
    const out: unknown[] = [];
    unpackBatch(structuredClone(packBatch('t', records)), (r) => out.push({ ...r, key: r.key && [...r.key], value: r.value && [...r.value], headers: JSON.parse(JSON.stringify(r.headers)) }));
    expect(out).toEqual([
      { partition: 3, offset: 10n, timestampMs: 1700000000000, key: [...Buffer.from('k1')], value: [...Buffer.from('{"a":1}')], headers: JSON.parse(JSON.stringify({ h: Buffer.from('v'), r: [Buffer.from('1'), 'two'] })) },
      { partition: 0, offset: 2n, timestampMs: 1, key: null, value: null, headers: {} },
      { partition: 1, offset: 99n, timestampMs: 2, key: [], value: [0xff, 0], headers: {} },
    ]);
  });

  it('merges topic samples from several workers into what one pass gives', () => {
    const mk = (i: number) => ({ partition: i % 3, offset: BigInt(i), timestampMs: i, key: Buffer.from(`k${i}`), value: Buffer.from(JSON.stringify({ n: i, s: ['A', 'B'][i % 2] })), headers: { h: `v${i % 2}` } });
    const one = new TopicSample('t');
    const parts = [new TopicSample('t'), new TopicSample('t')];
    for (let i = 0; i < 120; i++) {
      one.add(mk(i));
      parts[i % 2]!.add(mk(i));
    }
    const merged = new TopicSample('t').merge(TopicSample.revive(structuredClone(parts[0]!))).merge(TopicSample.revive(structuredClone(parts[1]!)));
    expect(merged.records).toBe(120);
    expect(merged.examples).toEqual(one.examples);
    expect(merged.value.vote.toJSON()).toEqual(one.value.vote.toJSON());
    expect(merged.headers.get('h')!.count).toBe(120);
  });

  it('counts a header sent without a value (Kafka allows null) instead of failing on it', () => {
    const s = new TopicSample('t');
    s.add({ partition: 0, offset: 0n, timestampMs: 0, key: null, value: Buffer.from('{"a":1}'), headers: { n: null, r: [Buffer.from('1'), null] } });
    const packed: unknown[] = [];
    unpackBatch(structuredClone(packBatch('t', [{ topic: 't', partition: 0, offset: 1n, timestampMs: 0, key: null, value: Buffer.from('{"a":2}'), headers: { n: null } }])), (r) => {
      packed.push(r.headers);
      s.add(r);
    });
    expect(packed).toEqual([{ n: null }]);
    expect(s.headers.get('n')).toMatchObject({ count: 2, binary: 0 });
    expect(s.headers.get('r')).toMatchObject({ count: 1, repeated: 1 });
  });

  it('uses a worker thread per core, up to 4, from 2 cores', () => {
    expect([1, 2, 3, 4, 8, 64].map(defaultWorkers)).toEqual([0, 2, 3, 4, 4, 4]);
  });
});

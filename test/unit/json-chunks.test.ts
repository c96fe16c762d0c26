import { describe, expect, it } from 'vitest';
import { jsonChunks, writeJson } from '../../src/cli/json-chunks.js';
import { jsonReplacer } from '../../src/cli/io.js';

const same = (value: unknown) => {
  const pieces = [...jsonChunks(value, jsonReplacer)];
  expect(pieces.join('')).toBe(JSON.stringify(value, jsonReplacer, 2) ?? '');
  return pieces;
};

describe('JSON written in pieces', () => {
  it('gives the bytes JSON.stringify(value, replacer, 2) gives', () => {
    same({ kind: 'Parity', version: 1, n: 12n, empty: [], none: {}, skipped: undefined, fn: () => 1, when: new Date(0) });
    same({ rows: [{ a: 1n, b: 'line\nbreak "quoted"', c: [1, [2, { d: null }]], e: undefined }, undefined, () => 0, [], {}, 'x'] });
    same([{ a: { b: { c: [1, 2, { d: 3n }] } } }, [[[]]], 4]);
    same({ nested: { deeper: { rows: [{ x: 1 }], boxed: new String('s'), n: new Number(3) }, '': 'empty key', 'é\u2028': 1 } });
    same({ nan: Number.NaN, inf: Number.POSITIVE_INFINITY, neg: -0, big: 2n ** 70n });
    same('a string');
    same(42n);
    same(null);
    expect([...jsonChunks(undefined, jsonReplacer)]).toEqual([]);
  });

  it('writes a large result in several pieces, never one string of it all', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ topic: `t${i % 400}`, partition: i % 50, offset: BigInt(i) * 1_000_000n, status: 'ok' }));
    const writes: string[] = [];
    writeJson((c) => writes.push(c), { kind: 'Parity', rows }, jsonReplacer, 64 * 1024);
    expect(writes.length).toBeGreaterThan(10);
    expect(Math.max(...writes.map((w) => w.length))).toBeLessThan(64 * 1024 + 200);
    expect(writes.join('')).toBe(`${JSON.stringify({ kind: 'Parity', rows }, jsonReplacer, 2)}\n`);
  });
});

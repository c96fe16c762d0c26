/**
 * Bounds that keep hostile input from taking zdp down: a linear glob matcher, iterative depth checks,
 * decompression that stops at a limit, deep records kept out of examples.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { globMatch, selectTopics } from '../../src/core/sampling.js';
import { TopicSample } from '../../src/core/inference/topic-sample.js';
import { DEFAULT_INFERENCE, StatsNode } from '../../src/core/inference/json-infer.js';
import { BatchTooLargeError, decompress, maxBatchBytes } from '../../src/kafka/codecs.js';
import { controlCharacter, isInside, nameProblem, printable } from '../../src/core/names.js';

describe('glob matching', () => {
  it.each([
    ['orders', 'orders', true],
    ['orders', 'orders2', false],
    ['orders.*', 'orders.created', true],
    ['orders.*', 'orders', false],
    ['*', '', true],
    ['*.dlq', 'a.b.dlq', true],
    ['?rders', 'orders', true],
    ['o*s*d', 'orders.created', true],
    ['o*s*x', 'orders.created', false],
    ['o*s*d', 'ordersd', true],
    ['a.b', 'axb', false],
    ['[x]', '[x]', true],
    ['(a+)+', '(a+)+', true],
  ])('%s ~ %s: %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  it('answers a pattern of many stars against a long name without backtracking for minutes', () => {
    const name = 'a'.repeat(20_000);
    expect(globMatch('*a*a*a*a*a*a*b', name)).toBe(false);
    expect(globMatch('*a*a*a*a*a*a*', name)).toBe(true);
    expect(selectTopics([name, 'b'], ['*a*a*a*a*a*a*b'], []).unmatched).toEqual(['*a*a*a*a*a*a*b']);
  });
});

describe('depth and decompression limits', () => {
  it('learns that a value nests too deep while counting it, and never walks below the cap', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const node = new StatsNode();
    expect(node.observe(deep)).toBe(true);
    expect(new StatsNode().observe({ a: { b: [1, 2, { c: 3 }] } })).toBe(false);
    const options = { ...DEFAULT_INFERENCE, maxDepth: 1 };
    expect(new StatsNode().observe({ a: { b: 1 } }, options)).toBe(true);
    expect(new StatsNode().observe({ a: 1, b: null }, { ...DEFAULT_INFERENCE, maxDepth: 2 })).toBe(false);
    let below = node;
    for (let i = 0; i < 32; i++) below = below.items!;
    expect(below.tooDeep).toBe(1);
    expect(below.items).toBeNull();
  });

  it('keeps a 1,000-deep record out of the examples and says so', () => {
    let v: unknown = 1;
    for (let i = 0; i < 1000; i++) v = { a: v };
    const s = new TopicSample('deep');
    s.add({ partition: 0, offset: 0n, timestampMs: 1, key: null, value: Buffer.from(JSON.stringify(v)), headers: {} });
    expect(s.examples).toEqual([]);
    expect([...s.value.notes.keys()].join()).toContain('nested deeper than 32 levels');
  });

  it('stops inflating a gzip bomb at the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expect(decompress(1, bomb, 1024 * 1024)).rejects.toBeInstanceOf(BatchTooLargeError);
    await expect(decompress(1, bomb, 1024 * 1024)).rejects.toMatchObject({ code: 'BATCH_TOO_LARGE', exitCode: 8 });
    expect((await decompress(1, gzipSync(Buffer.from('fine')), 1024)).toString()).toBe('fine');
    expect(maxBatchBytes({ ZDP_MAX_BATCH_BYTES: '2048' })).toBe(2048);
    expect(maxBatchBytes({ ZDP_MAX_BATCH_BYTES: 'lots' })).toBe(64 * 1024 * 1024);
  });
});

describe('names and values', () => {
  it('has one rule for names that become paths', () => {
    for (const ok of ['source', 'target', 'prod-eu_1', '0']) expect(nameProblem('cluster', ok)).toBeUndefined();
    for (const bad of ['', '..', '../x', 'a/b', 'A', '-x', '.hidden', 'x'.repeat(64), 'a\nb', '__proto__']) expect(nameProblem('cluster', bad), bad).toBeDefined();
    expect(printable('a\nb\u0000')).toBe('a\\u000ab\\u0000');
  });

  it('keeps resolved paths inside their root', () => {
    expect(isInside('/s/migrations', '/s/migrations/a-to-b')).toBe(true);
    expect(isInside('/s/migrations', '/s/migrations/../x')).toBe(false);
    expect(isInside('/s/migrations', '/s/migrations2')).toBe(false);
    expect(isInside('/s', '/s')).toBe(true);
  });

  it('finds control characters, line separators included', () => {
    expect(controlCharacter('fine value')).toBeUndefined();
    expect(controlCharacter('a\tb')).toBe('U+0009');
    expect(controlCharacter('a\u2028b')).toBe('U+2028');
    expect(controlCharacter('a\u0085b')).toBe('U+0085');
  });
});

describe('documentation tables', () => {
  it('escapes a pipe and a line break in a cell, and counts in words', async () => {
    const { createRequire } = await import('node:module');
    const { cell, plural } = createRequire(import.meta.url)('../../templates/shared/doc-model.cjs') as { cell: (v: unknown) => string; plural: (n: number, w: string) => string };
    expect(cell('string | null')).toBe('string \\| null');
    expect(cell('two\nlines')).toBe('two lines');
    expect(cell(undefined)).toBe('');
    expect(plural(1, 'partition')).toBe('1 partition');
    expect(plural(3, 'replica')).toBe('3 replicas');
  });
});

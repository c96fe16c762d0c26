/**
 * The hand-written format checks inference runs on every string answer exactly as the regular
 * expressions they stand for: valid values, every single-character change of them, truncations,
 * extensions and random strings over the characters the formats use.
 */
import { describe, expect, it } from 'vitest';
import { FORMAT_CHECKS, FORMAT_TESTS, STRING_FORMATS } from '../../src/core/inference/json-infer.js';

const VALID = [
  '2026-12-04T10:55:21Z',
  '2026-12-04t10:55:21z',
  '1999-01-31T23:59:60.123456+05:30',
  '0000-10-09T00:00:00.1-23:59',
  '2026-02-29T20:00:00.000Z',
  '2026-12-04',
  '2026-09-30',
  '123e4567-e89b-12d3-a456-426614174000',
  'ABCDEF00-0000-4000-8000-000000000001',
  'c1@example.com',
  'a@b.c',
  'first.last+tag@mail.sub.example.co',
  'https://example.com/x',
  '192.168.0.255',
];
// the characters the formats are made of, and a few that are close to them
const ALPHABET = '0123456789-:.TtZz+ abcdefgABCDEFG@/xS\u0660\uff10\u00a0\n\t\v\u1680\u200a\u200b\u2028\u202f\u3000\ufeff\u0085\u180e';

function* variants(s: string): Generator<string> {
  yield s;
  for (let i = 0; i <= s.length; i++) {
    yield s.slice(0, i);
    yield s.slice(i);
    yield s.slice(0, i) + s.slice(i + 1);
    for (const c of ALPHABET) {
      yield s.slice(0, i) + c + s.slice(i + 1);
      yield s.slice(0, i) + c + s.slice(i);
    }
  }
}

/** a seeded generator: the same strings on every run */
function random(seed: number): () => number {
  let x = seed;
  return () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

describe('string format checks', () => {
  it('answer as their regular expressions on valid values and every small change of them', () => {
    let checked = 0;
    for (const valid of VALID) {
      for (const s of variants(valid)) {
        for (const f of STRING_FORMATS) {
          if (FORMAT_CHECKS[f](s) !== FORMAT_TESTS[f].test(s)) throw new Error(`${f} of ${JSON.stringify(s)}: check ${String(FORMAT_CHECKS[f](s))}, regular expression ${String(FORMAT_TESTS[f].test(s))}`);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100_000);
    expect(FORMAT_CHECKS['date-time']('2026-12-04T10:55:21Z')).toBe(true);
    expect(FORMAT_CHECKS.uuid('123e4567-e89b-12d3-a456-426614174000')).toBe(true);
    expect(FORMAT_CHECKS.date('2026-13-04')).toBe(false);
  });

  it('answer as their regular expressions on random strings of the formats\' characters', () => {
    const next = random(20261204);
    let matched = 0;
    for (let n = 0; n < 200_000; n++) {
      // mostly well-formed skeletons with random digits, so that many match and many fail late
      const skeleton = VALID[Math.floor(next() * VALID.length)]!;
      let s = '';
      for (const c of skeleton) s += /\d/.test(c) && next() < 0.9 ? String(Math.floor(next() * 10)) : next() < 0.02 ? ALPHABET[Math.floor(next() * ALPHABET.length)]! : c;
      for (const f of STRING_FORMATS) {
        const expected = FORMAT_TESTS[f].test(s);
        if (FORMAT_CHECKS[f](s) !== expected) throw new Error(`${f} of ${JSON.stringify(s)}: check ${String(!expected)}, regular expression ${String(expected)}`);
        if (expected) matched++;
      }
    }
    expect(matched).toBeGreaterThan(10_000);
  });
});

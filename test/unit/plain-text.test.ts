/**
 * Extract counts a key or value it need not read (plain ASCII text, for a text node whose strings
 * no longer tell anything) from its bytes, without decoding it: the same counts as decoding it.
 */
import { describe, expect, it } from 'vitest';
import { detectEncoding } from '../../src/core/encoding/detect.js';
import { collectStats, DEFAULT_INFERENCE, StatsNode } from '../../src/core/inference/json-infer.js';
import { PartSample, plainText } from '../../src/core/inference/topic-sample.js';

/** a seeded generator: the same bytes on every run */
function random(seed: number): () => number {
  let x = seed;
  return () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

// what text, JSON, whitespace, control characters, registry framing and UTF-8 start with or hold
const ALPHABET = [...'ab-z AZ09{}[]"tfn,:.\t\n\r', '\u0000', '\u0001', '\u001f', '\u007f', '\u00e9', '\uFFFD', '\u{1F600}'];

function* samples(): Generator<Buffer> {
  const next = random(20261205);
  for (const s of ['order-1', 'tom', 'true', 'null', '-1', '7', ' x', 'x y', 'x\ty', 'é', '{"a":1}', '"q"', 'x\u0000', 'x\u007f']) yield Buffer.from(s);
  yield Buffer.from([0, 0, 0, 0, 7, 1]);
  for (let n = 0; n < 20_000; n++) {
    let s = '';
    const length = 1 + Math.floor(next() * 12);
    for (let i = 0; i < length; i++) s += next() < 0.8 ? 'key-'[i % 4] ?? 'k' : ALPHABET[Math.floor(next() * ALPHABET.length)]!;
    yield Buffer.from(s);
  }
}

describe('text counted from its bytes', () => {
  it('is only ever what detectEncoding calls text, with nothing to note', () => {
    let plain = 0;
    let other = 0;
    for (const b of samples()) {
      if (plainText(b, 0, b.length)) {
        plain++;
        expect(detectEncoding(b), JSON.stringify(b.toString('latin1'))).toEqual({ encoding: 'text', text: b.toString('utf8') });
      } else other++;
    }
    expect(plain).toBeGreaterThan(1_000);
    expect(other).toBeGreaterThan(1_000);
  });

  it('counts what observing the string would once no format holds and distinct values overflowed', () => {
    const read = new StatsNode();
    const counted = new StatsNode();
    for (let i = 0; i < 100; i++) for (const n of [read, counted]) n.observe(`order-${i}`, DEFAULT_INFERENCE);
    expect(read.countsOnly()).toBe(true);
    read.observe('order-100', DEFAULT_INFERENCE);
    counted.countString();
    expect(collectStats(counted)).toEqual(collectStats(read));
  });

  it('leaves a part sample as decoding every key would', () => {
    const keys = [...samples()];
    const fast = new PartSample();
    const slow = new PartSample();
    for (const k of keys) fast.addAt(k, 0, k.length, DEFAULT_INFERENCE);
    // the slow one decodes every key: its text node is given a fresh format bit each time, so it never "counts only"
    for (const k of keys) {
      const live = slow.text.formatsLive;
      slow.text.formatsLive = 1;
      slow.addAt(k, 0, k.length, DEFAULT_INFERENCE);
      slow.text.formatsLive = live & slow.text.formatsLive;
    }
    expect(fast.text.countsOnly()).toBe(true);
    expect({ vote: [...fast.vote.counts], maxBytes: fast.maxBytes, notes: [...fast.notes], text: collectStats(fast.text), json: collectStats(fast.json), binary: [...fast.binaryLengths] }).toEqual({ vote: [...slow.vote.counts], maxBytes: slow.maxBytes, notes: [...slow.notes], text: collectStats(slow.text), json: collectStats(slow.json), binary: [...slow.binaryLengths] });
  });
});

/**
 * Inference that does not over-fit: schemas inferred from generated distributions of records, each
 * asserting what the contract may promise on that evidence (enums only with evidence, formats only
 * when every sample matches, nullable when nulls were seen, required only when always present).
 */
import { describe, expect, it } from 'vitest';
import { toJsonSchema } from '../../src/core/inference/json-infer.js';
import { TopicSample } from '../../src/core/inference/topic-sample.js';

/** Deterministic PRNG (mulberry32), so every run sees the same records. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Infers the value schema of `count` records made by `make`. */
function infer(count: number, make: (i: number, next: () => number) => Record<string, unknown>): { properties: Record<string, Record<string, unknown>>; required?: string[] } {
  const next = rng(42);
  const sample = new TopicSample('t');
  for (let i = 0; i < count; i++) sample.add({ partition: 0, offset: BigInt(i), timestampMs: i, key: null, value: Buffer.from(JSON.stringify(make(i, next))), headers: {} });
  return toJsonSchema(sample.value.json) as ReturnType<typeof infer>;
}

const pick = <T>(next: () => number, values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
const uuid = (next: () => number) => 'xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, () => Math.floor(next() * 16).toString(16));

describe('enums only with evidence', () => {
  it('400 SKUs in 3,000 records: a string, no enum', () => {
    const s = infer(3000, (_i, next) => ({ sku: `SKU-${1000 + Math.floor(next() * 400)}` }));
    expect(s.properties.sku).toEqual({ type: 'string' });
  });

  it('10 SKUs in 3,000 records: still an identifier, no enum', () => {
    const s = infer(3000, (_i, next) => ({ sku: `SKU-${1001 + Math.floor(next() * 10)}`, customerId: `cus_${10 + Math.floor(next() * 5)}` }));
    expect(s.properties.sku).toEqual({ type: 'string' });
    expect(s.properties.customerId).toEqual({ type: 'string' });
  });

  it('a constant field: a string, never a one-value enum', () => {
    const s = infer(3000, () => ({ currency: 'EUR', source: 'web' }));
    expect(s.properties.currency).toEqual({ type: 'string' });
    expect(s.properties.source).toEqual({ type: 'string' });
  });

  it('a 3-value status in 3,000 records: an enum of the three', () => {
    const s = infer(3000, (_i, next) => ({ status: pick(next, ['CREATED', 'PAID', 'SHIPPED']) }));
    expect(s.properties.status).toEqual({ type: 'string', enum: ['CREATED', 'PAID', 'SHIPPED'] });
  });

  it('a value seen once beside common ones: other values were likely never sampled, so no enum', () => {
    const s = infer(3000, (i, next) => ({ status: i === 1234 ? 'REFUNDED' : pick(next, ['CREATED', 'PAID', 'SHIPPED']) }));
    expect(s.properties.status).toEqual({ type: 'string' });
  });

  it('too few samples for an enum: 40 records of a 2-value field', () => {
    const s = infer(40, (i) => ({ tier: i % 2 ? 'gold' : 'silver' }));
    expect(s.properties.tier).toEqual({ type: 'string' });
  });

  it('more distinct values than an enum holds: 20 countries', () => {
    const countries = 'AT BE CH DE DK ES FI FR GB GR IE IT LU NL NO PL PT SE SI SK'.split(' ');
    const s = infer(3000, (_i, next) => ({ country: pick(next, countries) }));
    expect(s.properties.country).toEqual({ type: 'string' });
  });

  it('numbered values and numbers in strings are identifiers', () => {
    const s = infer(3000, (_i, next) => ({ store: pick(next, ['store-01', 'store-02', 'store-03']), zip: pick(next, ['10115', '20095', '80331']) }));
    expect(s.properties.store).toEqual({ type: 'string' });
    expect(s.properties.zip).toEqual({ type: 'string' });
  });
});

describe('formats, nulls and required fields', () => {
  it('formats only when every sample matches', () => {
    const s = infer(3000, (i, next) => ({
      id: uuid(next),
      almostUuid: i === 2999 ? 'not-a-uuid' : uuid(next),
      email: `c${i}@example.com`,
      at: new Date(1_790_000_000_000 + i * 1000).toISOString(),
      day: new Date(1_790_000_000_000 + i * 86_400_000).toISOString().slice(0, 10),
      site: `https://shop.example.com/p/${i}`,
      ip: `10.0.${i % 256}.${(i * 7) % 256}`,
    }));
    expect(s.properties.id).toEqual({ type: 'string', format: 'uuid' });
    expect(s.properties.almostUuid).toEqual({ type: 'string' });
    expect(s.properties.email).toEqual({ type: 'string', format: 'email' });
    expect(s.properties.at).toEqual({ type: 'string', format: 'date-time' });
    expect(s.properties.day).toEqual({ type: 'string', format: 'date' });
    expect(s.properties.site).toEqual({ type: 'string', format: 'uri' });
    expect(s.properties.ip).toEqual({ type: 'string', format: 'ipv4' });
  });

  it('nullable when nulls were seen, required only when present in every record', () => {
    const s = infer(3000, (i) => ({
      always: i,
      note: i % 10 === 0 ? null : `note ${i}`,
      ...(i === 1500 ? {} : { almostAlways: i }),
      amount: i % 2 ? i + 0.5 : i,
    }));
    expect(s.properties.note).toEqual({ type: ['string', 'null'] });
    expect(s.properties.always).toEqual({ type: 'integer' });
    expect(s.properties.amount).toEqual({ type: 'number' });
    expect(s.required).toEqual(['always', 'amount', 'note']);
    expect(s.required).not.toContain('almostAlways');
  });

  it('required needs enough evidence: 10 records promise nothing', () => {
    const s = infer(10, (i) => ({ id: i }));
    expect(s.required).toBeUndefined();
  });
});

/**
 * Contract examples without record data: made from the inferred schema (valid under it, the same
 * bytes every run), or sampled records with sensitive values replaced.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { exampleFromSchema, REDACTED, redact, redactHeaders } from '../../src/core/contracts/examples.js';
import { toJsonSchema, type JsonSchema } from '../../src/core/inference/json-infer.js';
import { TopicSample } from '../../src/core/inference/topic-sample.js';

const ajv = addFormats(new Ajv({ strict: false }));

function inferred(values: unknown[]): JsonSchema {
  const s = new TopicSample('t');
  values.forEach((v, i) => s.add({ partition: 0, offset: BigInt(i), timestampMs: i, key: null, value: Buffer.from(JSON.stringify(v)), headers: {} }));
  return toJsonSchema(s.value.json);
}

describe('examples made from the schema', () => {
  const records = Array.from({ length: 200 }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    at: new Date(1_790_000_000_000 + i).toISOString(),
    email: `c${i}@shop.test`,
    status: ['NEW', 'PAID', 'SHIPPED'][i % 3],
    amount: i + 0.5,
    count: i,
    gift: i % 2 === 0,
    note: i % 4 ? null : 'x',
    lines: [{ sku: `S${i}`, qty: i % 3 }],
    attributes: Object.fromEntries(Array.from({ length: 300 }, (_, k) => [`k${i}-${k}`, k])),
  }));
  const schema = inferred(records);

  it('is valid under the schema it was made from', () => {
    const example = exampleFromSchema(schema);
    expect(ajv.validate(schema, example), JSON.stringify(ajv.errors)).toBe(true);
  });

  it('holds no value of any record, and is the same every time', () => {
    const example = exampleFromSchema(schema);
    const text = JSON.stringify(example);
    for (const r of records.slice(0, 20)) for (const v of [r.id, r.at, r.email, r.lines[0]!.sku]) expect(text).not.toContain(v);
    expect(JSON.stringify(exampleFromSchema(structuredClone(schema)))).toBe(text);
    expect(example).toMatchObject({ id: '00000000-0000-4000-8000-000000000000', email: 'user@example.com', status: 'NEW', amount: 0.5, count: 0, gift: true, note: 'string' });
  });

  it('keeps a field named __proto__ as a field, in the schema and in the example', () => {
    const s = inferred(Array.from({ length: 30 }, (_, i) => JSON.parse(`{"__proto__": {"n": ${i}}, "id": ${i}}`)));
    expect(Object.keys(s.properties as object).sort()).toEqual(['__proto__', 'id']);
    const example = exampleFromSchema(s) as Record<string, unknown>;
    expect(Object.keys(example).sort()).toEqual(['__proto__', 'id']);
    expect(Object.getPrototypeOf(example)).toBe(Object.prototype);
    expect(JSON.stringify(redact(JSON.parse('{"__proto__": {"token": "x"}}'), s))).toBe('{"__proto__":{"token":"<redacted>"}}');
  });

  it('covers type arrays, anyOf, maps and empty schemas', () => {
    expect(exampleFromSchema({ type: ['null', 'integer'] })).toBe(0);
    expect(exampleFromSchema({ anyOf: [{ type: 'null' }, { type: 'array', items: { type: 'string', format: 'date' } }] })).toEqual(['2026-01-01']);
    expect(exampleFromSchema({ type: 'object', additionalProperties: { type: 'number' } })).toEqual({ key: 0.5 });
    expect(exampleFromSchema({})).toBe('string');
  });
});

describe('sampled examples, redacted', () => {
  const schema: JsonSchema = { type: 'object', properties: { email: { type: 'string', format: 'email' }, apiToken: { type: 'string' }, pin: { type: 'integer' }, card: { type: 'object', properties: { number: { type: 'string' } } }, note: { type: 'string' }, plan: { type: 'string' } } };

  it('replaces values under sensitive names at any depth, and sensitive-looking strings anywhere', () => {
    const out = redact({ email: 'a@b.io', apiToken: 'abc', card: { number: '4111111111111111' }, note: 'ask eve@corp.example', plan: 'pro', nested: [{ password: 'x' }], auth: 'Bearer abc.def' }, schema);
    expect(out).toEqual({ email: 'user@example.com', apiToken: REDACTED, card: { number: REDACTED }, note: REDACTED, plan: 'pro', nested: [{ password: REDACTED }], auth: REDACTED });
  });

  it('keeps a replacement valid under the field schema where it can', () => {
    expect(redact({ cardPin: 1234 }, { type: 'object', properties: { cardPin: { type: 'integer' } } })).toEqual({ cardPin: 0 });
  });

  it('replaces sensitive headers', () => {
    expect(redactHeaders({ Authorization: 'Basic dXNlcjpwYXNz', 'x-trace': 'abc', 'x-user': 'jo@example.com' }, undefined)).toEqual({ Authorization: REDACTED, 'x-trace': 'abc', 'x-user': REDACTED });
  });
});

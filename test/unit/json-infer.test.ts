import { describe, expect, it } from 'vitest';
import { collectStats, DEFAULT_INFERENCE, sortKeys, StatsNode, toJsonSchema } from '../../src/core/inference/json-infer.js';

function infer(values: unknown[], options = DEFAULT_INFERENCE) {
  const node = new StatsNode();
  for (const v of values) node.observe(v, options);
  return { node, schema: toJsonSchema(node, options) };
}

const orders = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    status: ['NEW', 'PAID', 'SHIPPED'][i % 3],
    total: i % 2 === 0 ? i : i + 0.5,
    count: i,
    createdAt: `2026-11-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z`,
    day: `2026-11-${String((i % 28) + 1).padStart(2, '0')}`,
    email: `user${i}@example.com`,
    note: i % 4 === 0 ? null : `note ${i}`,
    coupon: i % 10 === 0 ? `C${i}` : undefined,
    items: [{ sku: `S${i}`, qty: 1 }, { sku: 'X', qty: 2, gift: true }],
  }));

describe('JSON Schema inference', () => {
  it('infers types, formats, enums, nullability and required fields', () => {
    const { schema } = infer(orders(100));
    expect(schema).toEqual({
      type: 'object',
      properties: {
        count: { type: 'integer' },
        coupon: { type: 'string' },
        createdAt: { type: 'string', format: 'date-time' },
        day: { type: 'string', format: 'date' },
        email: { type: 'string', format: 'email' },
        id: { type: 'string', format: 'uuid' },
        items: {
          type: 'array',
          items: { type: 'object', properties: { gift: { type: 'boolean' }, qty: { type: 'integer' }, sku: { type: 'string' } }, required: ['qty', 'sku'] },
        },
        note: { type: ['string', 'null'] },
        status: { type: 'string', enum: ['NEW', 'PAID', 'SHIPPED'] },
        total: { type: 'number' },
      },
      required: ['count', 'createdAt', 'day', 'email', 'id', 'items', 'note', 'status', 'total'],
    });
  });

  it('does not make enums or required fields from few samples', () => {
    const { schema } = infer(orders(10));
    expect((schema.properties as Record<string, unknown>).status).toEqual({ type: 'string' });
    expect(schema.required).toBeUndefined();
  });

  it('can switch enums off', () => {
    const { schema } = infer(orders(100), { ...DEFAULT_INFERENCE, enums: false });
    expect((schema.properties as Record<string, unknown>).status).toEqual({ type: 'string' });
  });

  it('uses type arrays for primitive conflicts and anyOf for structured ones', () => {
    expect(infer([1, 'a', true, null]).schema).toEqual({ type: ['boolean', 'integer', 'string', 'null'] });
    expect(infer([{ a: 1 }, [1], null]).schema).toEqual({ anyOf: [{ type: 'object', properties: { a: { type: 'integer' } } }, { type: 'array', items: { type: 'integer' } }, { type: 'null' }] });
  });

  it('collapses id-keyed objects into maps, bounding memory', () => {
    const values = Array.from({ length: 50 }, (_, i) => ({ byUser: Object.fromEntries(Array.from({ length: 20 }, (_, j) => [`u${i * 20 + j}`, { n: j }])) }));
    const { node, schema } = infer(values);
    expect((schema.properties as Record<string, unknown>).byUser).toEqual({
      type: 'object',
      additionalProperties: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
    });
    expect(node.props!.get('byUser')!.props).toBeNull();
  });

  it('keeps memory bounded by the schema, not the sample count', () => {
    const node = new StatsNode();
    for (let i = 0; i < 200_000; i++) node.observe({ id: `id-${i}`, v: i, tag: `t${i % 5}` });
    // distinct tracking dropped for the high-cardinality field, kept for the low one
    expect(node.props!.get('id')!.distinct).toBeNull();
    expect(node.props!.get('tag')!.distinct!.size).toBe(5);
    expect(node.props!.size).toBe(3);
  });

  it('merges partial results exactly like one pass', () => {
    const data = orders(120);
    const whole = infer(data).schema;
    const a = new StatsNode();
    const b = new StatsNode();
    data.forEach((v, i) => (i % 2 ? a : b).observe(v));
    expect(toJsonSchema(a.merge(b))).toEqual(whole);
    // a format that fails on one side fails in the merge
    const c = new StatsNode();
    c.observe('2026-01-01');
    const d = new StatsNode();
    d.observe('not a date');
    expect(toJsonSchema(c.merge(d))).toEqual({ type: 'string' });
  });

  it('counts each property at its own path whatever order, subset or number of properties the objects come in', () => {
    // a node finds the children of the last object's property names by position: objects whose
    // names move, go missing, repeat another's position or outgrow the map threshold must still be
    // counted under their names, as merging each object's statistics alone counts them
    let x = 7;
    const next = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n);
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const values = [1, 2.5, 'NEW', '2026-12-04', 'c1@example.com', null, true, { z: 1 }, [1]];
    const objects = Array.from({ length: 600 }, () => {
      const o: Record<string, unknown> = {};
      for (const name of names) if (next(3) > 0) o[name] = values[next(values.length)];
      // now and then the same names in another order, or a name seen only once
      if (next(5) === 0) return Object.fromEntries(Object.entries(o).reverse());
      if (next(7) === 0) o[`once${next(1000)}`] = 1;
      return o;
    });
    const options = { ...DEFAULT_INFERENCE, mapKeyThreshold: 60 };
    const inOnePass = new StatsNode();
    const merged = new StatsNode();
    for (const o of objects.slice(0, 300)) inOnePass.observe(o, options);
    for (const o of objects.slice(0, 300)) merged.merge(infer([o], options).node, options);
    expect(collectStats(inOnePass)).toEqual(collectStats(merged));
    expect(toJsonSchema(inOnePass, options)).toEqual(toJsonSchema(merged, options));
    expect(inOnePass.props).not.toBeNull();
    // past the threshold the object becomes a map: its values merge under one node
    for (const o of objects.slice(300)) inOnePass.observe(o, options);
    for (const o of objects.slice(300)) merged.merge(infer([o], options).node, options);
    expect(inOnePass.props).toBeNull();
    expect(collectStats(inOnePass)).toEqual(collectStats(merged));
    expect(toJsonSchema(inOnePass, options)).toEqual(toJsonSchema(merged, options));
  });

  it('reports presence ratios and unsafe integers in the statistics', () => {
    const { node } = infer([{ a: 1, big: 2 ** 60 }, { a: 2 }, { a: null, big: 1 }, { a: 3 }]);
    const stats = collectStats(node);
    expect(stats.find((s) => s.path === '$.big')).toMatchObject({ presence: 0.5, unsafeIntegers: 1 });
    expect(stats.find((s) => s.path === '$.a')).toMatchObject({ presence: 1, nulls: 1 });
  });

  it('sorts keys for byte-stable output', () => {
    expect(JSON.stringify(sortKeys({ b: 1, a: { d: 1, c: [{ z: 1, y: 2 }] } }))).toBe('{"a":{"c":[{"y":2,"z":1}],"d":1},"b":1}');
  });
});

describe('inference across threads', () => {
  it('revives node trees that lost their prototype in a structured clone', () => {
    const node = new StatsNode();
    for (let i = 0; i < 30; i++) node.observe({ a: i, b: [{ c: 'x' }], m: null });
    const cloned = StatsNode.revive(structuredClone(node));
    expect(cloned).toBeInstanceOf(StatsNode);
    expect(toJsonSchema(cloned)).toEqual(toJsonSchema(node));
  });
});

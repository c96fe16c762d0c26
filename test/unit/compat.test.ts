/**
 * The compatibility corpus: at least 60 contract changes (JSON Schema and Avro payloads, keys, headers,
 * channels, bindings), each with its expected classification
 * under every rule.
 */
import { describe, expect, it } from 'vitest';
import { breaks, COMPATIBILITY_RULES, diffContracts, type CompatibilityRule } from '../../src/core/products/compat.js';

type Doc = Record<string, any>;

const payload = () => ({
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: ['NEW', 'PAID'] },
    total: { type: 'integer' },
    note: { type: ['string', 'null'] },
    coupon: { type: 'string' },
    lines: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] } },
  },
  required: ['id', 'lines', 'status', 'total'],
});

function contract(mutate: (d: Doc) => void = () => {}): Doc {
  const d: Doc = {
    asyncapi: '3.0.0',
    info: { title: 'orders', version: '1.0.0' },
    channels: {
      orders: {
        address: 'orders.created',
        messages: { m: { $ref: '#/components/messages/m' } },
        bindings: { kafka: { partitions: 6, replicas: 3, topicConfiguration: { 'cleanup.policy': ['delete'], 'retention.ms': 604800000 }, bindingVersion: '0.5.0' } },
      },
    },
    operations: {
      produce: { action: 'send', channel: { $ref: '#/channels/orders' } },
      consume: { action: 'receive', channel: { $ref: '#/channels/orders' } },
    },
    components: {
      schemas: { P: payload() },
      messages: { m: { contentType: 'application/json', payload: { $ref: '#/components/schemas/P' }, headers: { type: 'object', properties: { trace: { type: 'string' } } }, bindings: { kafka: { key: { type: 'string' }, bindingVersion: '0.5.0' } } } },
    },
  };
  mutate(d);
  return d;
}
const P = (d: Doc) => d.components.schemas.P;

// [name, mutation, expected kind (null: no change at all), breaks under BACKWARD, under FORWARD, under CONSUMER_SAFE]
// BACKWARD and FORWARD as the schema registry defines them (new readers read old data; old readers read
// new data; for Avro, the specification's schema resolution, which the registry's Avro check runs).
// CONSUMER_SAFE as oasdiff judges a response its clients read: since oasdiff 1.30/1.31 a constraint
// removed from a response, a bound set where none was, or a value added to a response enum or union
// fails its breaking check, as here. One deliberate difference: oasdiff 1.30 stopped failing on a
// removed optional response property; a data product's readers may rely on one, so it breaks here.
type Row = [string, (d: Doc) => void, string | null, boolean, boolean, boolean, ((d: Doc) => void)?];
/** a row whose `before` is the base contract with `base` applied (to loosen a constraint the base lacks); `after` gets both */
const onBase = (name: string, base: (d: Doc) => void, change: (d: Doc) => void, kind: string, backward: boolean, forward: boolean, consumers: boolean): Row => [name, (d) => { base(d); change(d); }, kind, backward, forward, consumers, base];
const H = (d: Doc) => d.components.messages.m.headers;
const avro = (fields: unknown[]) => (d: Doc) => (d.components.messages.m.payload = { schemaFormat: 'application/vnd.apache.avro;version=1.9.0', schema: { type: 'record', name: 'O', fields } });
const AVRO_BASE = [{ name: 'id', type: 'string' }, { name: 'qty', type: 'int' }, { name: 'status', type: { type: 'enum', name: 'S', symbols: ['NEW', 'PAID'] } }, { name: 'note', type: ['null', 'string'], default: null }];
const avroWith = (edit: (fields: any[]) => any[]) => avro(edit(structuredClone(AVRO_BASE)));

const TABLE: Row[] = [
  // JSON Schema payload: properties and required
  ['add optional property', (d) => (P(d).properties.gift = { type: 'boolean' }), 'optional-property-added', false, false, false],
  ['add required property', (d) => { P(d).properties.channel = { type: 'string' }; P(d).required.push('channel'); }, 'required-property-added', true, false, true],
  ['remove optional property', (d) => delete P(d).properties.coupon, 'optional-property-removed', false, false, true],
  ['remove required property', (d) => { delete P(d).properties.total; P(d).required = P(d).required.filter((r: string) => r !== 'total'); }, 'required-property-removed', false, true, true],
  ['optional -> required', (d) => P(d).required.push('coupon'), 'became-required', true, false, true],
  ['required -> optional', (d) => (P(d).required = P(d).required.filter((r: string) => r !== 'total')), 'became-optional', false, true, true],
  ['nested: array item required field added', (d) => { P(d).properties.lines.items.properties.qty = { type: 'integer' }; P(d).properties.lines.items.required.push('qty'); }, 'required-property-added', true, false, true],
  ['nested: array item optional field added', (d) => (P(d).properties.lines.items.properties.qty = { type: 'integer' }), 'optional-property-added', false, false, false],
  ['nested: array item required field removed', (d) => { delete P(d).properties.lines.items.properties.sku; P(d).properties.lines.items.required = []; }, 'required-property-removed', false, true, true],
  ['nested: array item required -> optional', (d) => (P(d).properties.lines.items.required = []), 'became-optional', false, true, true],
  ['description changed only', (d) => (P(d).properties.total.description = 'in cents'), null, false, false, false],
  ['title and examples changed only', (d) => { P(d).title = 'Order'; P(d).examples = [{ id: 'x' }]; }, null, false, false, false],
  // types
  ['widen integer -> number', (d) => (P(d).properties.total.type = 'number'), 'type-widened', false, true, true],
  onBase('narrow number -> integer', (d) => (P(d).properties.total.type = 'number'), (d) => (P(d).properties.total.type = 'integer'), 'type-narrowed', true, false, true),
  ['string -> integer', (d) => (P(d).properties.coupon.type = 'integer'), 'type-narrowed', true, true, true],
  ['string -> string | integer', (d) => (P(d).properties.coupon.type = ['string', 'integer']), 'type-widened', false, true, true],
  ['add null', (d) => (P(d).properties.coupon.type = ['string', 'null']), 'null-added', false, true, true],
  ['remove null', (d) => (P(d).properties.note.type = 'string'), 'null-removed', true, false, true],
  ['array items widened', (d) => (P(d).properties.lines.items.properties.sku.type = ['string', 'integer']), 'type-widened', false, true, true],
  // enums, formats, constants
  ['add enum value', (d) => P(d).properties.status.enum.push('SHIPPED'), 'enum-value-added', false, true, true],
  ['remove enum value', (d) => (P(d).properties.status.enum = ['NEW']), 'enum-value-removed', true, false, true],
  ['restrict to an enum', (d) => (P(d).properties.coupon.enum = ['A', 'B']), 'enum-added', true, false, true],
  ['drop the enum', (d) => delete P(d).properties.status.enum, 'enum-removed', false, true, true],
  ['add a format', (d) => (P(d).properties.coupon.format = 'uuid'), 'format-added', true, false, true],
  ['drop a format', (d) => delete P(d).properties.id.format, 'format-removed', false, true, true],
  ['change a format', (d) => (P(d).properties.id.format = 'uri'), 'format-changed', true, true, true],
  ['make a constant', (d) => (P(d).properties.coupon.const = 'X'), 'const-changed', true, false, true],
  // value constraints
  ['maxLength added', (d) => (P(d).properties.coupon.maxLength = 16), 'constraint-tightened', true, false, true],
  onBase('maxLength lowered', (d) => (P(d).properties.coupon.maxLength = 32), (d) => (P(d).properties.coupon.maxLength = 16), 'constraint-tightened', true, false, true),
  onBase('maxLength raised', (d) => (P(d).properties.coupon.maxLength = 16), (d) => (P(d).properties.coupon.maxLength = 32), 'constraint-loosened', false, true, true),
  ['minLength added', (d) => (P(d).properties.coupon.minLength = 3), 'constraint-tightened', true, false, true],
  ['minimum added', (d) => (P(d).properties.total.minimum = 0), 'constraint-tightened', true, false, true],
  onBase('minimum lowered', (d) => (P(d).properties.total.minimum = 0), (d) => (P(d).properties.total.minimum = -100), 'constraint-loosened', false, true, true),
  onBase('maximum raised', (d) => (P(d).properties.total.maximum = 100), (d) => (P(d).properties.total.maximum = 1000), 'constraint-loosened', false, true, true),
  ['pattern added', (d) => (P(d).properties.coupon.pattern = '^[A-Z]+$'), 'pattern-added', true, false, true],
  onBase('pattern changed', (d) => (P(d).properties.coupon.pattern = '^[A-Z]+$'), (d) => (P(d).properties.coupon.pattern = '^[A-Z0-9]+$'), 'pattern-changed', true, true, true),
  ['minItems added', (d) => (P(d).properties.lines.minItems = 1), 'constraint-tightened', true, false, true],
  ['multipleOf added', (d) => (P(d).properties.total.multipleOf = 5), 'constraint-changed', true, false, true],
  ['additional properties closed', (d) => (P(d).additionalProperties = false), 'closed', true, false, true],
  // headers
  ['header becomes required', (d) => (H(d).required = ['trace']), 'became-required', true, false, true],
  ['optional header added', (d) => (H(d).properties.tenant = { type: 'string' }), 'optional-property-added', false, false, false],
  ['required header added', (d) => { H(d).properties.tenant = { type: 'string' }; H(d).required = ['tenant']; }, 'required-property-added', true, false, true],
  ['optional header removed', (d) => delete H(d).properties.trace, 'optional-property-removed', false, false, true],
  ['header type widened', (d) => (H(d).properties.trace.type = ['string', 'integer']), 'type-widened', false, true, true],
  // key, encoding, content type
  ['key schema change', (d) => (d.components.messages.m.bindings.kafka.key = { type: 'integer' }), 'key-changed', true, true, true],
  ['key format added', (d) => (d.components.messages.m.bindings.kafka.key = { type: 'string', format: 'uuid' }), 'key-changed', true, true, true],
  ['content type change', (d) => (d.components.messages.m.contentType = 'application/avro'), 'content-type-changed', true, true, true],
  ['encoding change to Avro', (d) => (d.components.messages.m.payload = { schemaFormat: 'application/vnd.apache.avro;version=1.9.0', schema: { type: 'record', name: 'O', fields: [] } }), 'encoding-changed', true, true, true],
  ['encoding change to Protobuf', (d) => (d.components.messages.m.payload = { schemaFormat: 'application/vnd.google.protobuf;version=3', schema: 'syntax = "proto3"; message O { string id = 1; }' }), 'encoding-changed', true, true, true],
  // channels, operations, bindings
  ['channel removed', (d) => { d.channels = {}; d.operations = {}; }, 'channel-removed', true, true, true],
  ['channel renamed (address changed)', (d) => (d.channels.orders.address = 'orders.v2'), 'channel-removed', true, true, true],
  ['channel added', (d) => (d.channels.refunds = { address: 'refunds', messages: {} }), 'channel-added', false, false, false],
  ['send operation removed', (d) => delete d.operations.produce, 'operation-removed', true, true, true],
  ['receive operation removed', (d) => delete d.operations.consume, 'operation-removed', true, true, true],
  ['cleanup.policy changed', (d) => (d.channels.orders.bindings.kafka.topicConfiguration['cleanup.policy'] = ['compact']), 'cleanup-policy-changed', true, true, true],
  ['partitions increased (flag only)', (d) => (d.channels.orders.bindings.kafka.partitions = 12), 'partitions-increased', false, false, false],
  ['partitions decreased', (d) => (d.channels.orders.bindings.kafka.partitions = 3), 'partitions-decreased', true, true, true],
  ['retention reduced (flag only)', (d) => (d.channels.orders.bindings.kafka.topicConfiguration['retention.ms'] = 86400000), 'retention-reduced', false, false, false],
  ['retention increased', (d) => (d.channels.orders.bindings.kafka.topicConfiguration['retention.ms'] = -1), 'retention-increased', false, false, false],
];

// Avro payloads, resolved with avsc both ways (the Avro specification's schema resolution, as the registry's Avro check)
const AVRO_TABLE: Row[] = [
  ['Avro: add a field with a default', avroWith((f) => [...f, { name: 'gift', type: 'boolean', default: false }]), 'avro-schema-changed', false, false, false],
  ['Avro: add a field without a default', avroWith((f) => [...f, { name: 'gift', type: 'boolean' }]), 'avro-schema-changed', true, false, true],
  ['Avro: remove a field with a default', avroWith((f) => f.filter((x: any) => x.name !== 'note')), 'optional-property-removed', false, false, true],
  ['Avro: remove a field without a default', avroWith((f) => f.filter((x: any) => x.name !== 'qty')), 'avro-schema-changed', false, true, true],
  ['Avro: widen int -> long', avroWith((f) => f.map((x: any) => (x.name === 'qty' ? { ...x, type: 'long' } : x))), 'avro-schema-changed', false, true, true],
  ['Avro: add an enum symbol', avroWith((f) => f.map((x: any) => (x.name === 'status' ? { ...x, type: { ...x.type, symbols: ['NEW', 'PAID', 'SHIPPED'] } } : x))), 'avro-schema-changed', false, true, true],
  ['Avro: remove an enum symbol', avroWith((f) => f.map((x: any) => (x.name === 'status' ? { ...x, type: { ...x.type, symbols: ['NEW'] } } : x))), 'avro-schema-changed', true, false, true],
  ['Avro: make a field nullable', avroWith((f) => f.map((x: any) => (x.name === 'id' ? { ...x, type: ['null', 'string'], default: null } : x))), 'avro-schema-changed', false, true, true],
  ['Avro: a field changes type', avroWith((f) => f.map((x: any) => (x.name === 'id' ? { ...x, type: 'int' } : x))), 'avro-schema-changed', true, true, true],
  ['Avro: documentation only', avroWith((f) => f.map((x: any) => (x.name === 'id' ? { ...x, doc: 'the order id' } : x))), 'avro-schema-changed', false, false, false],
];

function expected(rule: CompatibilityRule, backward: boolean, forward: boolean, consumers: boolean): boolean {
  if (rule === 'NONE') return false;
  if (rule === 'CONSUMER_SAFE') return consumers;
  if (rule.startsWith('BACKWARD')) return backward;
  if (rule.startsWith('FORWARD')) return forward;
  return backward || forward;
}

describe('contract change classification', () => {
  it('has at least 60 cases', () => expect(TABLE.length + AVRO_TABLE.length).toBeGreaterThanOrEqual(60));

  const check = (before: Doc, after: Doc, kind: string | null, backward: boolean, forward: boolean, consumers: boolean) => {
    const changes = diffContracts(before, after);
    if (kind === null) expect(changes).toEqual([]);
    else expect(changes.map((c) => c.kind), JSON.stringify(changes)).toContain(kind);
    for (const rule of COMPATIBILITY_RULES) {
      const broken = changes.some((c) => breaks(c, rule));
      expect(broken, `${rule}: ${JSON.stringify(changes)}`).toBe(expected(rule, backward, forward, consumers));
    }
  };

  it.each(TABLE)('%s', (_name, mutate, kind, backward, forward, consumers, base) => {
    check(contract(base), contract(mutate), kind, backward, forward, consumers);
  });

  it.each(AVRO_TABLE)('%s', (_name, mutate, kind, backward, forward, consumers) => {
    check(contract(avro(AVRO_BASE)), contract(mutate), kind, backward, forward, consumers);
  });

  it('finds nothing between identical contracts', () => {
    expect(diffContracts(contract(), contract())).toEqual([]);
  });

  it('names each change with its channel and JSON path', () => {
    const changes = diffContracts(contract(), contract((d) => { P(d).properties.lines.items.properties.qty = { type: 'integer' }; P(d).properties.lines.items.required.push('qty'); }));
    expect(changes).toEqual([{ path: 'orders.created message.payload.lines[].qty', kind: 'required-property-added', detail: 'required property added (old records lack it)', backward: 'breaks', forward: 'ok', consumers: 'breaks' }]);
  });

  it('resolves Avro schemas with avsc in both directions', () => {
    const avro = (fields: unknown[]) => (d: Doc) => (d.components.messages.m.payload = { schemaFormat: 'application/vnd.apache.avro;version=1.9.0', schema: { type: 'record', name: 'O', fields } });
    const base = contract(avro([{ name: 'id', type: 'string' }]));
    const withDefault = contract(avro([{ name: 'id', type: 'string' }, { name: 'n', type: 'int', default: 0 }]));
    const withoutDefault = contract(avro([{ name: 'id', type: 'string' }, { name: 'n', type: 'int' }]));
    expect(diffContracts(base, withDefault).map((c) => [c.backward, c.forward])).toEqual([['ok', 'ok']]);
    expect(diffContracts(base, withoutDefault).map((c) => [c.backward, c.forward])).toEqual([['breaks', 'ok']]);
  });
});

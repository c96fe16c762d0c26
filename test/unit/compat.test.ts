/**
 * The compatibility table: at least 20 contract changes, each with its expected classification
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

// [name, mutation, expected kind, breaks under BACKWARD, breaks under FORWARD]
const TABLE: [string, (d: Doc) => void, string, boolean, boolean][] = [
  ['add optional property', (d) => (P(d).properties.gift = { type: 'boolean' }), 'optional-property-added', false, false],
  ['add required property', (d) => { P(d).properties.channel = { type: 'string' }; P(d).required.push('channel'); }, 'required-property-added', true, false],
  ['remove optional property', (d) => delete P(d).properties.coupon, 'optional-property-removed', false, false],
  ['remove required property', (d) => { delete P(d).properties.total; P(d).required = P(d).required.filter((r: string) => r !== 'total'); }, 'required-property-removed', false, true],
  ['optional -> required', (d) => P(d).required.push('coupon'), 'became-required', true, false],
  ['required -> optional', (d) => (P(d).required = P(d).required.filter((r: string) => r !== 'total')), 'became-optional', false, true],
  ['widen integer -> number', (d) => (P(d).properties.total.type = 'number'), 'type-widened', false, true],
  ['narrow number-ish: string -> integer', (d) => (P(d).properties.coupon.type = 'integer'), 'type-narrowed', true, true],
  ['add null', (d) => (P(d).properties.coupon.type = ['string', 'null']), 'null-added', false, true],
  ['remove null', (d) => (P(d).properties.note.type = 'string'), 'null-removed', true, false],
  ['add enum value', (d) => P(d).properties.status.enum.push('SHIPPED'), 'enum-value-added', false, true],
  ['remove enum value', (d) => (P(d).properties.status.enum = ['NEW']), 'enum-value-removed', true, false],
  ['restrict to an enum', (d) => (P(d).properties.coupon.enum = ['A', 'B']), 'enum-added', true, false],
  ['drop a format', (d) => delete P(d).properties.id.format, 'format-removed', false, true],
  ['change a format', (d) => (P(d).properties.id.format = 'uri'), 'format-changed', true, true],
  ['nested: array item required field added', (d) => { P(d).properties.lines.items.properties.qty = { type: 'integer' }; P(d).properties.lines.items.required.push('qty'); }, 'required-property-added', true, false],
  ['key schema change', (d) => (d.components.messages.m.bindings.kafka.key = { type: 'integer' }), 'key-changed', true, true],
  ['content type change', (d) => (d.components.messages.m.contentType = 'application/avro'), 'content-type-changed', true, true],
  ['encoding change to Avro', (d) => (d.components.messages.m.payload = { schemaFormat: 'application/vnd.apache.avro;version=1.9.0', schema: { type: 'record', name: 'O', fields: [] } }), 'encoding-changed', true, true],
  ['channel removed', (d) => { d.channels = {}; d.operations = {}; }, 'channel-removed', true, true],
  ['channel renamed (address changed)', (d) => (d.channels.orders.address = 'orders.v2'), 'channel-removed', true, true],
  ['channel added', (d) => (d.channels.refunds = { address: 'refunds', messages: {} }), 'channel-added', false, false],
  ['send operation removed', (d) => delete d.operations.produce, 'operation-removed', true, true],
  ['cleanup.policy changed', (d) => (d.channels.orders.bindings.kafka.topicConfiguration['cleanup.policy'] = ['compact']), 'cleanup-policy-changed', true, true],
  ['partitions increased (flag only)', (d) => (d.channels.orders.bindings.kafka.partitions = 12), 'partitions-increased', false, false],
  ['retention reduced (flag only)', (d) => (d.channels.orders.bindings.kafka.topicConfiguration['retention.ms'] = 86400000), 'retention-reduced', false, false],
  ['retention increased', (d) => (d.channels.orders.bindings.kafka.topicConfiguration['retention.ms'] = -1), 'retention-increased', false, false],
  ['header becomes required', (d) => (d.components.messages.m.headers.required = ['trace']), 'became-required', true, false],
];

function expected(rule: CompatibilityRule, backward: boolean, forward: boolean): boolean {
  if (rule === 'NONE') return false;
  if (rule.startsWith('BACKWARD')) return backward;
  if (rule.startsWith('FORWARD')) return forward;
  return backward || forward;
}

describe('contract change classification', () => {
  it('has at least 20 cases', () => expect(TABLE.length).toBeGreaterThanOrEqual(20));

  it.each(TABLE)('%s', (_name, mutate, kind, backward, forward) => {
    const changes = diffContracts(contract(), contract(mutate));
    expect(changes.map((c) => c.kind), JSON.stringify(changes)).toContain(kind);
    for (const rule of COMPATIBILITY_RULES) {
      const broken = changes.some((c) => breaks(c, rule));
      expect(broken, `${rule}: ${JSON.stringify(changes)}`).toBe(expected(rule, backward, forward));
    }
  });

  it('finds nothing between identical contracts', () => {
    expect(diffContracts(contract(), contract())).toEqual([]);
  });

  it('names each change with its channel and JSON path', () => {
    const changes = diffContracts(contract(), contract((d) => { P(d).properties.lines.items.properties.qty = { type: 'integer' }; P(d).properties.lines.items.required.push('qty'); }));
    expect(changes).toEqual([{ path: 'orders.created message.payload.lines[].qty', kind: 'required-property-added', detail: 'required property added (old records lack it)', backward: 'breaks', forward: 'ok' }]);
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

/**
 * The fast contract check (compiled AsyncAPI schema + the parser's core 3.x rules) against
 * @asyncapi/parser itself: the same verdict on every contract in fixtures and on broken variants
 * of them, each break a kind of mistake a hand-edited contract makes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateAsyncApi } from '../../src/contracts/validate.js';
import { structureDiagnostics } from '../../src/contracts/asyncapi-structure.js';

type Doc = Record<string, any>;
const root = join(import.meta.dirname, '..', '..', 'fixtures');
const orders = (): Doc => parse(readFileSync(join(root, 'contracts', 'orders.created.asyncapi.yaml'), 'utf8'));

const errorsOf = async (doc: Doc, engine: 'fast' | 'parser') => (await validateAsyncApi(JSON.stringify(doc), doc, 'doc', engine)).filter((d) => d.severity === 'error');

const valid: [string, () => Doc][] = [
  ['fixtures/contracts/orders.created', orders],
  ['fixtures/contracts/audit.text', () => parse(readFileSync(join(root, 'contracts', 'audit.text.asyncapi.yaml'), 'utf8'))],
  ['fixtures/products/orders/1.0.0', () => parse(readFileSync(join(root, 'products', 'orders', '1.0.0', 'asyncapi.yaml'), 'utf8'))],
  ['an Avro payload', () => {
    const d = orders();
    d.components.messages.ordersCreatedMessage.payload = { schemaFormat: 'application/vnd.apache.avro+json;version=1.9.0', schema: { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }] } };
    delete d.components.messages.ordersCreatedMessage.examples;
    return d;
  }],
  ['a Protobuf payload', () => {
    const d = orders();
    d.components.messages.ordersCreatedMessage.payload = { schemaFormat: 'application/vnd.google.protobuf;version=3', schema: 'syntax = "proto3";\nmessage Ping { string id = 1; }\n' };
    delete d.components.messages.ordersCreatedMessage.examples;
    return d;
  }],
  ['a channel with a parameter', () => {
    const d = orders();
    d.channels.ordersCreated.address = 'orders.{region}';
    d.channels.ordersCreated.parameters = { region: { description: 'region' } };
    return d;
  }],
];

const broken: [string, (d: Doc) => void][] = [
  ['no info', (d) => delete d.info],
  ['info without a version', (d) => delete d.info.version],
  ['an unknown top-level key', (d) => (d.servers_ = {})],
  ['a server without a protocol', (d) => delete d.servers[Object.keys(d.servers)[0]!].protocol],
  ['a channel address that is a number', (d) => (d.channels.ordersCreated.address = 42)],
  ['an operation with an unknown action', (d) => (d.operations[Object.keys(d.operations)[0]!].action = 'publish')],
  ['an operation without a channel', (d) => delete d.operations[Object.keys(d.operations)[0]!].channel],
  ['an operation channel under components', (d) => {
    d.components.channels = { other: { address: 'other' } };
    d.operations[Object.keys(d.operations)[0]!].channel = { $ref: '#/components/channels/other' };
  }],
  ['an operation message of another channel', (d) => {
    d.channels.other = { address: 'other', messages: { m: { $ref: '#/components/messages/ordersCreatedMessage' } } };
    d.operations[Object.keys(d.operations)[0]!].messages = [{ $ref: '#/channels/other/messages/m' }];
  }],
  ['a reference to a missing message', (d) => (d.channels.ordersCreated.messages.ordersCreatedMessage.$ref = '#/components/messages/nope')],
  ['a payload reference to a missing schema', (d) => (d.components.messages.ordersCreatedMessage.payload = { $ref: '#/components/schemas/Nope' })],
  ['an address parameter that is not declared', (d) => {
    d.channels.ordersCreated.address = 'orders.{region}.{zone}';
    d.channels.ordersCreated.parameters = { region: { description: 'r' } };
  }],
  ['a declared parameter the address does not use', (d) => (d.channels.ordersCreated.parameters = { region: { description: 'r' } })],
  ['a channel id with a query', (d) => {
    d.channels['orders?x'] = d.channels.ordersCreated;
  }],
  ['a channel server that is not a server', (d) => (d.channels.ordersCreated.servers = [{ $ref: '#/servers/nope' }])],
  ['a Kafka channel binding with text partitions', (d) => (d.channels.ordersCreated.bindings.kafka.partitions = 'three')],
  ['a Kafka message binding with an unknown key', (d) => (d.components.messages.ordersCreatedMessage.bindings.kafka.keys = { type: 'string' })],
  ['a payload schema with an unknown type', (d) => {
    const schema = Object.values(d.components.schemas)[0] as Doc;
    schema.type = 'strin';
  }],
  ['headers that are not an object schema', (d) => (d.components.messages.ordersCreatedMessage.headers = { type: 'string' })],
  ['an Avro schema that does not load', (d) => {
    d.components.messages.ordersCreatedMessage.payload = { schemaFormat: 'application/vnd.apache.avro+json;version=1.9.0', schema: { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'strng' }] } };
    delete d.components.messages.ordersCreatedMessage.examples;
  }],
  ['an example that does not match the payload', (d) => (d.components.messages.ordersCreatedMessage.examples[0].payload.orderId = 'not a number')],
  ['a tag without a name', (d) => (d.info.tags = [{ description: 'x' }])],
  ['a contact with a bad e-mail', (d) => (d.info.contact = { email: 'not an address' })],
];

describe('the fast AsyncAPI check agrees with @asyncapi/parser', () => {
  it.each(valid)('%s: both valid', async (_name, make) => {
    const doc = make();
    expect(await errorsOf(doc, 'fast')).toEqual([]);
    expect(await errorsOf(doc, 'parser')).toEqual([]);
  }, 30_000);

  it.each(broken)('%s: both refuse it', async (_name, breakIt) => {
    const doc = orders();
    breakIt(doc);
    const fast = await errorsOf(doc, 'fast');
    const full = await errorsOf(doc, 'parser');
    expect(full.length, 'the parser refuses it').toBeGreaterThan(0);
    expect(fast.length, `fast finds what the parser found: ${full.map((d) => `${d.path}: ${d.message}`).join('; ')}`).toBeGreaterThan(0);
  }, 30_000);

  it('refuses a Protobuf schema that does not parse, which the parser lets through (it does not run schema parsers when validating)', async () => {
    const doc = orders();
    doc.components.messages.ordersCreatedMessage.payload = { schemaFormat: 'application/vnd.google.protobuf;version=3', schema: 'syntax = "proto3";\nmessage Ping { string id = ; }\n' };
    delete doc.components.messages.ordersCreatedMessage.examples;
    expect(await errorsOf(doc, 'parser')).toEqual([]);
    expect(await errorsOf(doc, 'fast')).toContainEqual(expect.objectContaining({ code: 'ASYNCAPI_PROTOBUF_INVALID', path: 'components.messages.ordersCreatedMessage.payload' }));
  }, 30_000);

  it('names where the document breaks', () => {
    const doc = orders();
    delete doc.info.version;
    doc.channels.ordersCreated.messages.ordersCreatedMessage.$ref = '#/components/messages/nope';
    const d = structureDiagnostics(doc, 'orders.yaml');
    expect(d).toContainEqual(expect.objectContaining({ path: 'info', file: 'orders.yaml', message: "must have required property 'version'" }));
    const action = orders();
    action.operations[Object.keys(action.operations)[0]!].action = 'publish';
    expect(structureDiagnostics(action, 'o.yaml')).toContainEqual(expect.objectContaining({ path: `operations.${Object.keys(action.operations)[0]}.action`, message: 'must be one of: send, receive' }));
    expect(d).toContainEqual(expect.objectContaining({ code: 'ASYNCAPI_INVALID_REF', path: 'channels.ordersCreated.messages.ordersCreatedMessage.$ref' }));
    const malformed = orders();
    malformed.channels.ordersCreated.messages.ordersCreatedMessage.$ref = '#/components/messages/%E0%A4%A';
    expect(structureDiagnostics(malformed, 'orders.yaml')).toContainEqual(expect.objectContaining({ code: 'ASYNCAPI_INVALID_REF', message: "'#/components/messages/%E0%A4%A' does not exist" }));
  });

  it('reads every contract file in fixtures (a new fixture joins the corpus)', () => {
    const files = readdirSync(join(root, 'contracts')).filter((f) => f.endsWith('.asyncapi.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) expect(structureDiagnostics(parse(readFileSync(join(root, 'contracts', f), 'utf8')), f), f).toEqual([]);
  });
});

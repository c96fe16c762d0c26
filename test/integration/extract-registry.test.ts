/**
 * `zdp extract` with a real schema registry (Apicurio Registry, Confluent-compatible API) started by
 * the harness: Avro through the registry (TopicName and RecordName strategies), JSON Schema and
 * Protobuf subjects, bytes that are not what the magic byte promises, and truncated Avro.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avsc from 'avsc';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { FIXTURE_PRODUCER, harnessKafka, harnessProfile, runZdp, uniqueName, waitForTopics } from '../harness/helpers.js';
import { SchemaRegistryClient } from '../../src/registry/client.js';
import { validateAsyncApi } from '../../src/contracts/validate.js';
import { createTopicsAndWait } from '../../src/kafka/topics.js';

const projectDir = inject('zdpProjectDir');
type Doc = Record<string, any>;

const paymentSchema = {
  type: 'record',
  name: 'Payment',
  namespace: 'shop.payments',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'currency', type: { type: 'enum', name: 'Currency', symbols: ['EUR', 'USD'] } },
    { name: 'memo', type: ['null', 'string'], default: null },
  ],
};

function framed(id: number, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(id, 1);
  return Buffer.concat([head, body]);
}

describe('zdp extract with a real schema registry', () => {
  const prefix = uniqueName('sr');
  const t = { avro: `${prefix}.payments`, record: `${prefix}.refunds`, json: `${prefix}.people`, proto: `${prefix}.pings`, proto2: `${prefix}.events`, bad: `${prefix}.broken` };
  let dir: string;
  let ids: Record<string, number>;

  beforeAll(async () => {
    const profile = harnessProfile(projectDir, 'source');
    const registry = new SchemaRegistryClient(profile.schemaRegistry!, process.env, 'source');
    ids = {
      avro: await registry.register(`${t.avro}-value`, JSON.stringify(paymentSchema)),
      record: await registry.register('shop.refunds.Refund', JSON.stringify({ type: 'record', name: 'Refund', namespace: 'shop.refunds', fields: [{ name: 'paymentId', type: 'string' }] })),
      json: await registry.register(`${t.json}-value`, JSON.stringify({ type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }), 'JSON'),
      proto: await registry.register(`${t.proto}-value`, 'syntax = "proto3";\npackage shop;\n\nmessage Ping {\n  string id = 1;\n}\n', 'PROTOBUF'),
    };
    // a file with two top-level messages that imports another subject; records use the second message
    const money = await registry.register(`${prefix}-money.proto`, 'syntax = "proto3";\npackage shop;\n\nmessage Money {\n  int64 cents = 1;\n}\n', 'PROTOBUF');
    void money;
    ids.proto2 = await registry.register(`${t.proto2}-value`, 'syntax = "proto3";\npackage shop;\nimport "money.proto";\n\nmessage Created {\n  string id = 1;\n}\n\nmessage Paid {\n  string id = 1;\n  Money amount = 2;\n}\n', 'PROTOBUF', [{ name: 'money.proto', subject: `${prefix}-money.proto`, version: 1 }]);
    const type = avsc.Type.forSchema(paymentSchema as avsc.Schema);
    const refund = avsc.Type.forSchema({ type: 'record', name: 'Refund', namespace: 'shop.refunds', fields: [{ name: 'paymentId', type: 'string' }] } as avsc.Schema);
    const kafka = harnessKafka(projectDir, 'source');
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(admin, Object.values(t).map((topic) => ({ topic, numPartitions: 2 })));
    await admin.disconnect();
    await waitForTopics(kafka, Object.values(t));
    const producer = kafka.producer(FIXTURE_PRODUCER);
    await producer.connect();
    await producer.send({ topic: t.avro, messages: Array.from({ length: 60 }, (_, i) => ({ key: `p${i}`, value: framed(ids.avro!, type.toBuffer({ id: `p${i}`, amount: i + 0.5, currency: i % 2 ? 'EUR' : 'USD', memo: i % 3 ? null : 'm' })) })) });
    await producer.send({ topic: t.record, messages: Array.from({ length: 30 }, (_, i) => ({ value: framed(ids.record!, refund.toBuffer({ paymentId: `p${i}` })) })) });
    await producer.send({ topic: t.json, messages: Array.from({ length: 30 }, (_, i) => ({ value: framed(ids.json!, Buffer.from(JSON.stringify({ name: `n${i}` }))) })) });
    await producer.send({ topic: t.proto, messages: Array.from({ length: 30 }, (_, i) => ({ value: framed(ids.proto!, Buffer.concat([Buffer.from([0x00, 0x0a, 3]), Buffer.from(`p${String(i).padStart(2, '0')}`)])) })) });
    await producer.send({ topic: t.proto2, messages: Array.from({ length: 30 }, () => ({ value: framed(ids.proto2!, Buffer.from([0x02, 0x02, 0x0a, 0x01, 0x78])) })) });
    const good = type.toBuffer({ id: 'x', amount: 1, currency: 'EUR', memo: null });
    await producer.send({
      topic: t.bad,
      messages: [
        ...Array.from({ length: 20 }, () => ({ value: framed(ids.avro!, good) })),
        ...Array.from({ length: 5 }, () => ({ value: framed(ids.avro!, Buffer.from('{"not":"avro at all"}')) })),
        ...Array.from({ length: 5 }, () => ({ value: framed(ids.avro!, good.subarray(0, good.length - 4)) })),
      ],
    });
    await producer.disconnect();
    dir = mkdtempSync(join(tmpdir(), 'zdp-extract-sr-'));
    writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [${profile.bootstrapServers[0]}], schemaRegistry: {url: "${profile.schemaRegistry!.url}"}}\n`);
  }, 240_000);

  const extract = (topics: string[], out: string) => runZdp(['extract', '--cluster', 'source', '--offset', 'earliest', '--out', out, '--json', ...topics.flatMap((x) => ['--topic', x])], { cwd: dir });
  const load = (out: string, topic: string): Doc => parse(readFileSync(join(dir, out, `${topic}.asyncapi.yaml`), 'utf8'));
  const messageOf = (doc: Doc) => Object.values(doc.components.messages)[0] as Doc;

  it('embeds the registry\'s Avro schema with its subject and detects the naming strategy', async () => {
    const r = await extract([t.avro, t.record], 'a');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.topics.find((x: Doc) => x.topic === t.avro)).toMatchObject({ valueEncoding: 'registry/avro', schemaIds: [ids.avro], unresolvedSchemaIds: [], undecodable: 0 });
    const doc = load('a', t.avro);
    const m = messageOf(doc);
    expect(m.payload.schemaFormat).toBe('application/vnd.apache.avro;version=1.9.0');
    expect(m.payload.schema.fields.map((f: Doc) => f.name)).toEqual(['id', 'amount', 'currency', 'memo']);
    expect(m['x-zdp-schema']).toMatchObject({ subject: `${t.avro}-value`, version: 1, schemaType: 'AVRO' });
    expect(m['x-zdp-schema'].compatibility).toMatch(/^(NONE|BACKWARD|FORWARD|FULL)(_TRANSITIVE)?$/);
    expect(m.bindings.kafka).toMatchObject({ schemaIdLocation: 'payload', schemaIdPayloadEncoding: 'confluent', schemaLookupStrategy: 'TopicNameStrategy' });
    expect(doc.servers.source.bindings.kafka).toMatchObject({ schemaRegistryUrl: harnessProfile(projectDir, 'source').schemaRegistry!.url, bindingVersion: '0.5.0' });
    const text = readFileSync(join(dir, 'a', `${t.avro}.asyncapi.yaml`), 'utf8');
    expect((await validateAsyncApi(text, doc, 'avro', 'parser')).filter((d) => d.severity === 'error')).toEqual([]);
    expect(messageOf(load('a', t.record)).bindings.kafka.schemaLookupStrategy).toBe('RecordNameStrategy');
  });

  it('asks the registry whether a product\'s new schema is compatible (productize gate)', async () => {
    const contract = `a/${t.avro}.asyncapi.yaml`;
    const first = await runZdp(['productize', '--contract', contract, '--name', 'payments', '--version', '1.0.0', '--owner', 'payments', '--no-docs'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`registry: ${t.avro}-value`);
    expect(first.stderr).toContain('accepts the schema');
    // the registry enforces BACKWARD on the subject; a field without default cannot read old records
    await new SchemaRegistryClient(harnessProfile(projectDir, 'source').schemaRegistry!, process.env, 'source').setCompatibility(`${t.avro}-value`, 'BACKWARD');
    const doc = parse(readFileSync(join(dir, contract), 'utf8'));
    const m = messageOf(doc);
    m.payload.schema.fields.push({ name: 'channel', type: 'string' });
    writeFileSync(join(dir, 'payments-v2.yaml'), stringify(doc));
    const second = await runZdp(['productize', '--contract', 'payments-v2.yaml', '--name', 'payments', '--version', '2.0.0', '--owner', 'payments', '--no-docs'], { cwd: dir });
    expect(second.code, second.stderr).toBe(7);
    expect(second.stderr).toContain('the schema registry rejects 1 new schema under its compatibility level');
    expect(second.stderr).toContain(`subject ${t.avro}-value (BACKWARD) rejects the new schema`);
    const skipped = await runZdp(['productize', '--contract', 'payments-v2.yaml', '--name', 'payments', '--version', '2.0.0', '--owner', 'payments', '--no-docs', '--no-registry-check'], { cwd: dir });
    expect(skipped.code, skipped.stderr).toBe(0);
  });

  it('references JSON Schema and Protobuf subjects', async () => {
    const r = await extract([t.json, t.proto, t.proto2], 'b');
    expect(r.code, r.stderr).toBe(0);
    const json = messageOf(load('b', t.json));
    expect(json.payload).toEqual({ schemaFormat: 'application/schema+json;version=draft-07', schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } });
    const proto = load('b', t.proto);
    expect(messageOf(proto).payload.schemaFormat).toBe('application/vnd.google.protobuf;version=3');
    expect(messageOf(proto).payload.schema).toContain('message Ping');
    const text = readFileSync(join(dir, 'b', `${t.proto}.asyncapi.yaml`), 'utf8');
    expect((await validateAsyncApi(text, proto, 'proto', 'parser')).filter((d) => d.severity === 'error')).toEqual([]);
    const events = load('b', t.proto2);
    const schema = messageOf(events).payload.schema as string;
    expect(schema).toContain('// @RootNode\nmessage Paid');
    expect(schema).toContain('message Money');
    expect(schema).not.toContain('import "money.proto"');
    const eventsText = readFileSync(join(dir, 'b', `${t.proto2}.asyncapi.yaml`), 'utf8');
    expect((await validateAsyncApi(eventsText, events, 'events', 'parser')).filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('reports bodies that are not what the schema id promises, and truncated Avro', async () => {
    const r = await extract([t.bad], 'c');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout).topics[0];
    expect(report.undecodable).toBe(10);
    expect(report.warnings.join('\n')).toMatch(/10 of 30 checked values with schema id \d+ do not decode: .*truncated Avro/);
  });
});

/**
 * `zdp extract` against a real Kafka 3.9 cluster: fixture producers write JSON with optional
 * fields, nulls, nested arrays, date-times and enums; text; binary keys; headers; a compacted topic;
 * an empty topic; registry-framed bytes; invalid UTF-8; a 10 MB record. The contracts are checked
 * field by field, parsed by @asyncapi/parser, and must be byte-identical across runs.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { FIXTURE_PRODUCER, harnessKafka, harnessProfile, runZdp, uniqueName, waitForTopics } from '../harness/helpers.js';
import { validateAsyncApi } from '../../src/contracts/validate.js';
import { createTopicsAndWait } from '../../src/kafka/topics.js';

const projectDir = inject('zdpProjectDir');

type Doc = Record<string, any>;

const STATUSES = ['NEW', 'PAID', 'SHIPPED', 'CANCELLED'];

function order(i: number) {
  return {
    orderId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    status: STATUSES[i % 4],
    createdAt: new Date(Date.UTC(2026, 10, 1, 0, 0, i)).toISOString(),
    amount: i % 3 === 0 ? i : i + 0.5,
    quantity: i,
    customer: { email: `c${i}@example.com`, tier: i % 2 === 0 ? 'gold' : 'silver' },
    lines: Array.from({ length: (i % 3) + 1 }, (_, j) => ({ sku: `SKU-${j}`, qty: j + 1, ...(j === 0 ? { gift: i % 5 === 0 } : {}) })),
    couponCode: i % 10 === 0 ? `C${i}` : undefined,
    cancelledReason: i % 4 === 3 ? 'customer request' : null,
  };
}

async function createTopics(kafka: Kafka, topics: { topic: string; numPartitions: number; configEntries?: { name: string; value: string }[] }[]) {
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsAndWait(admin, topics);
  await admin.disconnect();
}

describe('zdp extract on real topics', () => {
  const prefix = uniqueName('ex');
  const t = {
    orders: `${prefix}.orders`,
    text: `${prefix}.audit`,
    binaryKeys: `${prefix}.binkeys`,
    compacted: `${prefix}.customers`,
    empty: `${prefix}.empty`,
    framed: `${prefix}.framed`,
    invalidUtf8: `${prefix}.invalid`,
    big: `${prefix}.big`,
  };
  let dir: string;

  beforeAll(async () => {
    const kafka = harnessKafka(projectDir, 'source');
    await createTopics(kafka, [
      { topic: t.orders, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '172800000' }, { name: 'min.insync.replicas', value: '1' }] },
      { topic: t.text, numPartitions: 1 },
      { topic: t.binaryKeys, numPartitions: 2 },
      { topic: t.compacted, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: t.empty, numPartitions: 2 },
      { topic: t.framed, numPartitions: 1 },
      { topic: t.invalidUtf8, numPartitions: 1 },
      { topic: t.big, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(12 * 1024 * 1024) }] },
    ]);
    await waitForTopics(kafka, Object.values(t));
    const producer = kafka.producer(FIXTURE_PRODUCER);
    await producer.connect();
    await producer.send({
      topic: t.orders,
      messages: Array.from({ length: 240 }, (_, i) => ({
        key: order(i).orderId,
        value: JSON.stringify(order(i)),
        partition: i % 3,
        headers: { traceparent: `00-${String(i).padStart(32, '0')}-01`, 'content-source': 'checkout', ...(i % 2 ? { 'retry-count': String(i % 3) } : {}) },
      })),
    });
    await producer.send({ topic: t.text, messages: Array.from({ length: 40 }, (_, i) => ({ value: `user-${i} signed in from web` })) });
    await producer.send({
      topic: t.binaryKeys,
      messages: Array.from({ length: 60 }, (_, i) => {
        const key = Buffer.alloc(8);
        key.writeBigInt64BE(BigInt(i * 1000));
        return { key, value: JSON.stringify({ n: i }), partition: i % 2 };
      }),
    });
    await producer.send({
      topic: t.compacted,
      messages: [
        ...Array.from({ length: 50 }, (_, i) => ({ key: `customer-${i % 10}`, value: JSON.stringify({ name: `Customer ${i % 10}`, version: i }) })),
        { key: 'customer-3', value: null },
      ],
    });
    await producer.send({ topic: t.framed, messages: Array.from({ length: 25 }, () => ({ value: Buffer.from([0, 0, 0, 0, 42, 2, 6, 0x61, 0x62, 0x63]) })) });
    await producer.send({ topic: t.invalidUtf8, messages: Array.from({ length: 25 }, (_, i) => ({ value: Buffer.from([0x7b, 0x22, 0xff, 0xfe, i]) })) });
    await producer.send({ topic: t.big, messages: [{ value: JSON.stringify({ blob: 'x'.repeat(10 * 1024 * 1024), id: 1 }) }] });
    await producer.disconnect();

    // a consumer group with committed offsets on the orders topic
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: `${prefix}-billing`, topic: t.orders, partitions: [{ partition: 0, offset: '10' }] });
    await admin.disconnect();

    dir = mkdtempSync(join(tmpdir(), 'zdp-extract-'));
    const source = harnessProfile(projectDir, 'source');
    writeFileSync(join(dir, 'zdp.yaml'), [
      'apiVersion: zdp/v1',
      'clusters:',
      `  source: {bootstrapServers: [${source.bootstrapServers[0]}], schemaRegistry: {url: "${source.schemaRegistry!.url}"}}`,
      `  noregistry: {bootstrapServers: [${source.bootstrapServers[0]}], schemaRegistry: {url: "http://127.0.0.1:1"}}`,
      '',
    ].join('\n'));
  }, 240_000);

  const run = (args: string[]) => runZdp(['extract', '--cluster', 'source', '--offset', 'earliest', ...args], { cwd: dir });
  const load = (out: string, topic: string): Doc => parse(readFileSync(join(dir, out, `${topic}.asyncapi.yaml`), 'utf8'));

  it('writes a validated contract for a JSON topic, field by field', async () => {
    const r = await run(['--topic', t.orders, '--out', 'c1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.kind).toBe('ExtractReport');
    expect(report.topics[0], JSON.stringify(report.topics[0])).toMatchObject({ topic: t.orders, partitions: 3, messagesSampled: 240, valueEncoding: 'json', mixedEncodings: false, groups: [`${prefix}-billing`] });

    const doc = load('c1', t.orders);
    expect(doc.asyncapi).toBe('3.0.0');
    const channel = Object.values(doc.channels)[0] as Doc;
    expect(channel.address).toBe(t.orders);
    expect(channel.bindings.kafka).toMatchObject({ partitions: 3, replicas: 1, bindingVersion: '0.5.0' });
    expect(channel.bindings.kafka.topicConfiguration).toMatchObject({ 'cleanup.policy': ['delete'], 'retention.ms': 172800000 });
    expect(channel.bindings.kafka['x-zdp-configs']).toEqual({ 'min.insync.replicas': '1' });

    const message = Object.values(doc.components.messages)[0] as Doc;
    expect(message.contentType).toBe('application/json');
    expect(message.bindings.kafka.key).toEqual({ type: 'string', format: 'uuid' });
    expect(message.headers).toEqual({
      type: 'object',
      properties: { 'content-source': { type: 'string' }, 'retry-count': { type: 'string' }, traceparent: { type: 'string' } },
      required: ['content-source', 'traceparent'],
    });
    const payload = doc.components.schemas[message.payload.$ref.split('/').pop()];
    expect(payload.required).toEqual(['amount', 'cancelledReason', 'createdAt', 'customer', 'lines', 'orderId', 'quantity', 'status']);
    expect(payload.properties.orderId).toEqual({ type: 'string', format: 'uuid' });
    expect(payload.properties.status).toEqual({ type: 'string', enum: ['CANCELLED', 'NEW', 'PAID', 'SHIPPED'] });
    expect(payload.properties.createdAt).toEqual({ type: 'string', format: 'date-time' });
    expect(payload.properties.amount).toEqual({ type: 'number' });
    expect(payload.properties.quantity).toEqual({ type: 'integer' });
    expect(payload.properties.couponCode).toEqual({ type: 'string' });
    // one reason seen: a constant, not a one-value enum that would refuse the next reason
    expect(payload.properties.cancelledReason).toEqual({ type: ['string', 'null'] });
    expect(payload.properties.customer.properties.email).toEqual({ type: 'string', format: 'email' });
    expect(payload.properties.customer.properties.tier).toEqual({ type: 'string', enum: ['gold', 'silver'] });
    expect(payload.properties.lines.items).toEqual({
      type: 'object',
      properties: { gift: { type: 'boolean' }, qty: { type: 'integer' }, sku: { type: 'string', enum: ['SKU-0', 'SKU-1', 'SKU-2'] } },
      required: ['qty', 'sku'],
    });
    // one example, made from the schema: no record data in the contract by default
    expect(message.examples).toHaveLength(1);
    expect(message.examples[0].name).toBe('generated');

    const receive = Object.values(doc.operations).filter((o: any) => o.bindings?.kafka?.groupId) as Doc[];
    expect(receive.map((o) => o.bindings.kafka.groupId)).toEqual([{ type: 'string', enum: [`${prefix}-billing`] }]);
    expect(Object.values(doc.operations).map((o: any) => o.action).sort()).toEqual(['receive', 'receive', 'send']);

    const text = readFileSync(join(dir, 'c1', `${t.orders}.asyncapi.yaml`), 'utf8');
    const errors = (await validateAsyncApi(text, doc, 'orders', 'parser')).filter((d) => d.severity === 'error');
    expect(errors).toEqual([]);
  });

  it('gives byte-identical contracts on a second run, and leaves examples out when asked', async () => {
    const a = await run(['--topic', `${prefix}.*`, '--exclude', t.big, '--exclude', t.framed, '--out', 'run-a']);
    const b = await run(['--topic', `${prefix}.*`, '--exclude', t.big, '--exclude', t.framed, '--out', 'run-b']);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const files = readdirSync(join(dir, 'run-a')).sort();
    expect(files).toHaveLength(6);
    for (const f of files) expect(readFileSync(join(dir, 'run-b', f), 'utf8')).toBe(readFileSync(join(dir, 'run-a', f), 'utf8'));
    // inference in worker threads merges per-worker statistics: the same bytes again
    const w = await run(['--topic', `${prefix}.*`, '--exclude', t.big, '--exclude', t.framed, '--out', 'run-w', '--workers', '2']);
    expect(w.code, w.stderr).toBe(0);
    for (const f of files) expect(readFileSync(join(dir, 'run-w', f), 'utf8')).toBe(readFileSync(join(dir, 'run-a', f), 'utf8'));
    const c = await run(['--topic', t.orders, '--out', 'no-examples', '--no-examples']);
    expect(c.code).toBe(0);
    expect((Object.values(load('no-examples', t.orders).components.messages)[0] as Doc).examples).toBeUndefined();
  });

  it('describes text, binary keys, compacted and empty topics', async () => {
    const r = await run(['--topic', t.text, '--topic', t.binaryKeys, '--topic', t.compacted, '--topic', t.empty, '--out', 'c2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const text = Object.values(load('c2', t.text).components.messages)[0] as Doc;
    expect(text.contentType).toBe('text/plain');

    const bin = Object.values(load('c2', t.binaryKeys).components.messages)[0] as Doc;
    expect(bin.bindings.kafka.key).toEqual({ type: 'string', format: 'binary' });

    const compacted = load('c2', t.compacted);
    const cb = (Object.values(compacted.channels)[0] as Doc).bindings.kafka;
    expect(cb.topicConfiguration['cleanup.policy']).toEqual(['compact']);
    const report = JSON.parse(r.stdout).topics.find((x: Doc) => x.topic === t.compacted);
    expect(report.valueEncodings.tombstone).toBe(1);

    const empty = load('c2', t.empty);
    const ec = Object.values(empty.channels)[0] as Doc;
    expect(ec['x-zdp-notes']).toEqual(['the topic was empty when sampled: no records to infer a schema from']);
    const em = Object.values(empty.components.messages)[0] as Doc;
    expect(em.payload).toBeUndefined();
  });

  it('reports invalid UTF-8 as binary with a warning, and reads a 10 MB record', async () => {
    const r = await run(['--topic', t.invalidUtf8, '--topic', t.big, '--out', 'c3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const invalid = report.topics.find((x: Doc) => x.topic === t.invalidUtf8);
    expect(invalid.valueEncoding).toBe('binary');
    expect(invalid.warnings).toContain('25 values: starts like JSON but is not valid UTF-8');
    const big = report.topics.find((x: Doc) => x.topic === t.big);
    expect(big).toMatchObject({ messagesSampled: 1, valueEncoding: 'json' });
    const schema = load('c3', t.big).components.schemas;
    expect(Object.values(schema)[0]).toMatchObject({ properties: { blob: { type: 'string' }, id: { type: 'integer' } } });
  });

  it('reports schema ids it cannot resolve as partial (exit 8) and still writes the contract', async () => {
    // id 42 is not registered on the real registry either: partial too, with the registry's own answer
    const known = await runZdp(['extract', '--cluster', 'source', '--topic', t.framed, '--offset', 'earliest', '--out', 'c4b'], { cwd: dir });
    expect(known.code).toBe(8);
    expect(known.stderr).toMatch(/schema id 42: schema registry of "source"/);

    const r = await runZdp(['extract', '--cluster', 'noregistry', '--topic', t.framed, '--offset', 'earliest', '--out', 'c4', '--json'], { cwd: dir });
    expect(r.code).toBe(8);
    const report = JSON.parse(r.stdout);
    expect(report.topics[0]).toMatchObject({ schemaIds: [42], unresolvedSchemaIds: [42] });
    // the one JSON error document on stderr names the registry that could not be reached
    expect(JSON.parse(r.stderr).message).toContain('cannot reach the schema registry of "noregistry" at http://127.0.0.1:1');
    const doc = load('c4', t.framed);
    const message = Object.values(doc.components.messages)[0] as Doc;
    expect(message.bindings.kafka).toMatchObject({ schemaIdLocation: 'payload', schemaIdPayloadEncoding: 'confluent' });
    expect(message.description).toContain('could not be read');
  });

  it('says which topic does not exist (exit 6), and when a pattern matches nothing', async () => {
    const missing = await run(['--topic', `${prefix}.nope`]);
    expect(missing.code).toBe(6);
    expect(missing.stderr).toContain(`topic not found on cluster "source": ${prefix}.nope`);
    const pattern = await run(['--topic', `${prefix}-nothing-*`]);
    expect(pattern.code).toBe(6);
    expect(pattern.stderr).toContain(`no topic on cluster "source" matches ${prefix}-nothing-*`);
  });
});

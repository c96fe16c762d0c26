/**
 * No record data in published files unless asked for: a topic whose records carry an API token, a
 * bearer header and e-mail addresses is extracted, productized and documented on a real broker, and
 * none of those values appears in any file zdp wrote. With `--examples sample`, examples are real
 * records with the sensitive values replaced, and the rest kept.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createTopics, FIXTURE_PRODUCER, harnessKafka, harnessProfile, runZdp, uniqueName } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

const SECRETS = ['sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl', 'alice.private@example.org', 'bob.hidden@example.net', 'hunter2-password', 'AKIAIOSFODNN7EXAMPLE'];

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('record data stays out of published files', () => {
  const topic = uniqueName('published.accounts');
  const dir = mkdtempSync(join(tmpdir(), 'zdp-published-'));

  beforeAll(async () => {
    const kafka = harnessKafka(projectDir, 'source');
    await createTopics(kafka, [{ topic, numPartitions: 1 }]);
    const producer = kafka.producer(FIXTURE_PRODUCER);
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 60 }, (_, i) => ({
        key: `acct-${i}`,
        value: JSON.stringify({ accountId: `acct-${1000 + i}`, plan: ['free', 'pro'][i % 2], apiToken: SECRETS[0], email: i % 2 ? SECRETS[2] : SECRETS[3], password: SECRETS[4], note: `contact ${SECRETS[3]} for access`, seats: 1 + (i % 5) }),
        headers: { authorization: `Bearer ${SECRETS[1]}`, 'x-api-key': SECRETS[5], 'x-request-source': 'signup-form' },
      })),
    });
    await producer.disconnect();
    const source = harnessProfile(projectDir, 'source');
    writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [${source.bootstrapServers[0]}]}\n`);
  }, 120_000);

  it('extract, productize and docs write none of the tokens, credentials or addresses by default', async () => {
    const extract = await runZdp(['extract', '--cluster', 'source', '--topic', topic, '--offset', 'earliest', '--out', 'contracts', '--json'], { cwd: dir });
    expect(extract.code, extract.stderr).toBe(0);
    const contract = join('contracts', `${topic}.asyncapi.yaml`);
    const doc = parse(readFileSync(join(dir, contract), 'utf8'));
    // still an example, made from the schema
    const message = Object.values(doc.components.messages as Record<string, { examples?: { name: string; payload: Record<string, unknown> }[] }>)[0]!;
    expect(message.examples?.[0]?.name).toBe('generated');
    expect(Object.keys(message.examples![0]!.payload).sort()).toEqual(['accountId', 'apiToken', 'email', 'note', 'password', 'plan', 'seats']);
    const product = await runZdp(['productize', '--contract', contract, '--name', 'accounts', '--version', '1.0.0', '--owner', 'identity', '--cluster', 'source', '--json'], { cwd: dir });
    expect(product.code, product.stderr).toBe(0);
    const written = filesUnder(dir).filter((f) => !f.endsWith('zdp.yaml'));
    expect(written.some((f) => f.endsWith('docs/index.html'))).toBe(true);
    expect(written.some((f) => f.endsWith('product.yaml'))).toBe(true);
    for (const f of written) {
      const text = readFileSync(f, 'utf8');
      for (const secret of SECRETS) expect(text.includes(secret), `${f} holds ${secret}`).toBe(false);
    }
    // nor does the report on stdout
    for (const secret of SECRETS) expect(extract.stdout.includes(secret)).toBe(false);
  });

  it('--examples sample copies records with the sensitive values replaced', async () => {
    const extract = await runZdp(['extract', '--cluster', 'source', '--topic', topic, '--offset', 'earliest', '--out', 'sampled', '--examples', 'sample'], { cwd: dir });
    expect(extract.code, extract.stderr).toBe(0);
    const text = readFileSync(join(dir, 'sampled', `${topic}.asyncapi.yaml`), 'utf8');
    for (const secret of SECRETS) expect(text.includes(secret), secret).toBe(false);
    const doc = parse(text);
    const message = Object.values(doc.components.messages as Record<string, { examples: { name: string; payload: Record<string, unknown>; headers?: Record<string, string> }[] }>)[0]!;
    const example = message.examples[0]!;
    expect(example.name).toBe('sample1');
    // what is not sensitive is the record's own
    expect(example.payload).toMatchObject({ accountId: 'acct-1000', plan: 'free', seats: 1, apiToken: '<redacted>', password: '<redacted>', note: '<redacted>' });
    expect(example.payload.email).toBe('user@example.com');
    expect(example.headers).toMatchObject({ authorization: '<redacted>', 'x-api-key': '<redacted>', 'x-request-source': 'signup-form' });
  });
});

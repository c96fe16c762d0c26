/**
 * Topic data cannot take zdp down: a compression bomb (a gzip batch that inflates past
 * ZDP_MAX_BATCH_BYTES), a record nested 1,000 levels deep, and a topic whose name looks like a flag
 * and holds dots. Extract on a real broker finishes, says what it skipped, and writes valid
 * contracts inside --out only.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompressionTypes } from 'kafkajs';
import { parse } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { validateAsyncApi } from '../../src/contracts/validate.js';
import { createTopics, FIXTURE_PRODUCER, harnessKafka, harnessProfile, runZdp, uniqueName } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

describe('hostile topic data', () => {
  const bomb = uniqueName('hostile-bomb');
  const deep = uniqueName('hostile-deep');
  const odd = `-${uniqueName('x')}..y`;
  const dir = mkdtempSync(join(tmpdir(), 'zdp-hostile-'));

  beforeAll(async () => {
    const kafka = harnessKafka(projectDir, 'source');
    await createTopics(kafka, [bomb, deep, odd].map((topic) => ({ topic, numPartitions: 1 })));
    const producer = kafka.producer(FIXTURE_PRODUCER);
    await producer.connect();
    // 8 MiB of zeros in one gzip batch: a few KiB on the wire, far past the 1 MiB limit set below
    await producer.send({ topic: bomb, compression: CompressionTypes.GZIP, messages: [{ value: Buffer.alloc(8 * 1024 * 1024) }] });
    let nested: unknown = { id: 1 };
    for (let i = 0; i < 1000; i++) nested = { inner: nested };
    const ok = Array.from({ length: 10 }, (_, i) => ({ value: JSON.stringify({ id: i, name: `n${i}` }) }));
    await producer.send({ topic: deep, messages: [{ value: JSON.stringify(nested) }, ...ok] });
    await producer.send({ topic: odd, messages: ok });
    await producer.disconnect();
    const source = harnessProfile(projectDir, 'source');
    writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [${source.bootstrapServers[0]}]}\n`);
  }, 120_000);

  it('skips a batch that inflates past ZDP_MAX_BATCH_BYTES, says so, and goes on', async () => {
    const r = await runZdp(['extract', '--cluster', 'source', '--topic', bomb, '--offset', 'earliest', '--out', 'c-bomb', '--json'], { cwd: dir, env: { ZDP_MAX_BATCH_BYTES: String(1024 * 1024) } });
    expect(r.code, r.stderr).toBe(0);
    // with --json the warning is in the report, not on stderr
    const warnings = JSON.parse(r.stdout).topics[0].warnings.join('\n');
    expect(warnings).toContain('ZDP_MAX_BATCH_BYTES');
    expect(warnings).toMatch(/decompresses to more than 1048576 bytes/);
    expect(r.stderr).toBe('');
    expect(existsSync(join(dir, 'c-bomb', `${bomb}.asyncapi.yaml`))).toBe(true);
  });

  it('describes a 1,000-deep record only to the depth inference covers, and keeps it out of examples', async () => {
    const r = await runZdp(['extract', '--cluster', 'source', '--topic', deep, '--offset', 'earliest', '--out', 'c-deep'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('nested deeper than 32 levels');
    const text = readFileSync(join(dir, 'c-deep', `${deep}.asyncapi.yaml`), 'utf8');
    const errors = (await validateAsyncApi(text, parse(text), deep, 'parser')).filter((d) => d.severity === 'error');
    expect(errors).toEqual([]);
  });

  it('writes the contract of a topic named like a flag, with dots, inside --out', async () => {
    const r = await runZdp(['extract', '--cluster', 'source', `--topic=${odd}`, '--offset', 'earliest', '--out', 'c-odd', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(dir, 'c-odd'))).toEqual([`${odd}.asyncapi.yaml`]);
    expect(JSON.parse(r.stdout).topics[0].topic).toBe(odd);
  });
});

/**
 * `zdp demo --json` end to end, as a child process: its own local clusters, schema registry,
 * MirrorMaker 2, Kroxylicious and client applications. The report must say every step succeeded,
 * 0 lost and 0 duplicated, and every file it lists must exist and validate: the AsyncAPI contracts
 * (parser + our checks), the data product, the Zilla config against the Zilla JSON Schema, the
 * Kroxylicious config, MirrorMaker 2's properties and the cutover journal.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateAsyncApi } from '../../src/contracts/validate.js';
import { runZdp } from '../harness/helpers.js';
import { validateZilla } from '../harness/zilla.js';

describe('zdp demo', () => {
  it('migrates Kafka 3.9 to 4.x with live clients: every step ok, 0 lost, 0 duplicated, every file valid', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'zdp-demo-test-'));
    const r = await runZdp(['demo', '--dir', 'demo', '--rate', '200', '--json'], { cwd, timeoutMs: 900_000 });
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ kind: 'DemoReport', ok: true, records: { lost: 0, duplicated: 0, abortedVisible: 0 }, kept: false });
    expect(report.steps.map((s: { step: string }) => s.step)).toEqual([
      'start local clusters',
      'start the target cluster',
      'create and fill topics on the source',
      'start the gateway in front of the source',
      'start client applications (through the gateway only)',
      'extract contracts',
      'productize',
      'render gateway configs',
      'render Kroxylicious config',
      'plan and create target topics and schemas',
      'start MirrorMaker 2',
      'wait for replication',
      'parity',
      'cutover',
      'verify',
    ]);
    expect(report.steps.every((s: { ok: boolean }) => s.ok)).toBe(true);
    expect(report.records.produced).toBeGreaterThan(1000);
    expect(report.records.consumed).toBeGreaterThan(report.records.produced);
    for (const g of report.groups) expect(g).toMatchObject({ duplicates: 0, missing: 0, outOfOrder: 0 });
    // with --json, stderr stays clean: progress lines are for people at a terminal
    expect(r.stderr).toBe('');
    // the Avro topic's subject went to the target's registry with its id
    expect(report.steps.find((s: { step: string }) => s.step === 'plan and create target topics and schemas').summary).toMatch(/copied 1 schema with their ids \(payments\.authorized-value v1 \(id \d+\)\)/);

    const dir = join(cwd, 'demo');
    const files: string[] = report.files;
    for (const f of files) expect(existsSync(join(dir, f)), f).toBe(true);
    const contracts = files.filter((f) => f.startsWith('contracts/') && f.endsWith('.yaml'));
    expect(contracts).toHaveLength(3);
    for (const f of contracts) {
      const text = readFileSync(join(dir, f), 'utf8');
      const errors = (await validateAsyncApi(text, parse(text), f, 'parser')).filter((d) => d.severity === 'error');
      expect(errors, f).toEqual([]);
      // realistic data, and a contract that does not over-fit it: no one-value enum, no negative numbers in examples
      const doc = parse(text);
      const enums: unknown[][] = [];
      const walk = (v: unknown) => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (k === 'enum' && Array.isArray(x) ? enums.push(x) : walk(x));
      };
      walk(doc.components?.schemas);
      for (const e of enums) expect(e.filter((x) => x !== null).length, `${f}: enum ${JSON.stringify(e)}`).toBeGreaterThan(1);
      expect(text, f).not.toMatch(/cus--|ord--|pay--|amount: -/);
    }
    const orders = parse(readFileSync(join(dir, 'contracts/orders.created.asyncapi.yaml'), 'utf8'));
    const payload = orders.components.schemas.OrdersCreatedPayload;
    expect(payload.properties.status.enum).toEqual(expect.arrayContaining(['CREATED', 'PAID', 'SHIPPED']));
    expect(payload.properties.lines.items.properties.sku).toEqual({ type: 'string' });
    expect(files).toContain('products/commerce/1.0.0/product.yaml');
    const lint = await runZdp(['product', 'lint', 'products/commerce/1.0.0/product.yaml'], { cwd: dir });
    expect(lint.code, lint.stderr).toBe(0);
    expect(validateZilla(readFileSync(join(dir, 'gateway/zilla.yaml'), 'utf8'), 2).errors).toEqual([]);
    expect(parse(readFileSync(join(dir, 'gateway/kroxylicious.yaml'), 'utf8'))).toHaveProperty('virtualClusters');
    expect(files).toContain('.zdp/migrations/source-to-target/mm2.properties');
    expect(readFileSync(join(dir, '.zdp/migrations/source-to-target/mm2.properties'), 'utf8')).toContain('IdentityReplicationPolicy');
    const journal = readFileSync(join(dir, '.zdp/migrations/source-to-target/cutover.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(journal.at(-1)).toMatchObject({ type: 'end', outcome: 'done' });
    // nothing left running
    const status = await runZdp(['dev', 'status', '--json'], { cwd: dir });
    expect(JSON.parse(status.stdout).clusters.map((c: { state: string }) => c.state)).toEqual(['stopped', 'stopped']);

    // the same command again, in the same place: the earlier run's directory is cleared and the
    // demo runs from nothing (before, its clusters came back with the first run's records and the
    // finished cutover's journal refused the second cutover, exit 7 a minute in)
    // with --keep, as a script runs it: it returns (the client applications stop with it), and the
    // clusters and the gateway, now in front of the target, stay up until taken down
    const again = await runZdp(['demo', '--dir', 'demo', '--rate', '200', '--keep', '--json'], { cwd, timeoutMs: 900_000 });
    try {
      expect(again.code, again.stderr.slice(-3000)).toBe(0);
      expect(again.stderr).toBe('');
      const second = JSON.parse(again.stdout);
      expect(second).toMatchObject({ kind: 'DemoReport', ok: true, kept: true, records: { lost: 0, duplicated: 0, abortedVisible: 0 } });
      for (const g of second.groups) expect(g).toMatchObject({ duplicates: 0, missing: 0, outOfOrder: 0 });
      const journal2 = readFileSync(join(dir, '.zdp/migrations/source-to-target/cutover.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(journal2.filter((e) => e.type === 'start')).toHaveLength(1);
      expect(journal2[0].header.cutoverId).not.toBe(journal[0].header.cutoverId);
      expect(journal2.at(-1)).toMatchObject({ type: 'end', outcome: 'done' });
      const kept = await runZdp(['dev', 'status', '--json'], { cwd: dir });
      expect(JSON.parse(kept.stdout).clusters.map((c: { state: string }) => c.state)).toEqual(['running', 'running']);
      const gateway = await runZdp(['gateway', 'status', '--json'], { cwd: dir });
      expect(gateway.code, gateway.stderr).toBe(0);
      expect(JSON.parse(gateway.stdout)).toMatchObject({ running: true, live: true, cluster: 'target' });
    } finally {
      await runZdp(['gateway', 'down'], { cwd: dir });
      await runZdp(['dev', 'down'], { cwd: dir });
    }
    const down = await runZdp(['dev', 'status', '--json'], { cwd: dir });
    expect(JSON.parse(down.stdout).clusters.map((c: { state: string }) => c.state)).toEqual(['stopped', 'stopped']);
  }, 1_800_000);
});

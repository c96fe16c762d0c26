/**
 * Bad input for zdp parity and zdp cutover, against the harness clusters: nothing to resume, a
 * journal from another migration, no gateway, a topic missing on the target, conflicting flags.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { FIXTURE_PRODUCER, harnessKafka, harnessProfile, runZdp, uniqueName, createTopics } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

describe('zdp cutover and zdp parity: bad input', () => {
  let dir: string;
  const onlySource = uniqueName('ce.only-source');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zdp-cutover-errors-'));
    writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [${harnessProfile(projectDir, 'source').bootstrapServers[0]}]}\n  target: {bootstrapServers: [${harnessProfile(projectDir, 'target').bootstrapServers[0]}]}\n`);
    const kafka = harnessKafka(projectDir, 'source');
    await createTopics(kafka, [{ topic: onlySource, numPartitions: 2 }]);
    const p = kafka.producer(FIXTURE_PRODUCER);
    await p.connect();
    await p.send({ topic: onlySource, messages: [{ value: 'x' }, { value: 'y' }] });
    await p.disconnect();
  });

  it('has nothing to resume (exit 6) and says so', async () => {
    const r = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--resume'], { cwd: dir });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('there is no unfinished cutover from source to target to resume');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses --resume with --rollback (exit 2)', async () => {
    const r = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--resume', '--rollback'], { cwd: dir });
    expect(r.code).toBe(2);
  });

  it('needs a gateway in front of the source (exit 6, with the command to start one)', async () => {
    const r = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--topic', onlySource, '--yes'], { cwd: dir });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('no gateway was started for this project');
    expect(r.stderr).toContain('zdp gateway up');
  });

  it('refuses a journal from another migration (exit 3)', async () => {
    const m = join(dir, 'other');
    mkdirSync(join(m, '.zdp', 'migrations', 'source-to-target'), { recursive: true });
    writeFileSync(join(m, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [${harnessProfile(projectDir, 'source').bootstrapServers[0]}]}\n  target: {bootstrapServers: [${harnessProfile(projectDir, 'target').bootstrapServers[0]}]}\n`);
    const header = { cutoverId: 'old', from: 'source', to: 'target', sourceClusterId: 'some-other-cluster', targetClusterId: 'and-another', topics: [onlySource], groups: [], startedAt: '2026-01-01T00:00:00Z' };
    writeFileSync(join(m, '.zdp', 'migrations', 'source-to-target', 'cutover.jsonl'), `${JSON.stringify({ type: 'start', seq: 0, time: header.startedAt, header })}\n${JSON.stringify({ type: 'step', seq: 1, time: header.startedAt, cutoverId: 'old', step: 'fence', state: 'done', data: {} })}\n`);
    const r = await runZdp(['cutover', '--from', 'source', '--to', 'target', '--resume'], { cwd: m });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('belongs to another migration');
  });

  it('parity reports a topic missing on the target as a mismatch (exit 7)', async () => {
    const r = await runZdp(['parity', '--from', 'source', '--to', 'target', '--topic', onlySource, '--json'], { cwd: dir });
    expect(r.code).toBe(7);
    const report = JSON.parse(r.stdout);
    expect(report.partitions).toHaveLength(2);
    expect(report.partitions[0]).toMatchObject({ status: 'missing', reason: 'topic is missing on the target' });
    expect(r.stderr).toContain('zdp migrate');
  });

  it('parity on an unknown topic pattern is "not found" (exit 6)', async () => {
    const r = await runZdp(['parity', '--from', 'source', '--to', 'target', '--topic', 'no-such-topic-*'], { cwd: dir });
    expect(r.code).toBe(6);
  });
});

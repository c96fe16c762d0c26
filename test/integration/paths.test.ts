/**
 * Paths as people pass them: every command that takes a path runs bin/zdp.js from a working
 * directory that is not the project, with relative paths, absolute paths, and a directory where one
 * is natural (--config <dir>, product lint <dir>, init --config <dir>/). Each output lands exactly
 * where the path says, and nowhere else; a relative ZDP_STATE_DIR is relative to the working directory.
 * Real clusters (the harness's source and target).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createTopics, FIXTURE_PRODUCER, harnessKafka, harnessProfile, runZdp, uniqueName } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

describe('paths, relative and absolute, from another working directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'zdp-paths-'));
  const project = join(root, 'project');
  const work = join(root, 'work');
  const topic = uniqueName('paths-orders');
  const zdp = (args: string[], env: NodeJS.ProcessEnv = {}) => runZdp(args, { cwd: work, env: { XDG_CONFIG_HOME: join(root, 'xdg'), ...env } });
  const contractName = `${topic}.asyncapi.yaml`;

  beforeAll(async () => {
    mkdirSync(project);
    mkdirSync(work);
    const source = harnessProfile(projectDir, 'source');
    const target = harnessProfile(projectDir, 'target');
    // the project keeps its state and products beside its zdp.yaml, whatever the working directory
    writeFileSync(join(project, 'zdp.yaml'), ['apiVersion: zdp/v1', 'kind: Project', 'clusters:', `  source: {bootstrapServers: [${source.bootstrapServers[0]}]}`, `  target: {bootstrapServers: [${target.bootstrapServers[0]}]}`, ''].join('\n'));
    const kafka = harnessKafka(projectDir, 'source');
    await createTopics(kafka, [{ topic, numPartitions: 1 }]);
    const producer = kafka.producer(FIXTURE_PRODUCER);
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ key: `o-${i}`, value: JSON.stringify({ orderId: i + 1, amount: 10 + i, status: 'NEW' }) })) });
    await producer.disconnect();
  }, 120_000);

  it('extract --out, relative and absolute, with --config as a file and as a directory', async () => {
    const rel = await zdp(['--config', '../project/zdp.yaml', 'extract', '--cluster', 'source', '--topic', topic, '--offset', 'earliest', '--out', '../contracts-rel', '--json']);
    expect(rel.code, rel.stderr).toBe(0);
    expect(existsSync(join(root, 'contracts-rel', contractName))).toBe(true);
    expect(JSON.parse(rel.stdout).topics[0].file).toBe(join('..', 'contracts-rel', contractName));

    const abs = await zdp(['--config', project, 'extract', '--cluster', 'source', '--topic', topic, '--offset', 'earliest', '--out', join(root, 'contracts-abs')]);
    expect(abs.code, abs.stderr).toBe(0);
    expect(existsSync(join(root, 'contracts-abs', contractName))).toBe(true);
    // an absolute path is never taken as relative to the working directory
    expect(readdirSync(work)).toEqual([]);
    // the two runs wrote the same bytes
    expect(readFileSync(join(root, 'contracts-abs', contractName), 'utf8')).toBe(readFileSync(join(root, 'contracts-rel', contractName), 'utf8'));

    // the old name of --offset still works for one release, and says so
    const piped = await zdp(['--config', project, 'extract', '--cluster', 'source', '--topic', topic, '--from', 'earliest', '--out', '-']);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr).toContain('extract --from is now --offset');
    expect(parse(piped.stdout.replace(/^---\n/, '')).asyncapi).toBe('3.0.0');
  });

  it('productize --contract and --out, then product lint and diff on files and directories', async () => {
    const rel = await zdp(['--config', project, 'productize', '--contract', `../contracts-rel/${contractName}`, '--name', 'orders', '--version', '1.0.0', '--owner', 'checkout', '--products-dir', '../products-rel', '--no-docs', '--no-registry-check']);
    expect(rel.code, rel.stderr).toBe(0);
    const relFile = join(root, 'products-rel', 'orders', '1.0.0', 'product.yaml');
    expect(existsSync(relFile)).toBe(true);

    const abs = await zdp(['--config', project, 'productize', '--contract', join(root, 'contracts-abs', contractName), '--name', 'orders', '--version', '1.0.0', '--owner', 'checkout', '--products-dir', join(root, 'products-abs'), '--no-docs', '--no-registry-check']);
    expect(abs.code, abs.stderr).toBe(0);
    const absFile = join(root, 'products-abs', 'orders', '1.0.0', 'product.yaml');
    expect(readFileSync(absFile, 'utf8')).toBe(readFileSync(relFile, 'utf8'));

    for (const target of ['../products-rel', '../products-rel/', join(root, 'products-abs'), relFile, '../products-abs/orders/1.0.0/product.yaml']) {
      const lint = await zdp(['--config', project, 'product', 'lint', target, '--json']);
      expect(lint.code, `${target}: ${lint.stderr}`).toBe(0);
      expect(JSON.parse(lint.stdout)).toMatchObject({ kind: 'ProductLint', valid: true });
      expect(JSON.parse(lint.stdout).files).toHaveLength(1);
    }
    const diff = await zdp(['--config', project, 'product', 'diff', relFile, '../products-abs/orders/1.0.0/product.yaml', '--json']);
    expect(diff.code, diff.stderr).toBe(0);
    expect(JSON.parse(diff.stdout)).toMatchObject({ kind: 'ProductDiff', ok: true, changes: [] });
  });

  it('gateway render --products-dir and --out, relative, absolute and stdout', async () => {
    const rel = await zdp(['--config', project, 'gateway', 'render', '--target', 'zilla', '--products-dir', '../products-rel', '--out', '../gw/zilla.yaml']);
    expect(rel.code, rel.stderr).toBe(0);
    const abs = await zdp(['--config', project, 'gateway', 'render', '--target', 'zilla', '--products-dir', join(root, 'products-abs'), '--out', join(root, 'gw-abs', 'zilla.yaml')]);
    expect(abs.code, abs.stderr).toBe(0);
    const out = await zdp(['--config', project, 'gateway', 'render', '--target', 'zilla', '--products-dir', '../products-rel', '--out', '-']);
    expect(out.code, out.stderr).toBe(0);
    expect(readFileSync(join(root, 'gw', 'zilla.yaml'), 'utf8')).toBe(out.stdout);
    expect(readFileSync(join(root, 'gw-abs', 'zilla.yaml'), 'utf8')).toBe(out.stdout);
  });

  it('migrate plan --out and apply <plan>, relative and absolute; a relative ZDP_STATE_DIR is under the working directory', async () => {
    const rel = await zdp(['--config', project, 'migrate', 'plan', '--from', 'source', '--to', 'target', '--topic', topic, '--no-acls', '--no-subjects', '--out', '../plans/plan.json']);
    expect(rel.code, rel.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(root, 'plans', 'plan.json'), 'utf8'))).toMatchObject({ kind: 'MigrationPlan', summary: { create: 1 } });
    const apply = await zdp(['--config', project, '--yes', 'migrate', 'apply', '../plans/plan.json', '--json']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(JSON.parse(apply.stdout).created).toEqual([topic]);

    const abs = await zdp(['--config', project, 'migrate', 'plan', '--from', 'source', '--to', 'target', '--topic', topic, '--no-acls', '--no-subjects', '--out', join(root, 'plans-abs', 'plan.json')]);
    expect(abs.code, abs.stderr).toBe(0);
    const again = await zdp(['--config', project, 'migrate', 'apply', join(root, 'plans-abs', 'plan.json'), '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: [], present: [topic] });

    // without --out the plan goes to the state directory: here a relative ZDP_STATE_DIR
    const state = await zdp(['--config', project, 'migrate', 'plan', '--from', 'source', '--to', 'target', '--topic', topic, '--no-acls', '--no-subjects'], { ZDP_STATE_DIR: '../state-rel' });
    expect(state.code, state.stderr).toBe(0);
    expect(existsSync(join(root, 'state-rel', 'migrations', 'source-to-target', 'plan.json'))).toBe(true);
    // and by default, beside the project's zdp.yaml, not in the working directory
    const fallback = await zdp(['--config', project, 'migrate', 'plan', '--from', 'source', '--to', 'target', '--topic', topic, '--no-acls', '--no-subjects']);
    expect(fallback.code, fallback.stderr).toBe(0);
    expect(existsSync(join(project, '.zdp', 'migrations', 'source-to-target', 'plan.json'))).toBe(true);
    expect(readdirSync(work)).toEqual([]);
  });

  it('init --config as a relative file, an absolute file and a directory', async () => {
    for (const [flag, file] of [
      ['../init-rel/zdp.yaml', join(root, 'init-rel', 'zdp.yaml')],
      [join(root, 'init-abs', 'zdp.yaml'), join(root, 'init-abs', 'zdp.yaml')],
      ['../init-dir/', join(root, 'init-dir', 'zdp.yaml')],
    ] as const) {
      const r = await zdp(['--config', flag, 'init', '--cluster', 'local', '--bootstrap', '127.0.0.1:9092', '--json']);
      expect(r.code, `${flag}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).file).toBe(file);
      const check = await zdp(['--config', flag.endsWith('/') ? '../init-dir' : flag, 'config', 'validate', '--json']);
      expect(check.code, check.stderr).toBe(0);
      expect(JSON.parse(check.stdout).clusters).toEqual(['local']);
    }
    expect(readdirSync(work)).toEqual([]);
  });
});

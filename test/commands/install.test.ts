/**
 * The one-line install, as a user does it: `npm pack`, then `npm install -g <tarball>` into a
 * temporary prefix and `npx --package <tarball>`, then zdp run from another directory. The packed
 * tarball must hold a built dist/, the LICENSE and the published schemas, and no source maps or
 * test files; installing it needs no devDependencies and pulls in no documentation generator.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../harness/helpers.js';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };

function duBytes(dir: string): number {
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) total += statSync(p).size;
    }
  }
  return total;
}

describe('install from the packed tarball', () => {
  let root: string;
  let tarball: string;
  let files: string[];
  const env = { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', PUPPETEER_SKIP_DOWNLOAD: '1' };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'zdp-install-'));
    // dist/ is what `npm test` just built; prepack builds it the same way on a real `npm pack`
    const packed = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: REPO, env, maxBuffer: 16 * 1024 * 1024 });
    const info = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(root, info[0]!.filename);
    files = info[0]!.files.map((f) => f.path);
  }, 120_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('packs a built dist/, LICENSE and the schemas, without source maps, tests or TypeScript sources', () => {
    expect(pkg.scripts.prepack).toBe('npm run build');
    expect(pkg.scripts.build).toMatch(/tsc.*build-validators/);
    expect(pkg.scripts.prepare).toBeUndefined();
    expect(files).toContain('bin/zdp.js');
    expect(files).toContain('dist/main.js');
    expect(files).toContain('LICENSE');
    expect(files).toContain('schemas/zdp.schema.json');
    expect(files).toContain('schemas/results/Error.schema.json');
    // the AsyncAPI schema compiled at build time, so installed zdp validates contracts without compiling it
    expect(files).toContain('generated/asyncapi-3.0.0.cjs');
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('src/') || f.startsWith('bench/'))).toEqual([]);
  });

  it('installs globally into a prefix and runs zdp --help from another directory', async () => {
    const prefix = join(root, 'prefix');
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    const started = performance.now();
    const installed = await run(npm, ['install', '-g', '--prefix', prefix, '--prefer-offline', tarball], { cwd: elsewhere, env, maxBuffer: 16 * 1024 * 1024 });
    const seconds = (performance.now() - started) / 1000;
    // no runtime dependency asks for a newer Node than zdp supports
    expect(installed.stderr).not.toMatch(/EBADENGINE/);
    const modules = join(prefix, 'lib', 'node_modules', 'zdp', 'node_modules');
    const packages = readdirSync(modules).flatMap((n) => (n.startsWith('@') ? readdirSync(join(modules, n)).map((m) => `${n}/${m}`) : [n])).filter((n) => !n.startsWith('.'));
    const mb = duBytes(join(prefix, 'lib', 'node_modules', 'zdp')) / 1024 / 1024;
    // the footprint README reports; the documentation generator is an optional peer, not installed
    console.log(`install footprint: ${packages.length} top-level packages, ${mb.toFixed(0)} MB, ${seconds.toFixed(1)} s`);
    expect(existsSync(join(modules, '@asyncapi', 'generator'))).toBe(false);
    expect(mb).toBeLessThan(150);

    const bin = join(prefix, 'bin', 'zdp');
    const help = await run(bin, ['--help'], { cwd: elsewhere, env });
    expect(help.stdout).toMatch(/^Usage: zdp /);
    expect(help.stdout).toContain('migrate');
    const version = await run(bin, ['version', '--json'], { cwd: elsewhere, env });
    expect(JSON.parse(version.stdout)).toMatchObject({ kind: 'Version', zdpVersion: pkg.version });

    // the main flow without the optional generator: a product is written with its docs (zdp renders its own templates)
    cpSync(join(REPO, 'fixtures', 'contracts', 'orders.created.asyncapi.yaml'), join(elsewhere, 'orders.yaml'));
    const productize = await run(bin, ['productize', '--contract', 'orders.yaml', '--name', 'orders', '--version', '1.0.0', '--owner', 'checkout', '--no-registry-check', '--json'], { cwd: elsewhere, env });
    const doc = JSON.parse(productize.stdout) as { kind: string; files: string[]; warnings?: string[] };
    expect(doc.kind).toBe('Productize');
    expect(existsSync(join(elsewhere, 'products', 'orders', '1.0.0', 'product.yaml'))).toBe(true);
    expect(doc.files).toContain('products/orders/1.0.0/docs/index.html');
    expect(readFileSync(join(elsewhere, 'products', 'orders', '1.0.0', 'docs', 'README.md'), 'utf8')).toMatch(/^# orders 1\.0\.0/);
    // the compiled AsyncAPI schema (productize) and the full parser (lint) both work from the install
    const lint = await run(bin, ['product', 'lint', '--json'], { cwd: elsewhere, env });
    expect(JSON.parse(lint.stdout)).toMatchObject({ kind: 'ProductLint', valid: true });
    // the generator itself is optional: asked for without it, a clear error and how to install it
    const docs = await run(bin, ['product', 'docs', 'orders', '--generator', '--json'], { cwd: elsewhere, env }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(docs.code).toBe(9);
    expect(JSON.parse(docs.stderr)).toMatchObject({ kind: 'Error', code: 'DOCS_GENERATOR_MISSING', exitCode: 9 });
    expect(JSON.parse(docs.stderr).hint).toMatch(/npm install -g @asyncapi\/generator/);
  }, 300_000);

  it('runs with npx straight from the tarball', async () => {
    const elsewhere = join(root, 'npx');
    mkdirSync(elsewhere, { recursive: true });
    const r = await run(npm, ['exec', '--yes', '--prefer-offline', `--package=${tarball}`, '--', 'zdp', 'version'], { cwd: elsewhere, env, maxBuffer: 16 * 1024 * 1024 });
    expect(r.stdout.trim()).toBe(pkg.version);
  }, 300_000);
});

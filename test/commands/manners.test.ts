/**
 * CLI manners, through bin/zdp.js as a child process: help with examples and the global flags on
 * every leaf command, `--version` anywhere, shell completion generated from the command tree, and
 * terminal rules on a real pseudo-terminal (util-linux `script`): a spinner only on a terminal of
 * usable width with colour allowed and not in CI; a zero-width terminal, NO_COLOR and CI=true get
 * plain lines and bounded output.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runZdp } from '../harness/helpers.js';

const REPO = resolve(import.meta.dirname, '..', '..');
const BIN = join(REPO, 'bin', 'zdp.js');
const cwd = mkdtempSync(join(tmpdir(), 'zdp-manners-'));

/** Leaf commands as the completion tree lists them (one source of truth for the walk). */
async function leaves(): Promise<string[][]> {
  const r = await runZdp(['completion', 'bash'], { cwd });
  const paths = [...r.stdout.matchAll(/^ {4}"([^"]*)"\) words="([^"]*)" ;;$/gm)].map((m) => ({ path: m[1]!, words: m[2]!.split(' ') }));
  const parents = new Set(paths.flatMap((p) => p.words.filter((w) => !w.startsWith('-')).map((w) => (p.path ? `${p.path} ${w}` : w))));
  return paths.filter((p) => p.path !== '' && !p.words.some((w) => !w.startsWith('-') && parents.has(`${p.path} ${w}`))).map((p) => p.path.split(' '));
}

describe('help', () => {
  it('gives every leaf command 1 to 3 examples and shows the global flags', async () => {
    const all = await leaves();
    expect(all.length).toBeGreaterThanOrEqual(30);
    for (const path of all) {
      const r = await runZdp([...path, '--help'], { cwd });
      expect(r.code, path.join(' ')).toBe(0);
      const examples = r.stdout.split('Examples:\n')[1];
      expect(examples, `${path.join(' ')} has no examples`).toBeDefined();
      const lines = examples!.split('\n').filter((l) => /^ {2}\S/.test(l) && l.includes('zdp'));
      expect(lines.length, `${path.join(' ')}: ${lines.length} examples`).toBeGreaterThanOrEqual(1);
      expect(lines.length, path.join(' ')).toBeLessThanOrEqual(4);
      expect(r.stdout, path.join(' ')).toContain('Global Options:');
      expect(r.stdout, path.join(' ')).toContain('--json');
      expect(r.stdout, path.join(' ')).not.toMatch(/\(default: \[\]\)|\(default: "[^"]*"\)/);
    }
  });

  it('answers --version anywhere, and `zdp version --json`', async () => {
    const version = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(join(REPO, 'package.json'), 'utf8'))).version as string;
    for (const args of [['--version'], ['-V'], ['version'], ['parity', '--version'], ['dev', 'up', '-V']]) {
      const r = await runZdp(args, { cwd });
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout.trim(), args.join(' ')).toBe(version);
    }
    const j = await runZdp(['--version', '--json'], { cwd });
    expect(JSON.parse(j.stdout)).toMatchObject({ kind: 'Version', zdpVersion: version });
    // productize keeps its own --version (the product's)
    const p = await runZdp(['productize', '--version', '1.0.0', '--json'], { cwd });
    expect(p.code).toBe(2);
    expect(JSON.parse(p.stderr).message).toContain("required option '--contract <file>'");
  });
});

describe('completion', () => {
  const complete = (script: string, words: string[]) => {
    const line = words.map((w) => `'${w}'`).join(' ');
    return execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _zdp; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' }).trim().split('\n');
  };

  it('generates a bash script that bash accepts and that completes commands, subcommands, flags and choices', async () => {
    const r = await runZdp(['completion', 'bash'], { cwd });
    expect(r.code).toBe(0);
    execFileSync('bash', ['-n'], { input: r.stdout });
    const top = complete(r.stdout, ['zdp', '']);
    for (const c of ['init', 'config', 'cluster', 'dev', 'extract', 'productize', 'product', 'gateway', 'migrate', 'parity', 'cutover', 'demo', 'version', 'completion']) expect(top).toContain(c);
    expect(complete(r.stdout, ['zdp', 'dev', ''])).toEqual(expect.arrayContaining(['up', 'down', 'status', 'logs', 'fetch']));
    expect(complete(r.stdout, ['zdp', '--json', 'migrate', 'st'])).toEqual(['start', 'stop', 'status']);
    expect(complete(r.stdout, ['zdp', 'parity', '--f'])).toEqual(['--from']);
    expect(complete(r.stdout, ['zdp', 'extract', '--format', ''])).toEqual(['yaml', 'json']);
    expect(complete(r.stdout, ['zdp', 'cutover', '--'])).toEqual(expect.arrayContaining(['--resume', '--rollback', '--dry-run', '--json', '--yes']));
  });

  it('generates a zsh script: the bash completion through zsh\'s bashcompinit (zsh itself parses it where installed)', async () => {
    const r = await runZdp(['completion', 'zsh'], { cwd });
    const bash = await runZdp(['completion', 'bash'], { cwd });
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('#compdef zdp');
    expect(lines).toContain('autoload -U +X bashcompinit && bashcompinit');
    expect(r.stdout).toContain(bash.stdout.split('\n').slice(1).join('\n'));
    if (existsSync('/usr/bin/zsh') || existsSync('/bin/zsh')) execFileSync('zsh', ['-n'], { input: r.stdout });
  });

  it('generates fish completions for every command', async () => {
    const r = await runZdp(['completion', 'fish'], { cwd });
    expect(r.code).toBe(0);
    for (const c of ['cutover', 'migrate', 'dev']) expect(r.stdout).toContain(`complete -c zdp -n '__fish_use_subcommand' -a ${c}`);
    expect(r.stdout).toContain("complete -c zdp -n '__fish_seen_subcommand_from dev' -a up");
    expect(r.stdout).toContain("-l format -r -a 'yaml json'");
    const bad = await runZdp(['completion', 'powershell'], { cwd });
    expect(bad.code).toBe(2);
  });
});

/** Runs zdp on a pseudo-terminal of the given width (util-linux `script`), for at most a few seconds. */
function onTerminal(args: string[], cols: number, env: Record<string, string>): Promise<string> {
  const command = `stty cols ${cols} rows 24; exec ${process.execPath} ${BIN} ${args.map((a) => `'${a}'`).join(' ')}`;
  return new Promise((resolvePromise) => {
    const base: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
    delete base.CI;
    delete base.NO_COLOR;
    const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd, env: { ...base, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (out.length > 1_000_000) child.kill('SIGKILL');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', () => {
      clearTimeout(timer);
      resolvePromise(out);
    });
    child.stdin.end();
  });
}

// `script` (util-linux) is installed by .ci/run where it is missing
describe('terminal rules on a pseudo-terminal', () => {
  // a cluster that accepts connections and never answers: the command waits its timeout (2 s) with a spinner up
  const silentProject = async () => {
    const server = net.createServer(() => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const dir = mkdtempSync(join(tmpdir(), 'zdp-tty-'));
    writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  silent: {bootstrapServers: [127.0.0.1:${(server.address() as net.AddressInfo).port}], timeoutMs: 2000}\n`);
    return { dir, close: () => server.close() };
  };
  // ora hides the cursor while it animates: the mark of a spinner, whatever frames it draws
  const SPINNER = /\u001b\[\?25l/;

  it('animates on a real terminal, and not on a zero-width one, with NO_COLOR or in CI', async () => {
    const p = await silentProject();
    try {
      const args = ['--config', join(p.dir, 'zdp.yaml'), 'cluster', 'check', 'silent'];
      const normal = await onTerminal(args, 80, {});
      // the test can see a spinner when there is one
      expect(normal).toMatch(SPINNER);
      for (const [what, cols, env] of [['zero width', 0, {}], ['NO_COLOR', 80, { NO_COLOR: '1' }], ['CI=true', 80, { CI: 'true' }], ['TERM=dumb', 80, { TERM: 'dumb' }]] as const) {
        const out = await onTerminal(args, cols, env);
        expect(out, what).not.toMatch(SPINNER);
        expect(out, what).toContain('connecting to silent');
        expect(out, what).toMatch(/error:/);
        expect(out.length, `${what}: bounded output`).toBeLessThan(4000);
        // no colour where colour is off (CI keeps colour: CI logs render it)
        if (what === 'NO_COLOR' || what === 'TERM=dumb') expect(out, what).not.toMatch(/\u001b\[/);
      }
    } finally {
      p.close();
    }
  }, 90_000);
});

describe('config discovery and typed values', () => {
  it('finds zdp.yaml in a parent directory, as git finds its repository, and prints numbers and booleans as such', async () => {
    const root = mkdtempSync(join(tmpdir(), 'zdp-discover-'));
    writeFileSync(join(root, 'zdp.yaml'), 'apiVersion: zdp/v1\nclusters:\n  prod: {bootstrapServers: [p:9092], timeoutMs: 5000, tls: {enabled: true}}\n');
    const nested = join(root, 'a', 'b', 'c');
    await import('node:fs').then((fs) => fs.mkdirSync(nested, { recursive: true }));
    const r = await runZdp(['config', 'show', '--json'], { cwd: nested });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.files.join()).toContain('zdp.yaml');
    const entry = (key: string) => doc.entries.find((e: { key: string }) => e.key === key)?.value;
    expect(entry('clusters.prod.timeoutMs')).toBe(5000);
    expect(entry('clusters.prod.tls.enabled')).toBe(true);
    expect(entry('clusters.prod.vendor')).toBe('apache');
    // the state directory is the project's, not the working directory's
    expect(entry('state.dir')).toBe(join(root, '.zdp'));
  });
});

describe('default cluster, environment overrides and the zdp.yaml schema', () => {
  const project = () => {
    const root = mkdtempSync(join(tmpdir(), 'zdp-use-'));
    writeFileSync(join(root, 'zdp.yaml'), '# my clusters\napiVersion: zdp/v1\nkind: Project\nclusters:\n  prod-eu: {bootstrapServers: [127.0.0.1:1], timeoutMs: 1000} # the EU one\n  staging: {bootstrapServers: [127.0.0.1:2]}\n');
    mkdirSync(join(root, 'sub'));
    return root;
  };

  it('sets a default cluster with `zdp config use`, keeps the comments, and commands use it', async () => {
    const root = project();
    const dry = await runZdp(['config', 'use', 'prod-eu', '--dry-run', '--json'], { cwd: join(root, 'sub') });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ kind: 'ConfigUse', defaultCluster: 'prod-eu', previous: null, changed: true, dryRun: true });
    expect(readFileSync(join(root, 'zdp.yaml'), 'utf8')).not.toContain('defaultCluster');

    const use = await runZdp(['config', 'use', 'prod-eu'], { cwd: join(root, 'sub') });
    expect(use.code, use.stderr).toBe(0);
    expect(use.stdout).toContain('set the default cluster to prod-eu in ../zdp.yaml');
    const text = readFileSync(join(root, 'zdp.yaml'), 'utf8');
    expect(text).toMatch(/^# my clusters\napiVersion: zdp\/v1\nkind: Project\ndefaultCluster: prod-eu\n/);
    expect(text).toContain('# the EU one');
    const again = await runZdp(['config', 'use', 'prod-eu', '--json'], { cwd: root });
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, previous: 'prod-eu' });

    // cluster check without a name reaches the default profile (nothing listens on port 1: exit 4)
    const check = await runZdp(['cluster', 'check', '--json'], { cwd: join(root, 'sub') });
    expect(check.code).toBe(4);
    expect(JSON.parse(check.stderr).message).toContain('127.0.0.1:1');
    // ZDP_DEFAULT_CLUSTER wins over the file, --set over both
    const show = async (env: Record<string, string>, extra: string[] = []) => JSON.parse((await runZdp([...extra, 'config', 'validate', '--json'], { cwd: root, env })).stdout).defaultCluster;
    expect(await show({})).toBe('prod-eu');
    expect(await show({ ZDP_DEFAULT_CLUSTER: 'staging' })).toBe('staging');
    expect(await show({ ZDP_DEFAULT_CLUSTER: 'staging' }, ['--set', 'defaultCluster=prod-eu'])).toBe('prod-eu');

    const unknown = await runZdp(['config', 'use', 'prod', '--json'], { cwd: root });
    expect(unknown.code).toBe(3);
    expect(JSON.parse(unknown.stderr).message).toMatch(/no cluster profile named "prod" \(did you mean "prod-eu"\?\)/);
    const cleared = await runZdp(['config', 'use', '--clear'], { cwd: root });
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(readFileSync(join(root, 'zdp.yaml'), 'utf8')).not.toContain('defaultCluster');
    const none = await runZdp(['extract', '--json'], { cwd: root });
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stderr).message).toMatch(/pass --cluster <name>, or set a default .*zdp config use/);
    const noFile = await runZdp(['config', 'use', 'x'], { cwd: mkdtempSync(join(tmpdir(), 'zdp-nofile-')), env: { ZDP_CLUSTERS_X_BOOTSTRAP_SERVERS: 'h:1' } });
    expect(noFile.code).toBe(3);
    expect(noFile.stderr).toMatch(/no zdp.yaml here or in a parent directory/);
  });

  it('reads ZDP_<KEY> environment overrides above the files and below --set, typed by the key', async () => {
    const root = project();
    const env = {
      ZDP_CLUSTERS_PROD_EU_TIMEOUT_MS: '2500',
      ZDP_CLUSTERS_PROD_EU_TLS_ENABLED: 'true',
      ZDP_CLUSTERS_PROD_EU_TLS_CA_FILE: 'ca.pem',
      ZDP_CLUSTERS_CI_BOOTSTRAP_SERVERS: 'a:9092,b:9092',
      ZDP_CLUSTERS_CI_SASL_MECHANISM: 'scram-sha-512',
      ZDP_CLUSTERS_CI_SASL_USERNAME: '1234',
      ZDP_CLUSTERS_CI_SASL_PASSWORD_ENV: 'CI_KAFKA_PASSWORD',
      ZDP_PRODUCTS_DIR: 'elsewhere/products',
      ZDP_CACHE_DIR: join(root, 'cache'),
    };
    const r = await runZdp(['config', 'show', '--json'], { cwd: join(root, 'sub'), env });
    expect(r.code, r.stderr).toBe(0);
    const entries = JSON.parse(r.stdout).entries as Array<{ key: string; value: unknown; origin: string }>;
    const entry = (key: string) => entries.find((e) => e.key === key);
    expect(entry('clusters.prod-eu.timeoutMs')).toMatchObject({ value: 2500, origin: 'ZDP_CLUSTERS_PROD_EU_TIMEOUT_MS' });
    expect(entry('clusters.prod-eu.tls.enabled')?.value).toBe(true);
    // a relative path from the environment is relative to the working directory
    expect(entry('clusters.prod-eu.tls.caFile')?.value).toBe(join(root, 'sub', 'ca.pem'));
    expect(entry('clusters.ci.bootstrapServers')?.value).toBe('a:9092,b:9092');
    expect(entry('clusters.ci.sasl.username')?.value).toBe('1234');
    expect(entry('products.dir')).toMatchObject({ value: join(root, 'sub', 'elsewhere', 'products'), origin: 'ZDP_PRODUCTS_DIR' });
    const set = await runZdp(['config', 'show', '--json', '--set', 'clusters.prod-eu.timeoutMs=3000'], { cwd: root, env });
    expect(JSON.parse(set.stdout).entries.find((e: { key: string }) => e.key === 'clusters.prod-eu.timeoutMs')).toMatchObject({ value: 3000, origin: '--set' });

    // a typo in a key, a bad value, an inline secret: exit 3, named by the variable, the value never echoed
    for (const [name, value, message] of [
      ['ZDP_CLUSTERS_PROD_EU_TIMEOUT', '5', /ZDP_CLUSTERS_PROD_EU_TIMEOUT names no config key/],
      ['ZDP_CLUSTERS_PROD_EU_TIMEOUT_MS', 'soon', /clusters.prod-eu.timeoutMs must be a whole number/],
      ['ZDP_CLUSTERS_PROD_EU_SASL_PASSWORD', 'hunter2-secret', /secrets are never written inline in config; use passwordEnv or passwordFile/],
    ] as const) {
      const bad = await runZdp(['config', 'show', '--json'], { cwd: root, env: { [name]: value } });
      expect(bad.code, name).toBe(3);
      const err = JSON.parse(bad.stderr);
      expect(JSON.stringify(err.diagnostics ?? err)).toMatch(message);
      expect(bad.stderr + bad.stdout).not.toContain('hunter2-secret');
    }
  });

  it('validate finds a CA file that is not there, where it was written', async () => {
    const root = project();
    writeFileSync(join(root, 'zdp.yaml'), 'apiVersion: zdp/v1\nclusters:\n  prod:\n    bootstrapServers: [p:9092]\n    tls:\n      caFile: certs/ca.pem\n');
    const r = await runZdp(['config', 'validate', '--json'], { cwd: root });
    expect(r.code).toBe(3);
    const err = JSON.parse(r.stderr);
    expect(err.code).toBe('CONFIG_FILE_MISSING');
    expect(err.diagnostics[0]).toMatchObject({ path: 'clusters.prod.tls.caFile', file: 'zdp.yaml', line: 6 });
    expect(err.diagnostics[0].message).toContain(join(root, 'certs', 'ca.pem'));
    const text = await runZdp(['config', 'validate'], { cwd: root });
    expect(text.stderr).toContain('zdp.yaml:6: clusters.prod.tls.caFile: the file');
    mkdirSync(join(root, 'certs'));
    writeFileSync(join(root, 'certs', 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
    expect((await runZdp(['config', 'validate'], { cwd: root })).code).toBe(0);
  });

  it('publishes a JSON Schema of zdp.yaml that matches what zdp accepts, and init points editors at it', async () => {
    const { renderConfigJsonSchema } = await import('../../src/config/json-schema.js');
    expect(readFileSync(join(REPO, 'schemas', 'zdp.schema.json'), 'utf8'), 'schemas/zdp.schema.json is stale: run `npm run schemas`').toBe(renderConfigJsonSchema());
    const Ajv = ((await import('ajv')) as unknown as { default: new (o: object) => { compile(s: object): ((v: unknown) => boolean) & { errors?: unknown } } }).default;
    const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(renderConfigJsonSchema()));
    const root = mkdtempSync(join(tmpdir(), 'zdp-schema-'));
    const init = await runZdp(['init', '--cluster', 'prod', '--bootstrap', 'b1:9092,b2:9092', '--sasl-mechanism', 'scram-sha-512', '--username', 'app', '--password-env', 'PROD_PW', '--tls', '--ca-file', 'ca.pem'], { cwd: root });
    expect(init.code, init.stderr).toBe(0);
    const text = readFileSync(join(root, 'zdp.yaml'), 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=https:\/\/unpkg\.com\/zdp@\d+\.\d+\.\d+[^/]*\/schemas\/zdp\.schema\.json$/);
    const { parse } = await import('yaml');
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    // what zdp refuses, the schema refuses too
    for (const bad of [
      { apiVersion: 'zdp/v1', clusters: { prod: { bootstrapServers: ['p:9092'], sasl: { mechanism: 'plain', username: 'u', password: 'inline' } } } },
      { apiVersion: 'zdp/v1', clusters: { Prod: { bootstrapServers: ['p:9092'] } } },
      { apiVersion: 'zdp/v1', clusters: { prod: { bootstrapServers: ['p:99999'] } } },
      { apiVersion: 'zdp/v1', clusterz: {} },
      { apiVersion: 'zdp/v1', defaultCluster: 'Not A Name' },
    ]) expect(validate(bad), JSON.stringify(bad)).toBe(false);
  });

  it('names the products directory --products-dir everywhere, and keeps the old spellings for a release', async () => {
    const root = mkdtempSync(join(tmpdir(), 'zdp-pdir-'));
    const contract = join(REPO, 'fixtures', 'contracts', 'orders.created.asyncapi.yaml');
    const made = await runZdp(['productize', '--contract', contract, '--name', 'orders', '--version', '1.0.0', '--owner', 'o', '--no-docs', '--no-registry-check', '--products-dir', 'dp', '--json'], { cwd: root });
    expect(made.code, made.stderr).toBe(0);
    expect(existsSync(join(root, 'dp', 'orders', '1.0.0', 'product.yaml'))).toBe(true);
    expect(JSON.parse(made.stdout).warnings).toBeUndefined();
    const list = await runZdp(['--products-dir', 'dp', 'product', 'list', '--json'], { cwd: root });
    expect(JSON.parse(list.stdout).products.map((p: { name: string }) => p.name)).toEqual(['orders']);
    const old = await runZdp(['productize', '--contract', contract, '--name', 'orders', '--version', '1.0.0', '--owner', 'o', '--no-docs', '--no-registry-check', '--out', 'old', '--json'], { cwd: root });
    expect(old.code, old.stderr).toBe(0);
    expect(JSON.parse(old.stdout).warnings.join()).toMatch(/--out is now the global --products-dir/);
    const render = await runZdp(['gateway', 'render', '--target', 'zilla', '--products', 'old', '--out', '-'], { cwd: root, env: { ZDP_CLUSTERS_SOURCE_BOOTSTRAP_SERVERS: '127.0.0.1:9' } });
    expect(render.code, render.stderr).toBe(0);
    expect(render.stderr).toMatch(/--products is now the global --products-dir/);
    const help = await runZdp(['gateway', 'render', '--help'], { cwd: root });
    expect(help.stdout).toContain('--products-dir <dir>');
    expect(help.stdout).not.toMatch(/--products </);
  });
});

describe('flag vocabulary', () => {
  it('reads --group of migrate start as a glob, and the old regex form with a deprecation note', async () => {
    const { globToMm2Regex } = await import('../../src/commands/migrate/start.js');
    expect(globToMm2Regex('billing-*')).toBe('billing-.*');
    expect(globToMm2Regex('orders.v?')).toBe('orders\\.v.');
    expect(new RegExp(`^${globToMm2Regex('a+b*')}$`).test('a+b-anything')).toBe(true);
  });
});

describe('result schemas', () => {
  it('has a JSON Schema in schemas/results/ for every result kind a command can emit', async () => {
    const fs = await import('node:fs');
    const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    const kinds = new Set<string>();
    for (const f of walk(join(REPO, 'src', 'commands'))) for (const m of fs.readFileSync(f, 'utf8').matchAll(/kind: '([A-Z]\w+)'/g)) kinds.add(m[1]!);
    for (const k of ['CutoverReport', 'RollbackReport', 'DemoReport', 'Error']) kinds.add(k);
    // a completion script is a document, never a JSON result
    kinds.delete('Completion');
    const schemas = new Set(fs.readdirSync(join(REPO, 'schemas', 'results')).map((f) => f.replace('.schema.json', '')));
    expect([...kinds].filter((k) => !schemas.has(k))).toEqual([]);
    expect(kinds.size).toBeGreaterThanOrEqual(30);
  });

  it('checks what commands without a cluster print under --json against their schemas', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zdp-schemas-'));
    await import('node:fs').then((fs) => fs.cpSync(join(REPO, 'fixtures', 'products'), join(dir, 'products'), { recursive: true }));
    writeFileSync(join(dir, 'zdp.yaml'), 'apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [127.0.0.1:1]}\n');
    for (const args of [['version'], ['config', 'show'], ['config', 'validate'], ['dev', 'status'], ['dev', 'down', '--dry-run'], ['product', 'list'], ['product', 'show', 'orders'], ['product', 'lint', 'products'], ['product', 'diff', 'orders@1.0.0', 'orders@1.0.0'], ['gateway', 'status'], ['gateway', 'render', '--target', 'zilla', '--out', 'gw.yaml'], ['--config', 'init.yaml', 'init', '--cluster', 'x', '--bootstrap', 'h:1']]) {
      // runZdp checks every JSON document against the schema of its kind
      const r = await runZdp([...args, '--json'], { cwd: dir });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).kind).toMatch(/^[A-Z]/);
    }
  });
});

/** The CLI frame with a fake terminal: flags, output streams, exit codes, prompts, redaction. */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/main.js';
import { Capture } from '../harness/capture.js';
import { decodeConfigText } from '../../src/config/decode.js';


async function zdp(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; tty?: boolean } = {}) {
  const stdout = new Capture(opts.tty);
  const stderr = new Capture(opts.tty);
  const cwd = opts.cwd ?? mkdtempSync(join(tmpdir(), 'zdp-cli-'));
  const code = await main(args, { stdout, stderr, stdinIsTTY: opts.tty ?? false, env: { XDG_CONFIG_HOME: join(cwd, '.xdg'), ...opts.env }, cwd, handleSignals: false });
  return { code, stdout: stdout.text, stderr: stderr.text, cwd };
}

function withConfig(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'zdp-cli-'));
  writeFileSync(join(dir, 'zdp.yaml'), text);
  return dir;
}

describe('zdp CLI frame', () => {
  it('prints help and version on stdout with exit 0', async () => {
    const help = await zdp(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: zdp');
    expect(help.stdout).toContain('Exit codes:');
    const version = await zdp(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('treats an unknown command as a usage error (exit 2) with a suggestion', async () => {
    const r = await zdp(['clustr', 'check']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("error: unknown command 'clustr'");
    expect(r.stderr).toContain('cluster');
  });

  it('treats an unknown flag as a usage error', async () => {
    const r = await zdp(['dev', 'status', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
  });

  it('writes one JSON error object on stderr with --json, and a config error exits 3', async () => {
    const dir = withConfig('apiVersion: zdp/v1\nclusters:\n  a: {bootstrapServers: [h:1], colour: red}\n');
    const r = await zdp(['--json', 'config', 'validate'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    const err = JSON.parse(r.stderr.split('\n')[0]!);
    expect(err).toMatchObject({ kind: 'Error', code: 'CONFIG_INVALID', exitCode: 3 });
    expect(err.diagnostics[0]).toMatchObject({ file: 'zdp.yaml', line: 3, path: 'clusters.a.colour' });
  });

  it('reports malformed YAML with file, line and column (exit 3)', async () => {
    const dir = withConfig('apiVersion: zdp/v1\nclusters:\n  a: {bootstrapServers: [h:1]\n  b: x\n');
    const r = await zdp(['config', 'validate'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/error: zdp\.yaml has 1 problem\n {2}zdp\.yaml:\d+:\d+: malformed YAML/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('validates a good file, and checks that referenced secrets exist', async () => {
    const dir = withConfig('apiVersion: zdp/v1\nclusters:\n  prod:\n    bootstrapServers: [h:1]\n    sasl: {mechanism: scram-sha-256, username: u, passwordEnv: PROD_PW}\n');
    const missing = await zdp(['config', 'validate'], { cwd: dir });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('zdp.yaml:5: clusters.prod.sasl.passwordEnv names the environment variable PROD_PW, which is not set');
    const ok = await zdp(['config', 'validate'], { cwd: dir, env: { PROD_PW: 'x' } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('valid: zdp.yaml; 1 cluster profile (prod)');
    const skip = await zdp(['config', 'validate', '--no-secrets', '--json'], { cwd: dir });
    expect(JSON.parse(skip.stdout)).toMatchObject({ kind: 'ConfigValidation', version: 1, valid: true, clusters: ['prod'] });
  });

  it('shows the merged config with origins and never a secret value', async () => {
    const dir = withConfig('apiVersion: zdp/v1\nclusters:\n  prod:\n    bootstrapServers: [h:1]\n    sasl: {mechanism: scram-sha-256, username: u, passwordEnv: PROD_PW}\n');
    const r = await zdp(['config', 'show', '--set', 'clusters.prod.timeoutMs=5000'], { cwd: dir, env: { PROD_PW: 'super-secret-value' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/clusters\.prod\.sasl\.passwordEnv\s+\$PROD_PW \(set\)\s+# zdp\.yaml:5/);
    expect(r.stdout).toMatch(/clusters\.prod\.timeoutMs\s+5000\s+# --set/);
    expect(r.stdout).toMatch(/clusters\.prod\.vendor\s+apache\s+# default/);
    expect(r.stdout + r.stderr).not.toContain('super-secret-value');
    const json = await zdp(['config', 'show', '--json'], { cwd: dir, env: { PROD_PW: 'super-secret-value' } });
    expect(JSON.parse(json.stdout).kind).toBe('Config');
    expect(json.stdout).not.toContain('super-secret-value');
  });

  it('writes zdp.yaml from flags without a terminal, and refuses to overwrite it', async () => {
    const r = await zdp(['init', '--cluster', 'prod', '--bootstrap', 'b1:9092,b2:9092', '--sasl-mechanism', 'scram-sha-512', '--username', 'app', '--password-env', 'PROD_KAFKA_PASSWORD', '--tls']);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(r.cwd, 'zdp.yaml'), 'utf8');
    expect(decodeConfigText(text, 'zdp.yaml').diagnostics).toEqual([]);
    expect(text).toContain('passwordEnv: PROD_KAFKA_PASSWORD');
    const again = await zdp(['init', '--cluster', 'x', '--bootstrap', 'h:1'], { cwd: r.cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    const missing = await zdp(['init', '--cluster', 'x', '--force'], { cwd: r.cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--cluster needs --bootstrap');
    // byte-stable
    const a = await zdp(['init', '--cluster', 'prod', '--bootstrap', 'b1:9092']);
    const b = await zdp(['init', '--cluster', 'prod', '--bootstrap', 'b1:9092']);
    expect(readFileSync(join(a.cwd, 'zdp.yaml'), 'utf8')).toBe(readFileSync(join(b.cwd, 'zdp.yaml'), 'utf8'));
  });

  it('asks on a terminal and writes what the person answered', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'zdp-cli-'));
    const confirms = [true, false, false]; // add a profile? / TLS? / another?
    const inputs = ['prod', 'b1:9092, b2:9092', 'app', 'PROD_PW', ''];
    const selects = ['msk', 'scram-sha-512'];
    const asked: string[] = [];
    const prompter = {
      confirm: async (m: string) => (asked.push(m), confirms.shift()!),
      input: async (m: string) => (asked.push(m), inputs.shift()!),
      select: async <T extends string>(m: string) => (asked.push(m), selects.shift() as T),
      multiselect: async (m: string, c: readonly string[]) => (asked.push(m), [...c]),
    };
    const code = await main(['init'], { stdout: new Capture(true), stderr: new Capture(true), stdinIsTTY: true, env: {}, cwd, handleSignals: false, prompter });
    expect(code).toBe(0);
    expect(asked).toContain('Vendor');
    const text = readFileSync(join(cwd, 'zdp.yaml'), 'utf8');
    expect(decodeConfigText(text, 'zdp.yaml').diagnostics).toEqual([]);
    expect(text).toMatch(/prod:\n    vendor: msk\n    bootstrapServers:\n      - b1:9092\n      - b2:9092\n    sasl:\n      mechanism: scram-sha-512\n      username: app\n      passwordEnv: PROD_PW\n/);
  });

  it('needs --yes for a confirmation without a terminal (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zdp-cli-'));
    writeFileSync(join(dir, 'zdp.yaml'), 'apiVersion: zdp/v1\n');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, '.zdp/dev/x'), { recursive: true });
    writeFileSync(join(dir, '.zdp/dev/x/cluster.json'), JSON.stringify({ formatVersion: 1, name: 'x', kafkaVersion: '4.4.0', clusterId: 'a', auth: 'none', tls: false, ports: { client: 1, controller: 2 } }));
    const r = await zdp(['dev', 'down', '--purge'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('confirmation needed but no terminal to ask on');
    expect(r.stderr).toContain('pass --yes');
  });

  it('says there is nothing to stop when no local cluster runs (exit 0)', async () => {
    const r = await zdp(['dev', 'down']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nothing to stop: no local clusters are running');
    const unknown = await zdp(['dev', 'down', 'ghost']);
    expect(unknown.code).toBe(6);
  });

  it('uses no colour without a TTY or with NO_COLOR', async () => {
    const plain = await zdp(['cluster', 'check', 'nope']);
    expect(plain.stderr).not.toContain('\u001b[');
    const tty = await zdp(['cluster', 'check', 'nope'], { tty: true, env: { NO_COLOR: '1' } });
    expect(tty.stderr).not.toContain('\u001b[');
    const colour = await zdp(['cluster', 'check', 'nope'], { tty: true });
    expect(colour.stderr).toContain('\u001b[');
  });
});

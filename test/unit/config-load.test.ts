import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { decodeSet, getCluster, loadConfig, readSecret } from '../../src/config/load.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'zdp-cfg-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const env = (dir: string, extra: Record<string, string> = {}) => ({ XDG_CONFIG_HOME: join(dir, 'xdg'), ...extra });

describe('loadConfig layers', () => {
  it('resolves user < dev profiles < project file < --set, with the origin of each value', () => {
    const dir = project({
      'xdg/zdp/config.yaml': 'apiVersion: zdp/v1\nkind: User\nclusters:\n  prod: {bootstrapServers: [user:1], timeoutMs: 1111, vendor: msk}\n',
      '.zdp/dev/profiles.yaml': 'apiVersion: zdp/v1\nkind: Project\nclusters:\n  source: {bootstrapServers: [127.0.0.1:5000]}\n  prod: {bootstrapServers: [dev:1]}\n',
      'zdp.yaml': 'apiVersion: zdp/v1\nkind: Project\nclusters:\n  prod:\n    bootstrapServers: [project:1]\n',
    });
    const c = loadConfig({ cwd: dir, env: env(dir), sets: ['clusters.prod.timeoutMs=2222'] });
    expect(c.clusters.prod).toMatchObject({ bootstrapServers: ['project:1'], timeoutMs: 2222, vendor: 'msk' });
    expect(c.clusters.source!.bootstrapServers).toEqual(['127.0.0.1:5000']);
    expect(c.origins.get('clusters.prod.bootstrapServers')).toBe('zdp.yaml:5');
    expect(c.origins.get('clusters.prod.timeoutMs')).toBe('--set');
    expect(c.origins.get('clusters.prod.vendor')).toMatch(/config\.yaml:4$/);
    expect(c.origins.get('clusters.source.bootstrapServers')).toBe(join('.zdp', 'dev', 'profiles.yaml:4'));
    expect(c.files).toHaveLength(3);
  });

  it('applies defaults and resolves secret file paths against the file that names them', () => {
    const dir = project({ 'conf/zdp.yaml': 'apiVersion: zdp/v1\nclusters:\n  a:\n    bootstrapServers: [h:1]\n    sasl: {mechanism: plain, username: u, passwordFile: secrets/pw}\n' });
    const c = loadConfig({ cwd: dir, env: env(dir), configFile: 'conf/zdp.yaml' });
    const a = getCluster(c, 'a');
    expect(a.vendor).toBe('apache');
    expect(a.timeoutMs).toBe(10_000);
    expect(a.sasl!.password.file).toBe(join(dir, 'conf', 'secrets', 'pw'));
    expect(c.stateDir).toBe(join(dir, 'conf', '.zdp'));
  });

  it('fails with every diagnostic of a broken file', () => {
    const dir = project({ 'zdp.yaml': 'apiVersion: zdp/v1\nclusters:\n  a: {bootstrapServers: [h:1], vendorr: x}\n  b: {vendor: apache}\n' });
    try {
      loadConfig({ cwd: dir, env: env(dir) });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const err = e as ConfigError;
      expect(err.exitCode).toBe(3);
      expect(err.diagnostics.map((d) => d.message)).toEqual(['unknown key "clusters.a.vendorr" (did you mean "vendor"?)']);
    }
    const dir2 = project({ 'zdp.yaml': 'apiVersion: zdp/v1\nclusters:\n  b: {vendor: apache}\n  c: {bootstrapServers: [h:1], sasl: {mechanism: plain}}\n' });
    expect(() => loadConfig({ cwd: dir2, env: env(dir2) })).toThrow(/2 problems/);
  });

  it('says which profiles exist for an unknown name', () => {
    const dir = project({ 'zdp.yaml': 'apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [h:1]}\n  target: {bootstrapServers: [h:2]}\n' });
    const c = loadConfig({ cwd: dir, env: env(dir) });
    expect(() => getCluster(c, 'sorce')).toThrow('no cluster profile named "sorce" (did you mean "source"?)');
  });

  it('reports a missing --config file', () => {
    const dir = project({});
    expect(() => loadConfig({ cwd: dir, env: env(dir), configFile: 'nope.yaml' })).toThrow('config file nope.yaml does not exist');
    // a directory that exists but has no zdp.yaml is said to be that, not to be missing
    mkdirSync(join(dir, 'empty-project'));
    expect(() => loadConfig({ cwd: dir, env: env(dir), configFile: 'empty-project' })).toThrow('directory empty-project has no zdp.yaml');
  });
});

describe('--set', () => {
  it('checks keys and types like the file', () => {
    expect(decodeSet('clusters.x.timeoutMs=300').value).toEqual({ clusters: { x: { timeoutMs: 300 } } });
    expect(() => decodeSet('clusters.x.nope=1')).toThrow('no such key');
    expect(() => decodeSet('novalue')).toThrow('expected key=value');
    expect(decodeSet('clusters.x.timeoutMs=abc').diagnostics[0]!.message).toContain('whole number');
  });
});

describe('readSecret', () => {
  it('reads env and file references and names what is missing', () => {
    const dir = project({ pw: 'from-file\n' });
    expect(readSecret({ key: 'k.passwordEnv', env: 'PW' }, { PW: 'v' })).toBe('v');
    expect(readSecret({ key: 'k.passwordFile', file: join(dir, 'pw') }, {})).toBe('from-file');
    expect(() => readSecret({ key: 'clusters.a.sasl.passwordEnv', env: 'NOPE' }, {})).toThrow('clusters.a.sasl.passwordEnv names the environment variable NOPE, which is not set');
    expect(() => readSecret({ key: 'k.passwordFile', file: join(dir, 'missing') }, {})).toThrow(/cannot read the secret file .*ENOENT/);
  });
});

describe('a gateway fleet zdp did not start (gateway.instances)', () => {
  it('lists the instances by name, in order, with the token file resolved against zdp.yaml', () => {
    const dir = project({ 'conf/zdp.yaml': 'apiVersion: zdp/v1\ngateway:\n  tokenFile: secrets/gw-token\n  instances:\n    gw-1: {control: "http://10.0.0.2:9190/", bootstrap: "gw-1.kafka.example:9092"}\n    gw-0: {control: "https://10.0.0.1:9190", bootstrap: "gw-0.kafka.example:9092"}\n' });
    const c = loadConfig({ cwd: dir, env: env(dir), configFile: 'conf/zdp.yaml' });
    expect(c.gateway).toEqual({
      instances: [
        { name: 'gw-0', control: 'https://10.0.0.1:9190', bootstrap: 'gw-0.kafka.example:9092' },
        { name: 'gw-1', control: 'http://10.0.0.2:9190', bootstrap: 'gw-1.kafka.example:9092' },
      ],
      token: { key: 'gateway.tokenFile', file: join(dir, 'conf', 'secrets', 'gw-token') },
    });
  });

  it('says what is missing or wrong, and never takes a token written inline', () => {
    const problems = (text: string) => {
      const dir = project({ 'zdp.yaml': `apiVersion: zdp/v1\n${text}` });
      try {
        loadConfig({ cwd: dir, env: env(dir) });
        return [];
      } catch (e) {
        return (e as ConfigError).diagnostics.map((d) => d.message);
      }
    };
    expect(problems('gateway:\n  instances:\n    gw-0: {control: "http://h:1", bootstrap: "h:2"}\n')).toEqual(["gateway needs tokenEnv or tokenFile: the bearer token the instances' control endpoints accept"]);
    expect(problems('gateway:\n  tokenEnv: T\n  instances:\n    gw-0: {bootstrap: "h:2"}\n')[0]).toBe('gateway.instances.gw-0 needs control');
    expect(problems('gateway:\n  tokenEnv: T\n  instances:\n    gw-0: {control: "http://user:pw@h:1", bootstrap: "h:2"}\n')[0]).toContain('without credentials');
    expect(problems('gateway:\n  tokenEnv: T\n  instances:\n    gw-0: {control: "http://h:1", bootstrap: "h"}\n')[0]).toContain('host:port');
    const inline = problems('gateway:\n  token: s3cret-value\n  instances:\n    gw-0: {control: "http://h:1", bootstrap: "h:2"}\n');
    expect(inline.join('\n')).toContain('tokenEnv or tokenFile');
    expect(inline.join('\n')).not.toContain('s3cret-value');
  });
});

/**
 * `zdp cluster check` end to end against real brokers: identity and versions on Kafka 3.9 and 4.x,
 * SCRAM over TLS, and each way a connection can fail, with its message and exit code.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { harnessProfile, runZdp } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

describe('zdp cluster check on real clusters', () => {
  it('describes the Kafka 3.9 source cluster', async () => {
    const r = await runZdp(['cluster', 'check', 'source', '--json'], { cwd: projectDir });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.kind).toBe('ClusterCheck');
    expect(out.version).toBe(1);
    expect(out.kafka.release).toBe('3.9');
    expect(out.kafka.metadataVersion).toBe('3.9-IV0');
    expect(out.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(out.brokers).toHaveLength(1);
    expect(out.controller).toBe(out.brokers[0].nodeId);
    expect(out.security.protocol).toBe('PLAINTEXT');
    expect(out.apiVersions.find((a: { name: string }) => a.name === 'ApiVersions').max).toBeGreaterThanOrEqual(3);
  });

  it('describes the Kafka 4.x target cluster', async () => {
    const r = await runZdp(['cluster', 'check', 'target', '--json'], { cwd: projectDir });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.kafka.release).toMatch(/^4\.\d+$/);
    // Kafka 4 removed old protocol versions (KIP-896): Fetch starts at v4
    expect(out.apiVersions.find((a: { name: string }) => a.name === 'Fetch').min).toBeGreaterThanOrEqual(4);
    expect(Object.keys(out.features)).toContain('metadata.version');
  });

  it('authenticates with SCRAM over TLS and prints a human summary', async () => {
    const r = await runZdp(['cluster', 'check', 'secure'], { cwd: projectDir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/security\s+SASL_SSL SCRAM-SHA-512 as zdp-admin/);
    expect(r.stdout).toMatch(/kafka\s+4\.\d+ \(metadata.version 4\.\d+-IV\d\)/);
    expect(r.stdout).toMatch(/\(controller\)/);
  });
});

describe('zdp cluster check failures', () => {
  let dir: string;
  let silent: net.Server;
  let silentPort: number;
  const secretValue = 'definitely-wrong-password-3f9a';

  beforeAll(async () => {
    const secure = harnessProfile(projectDir, 'secure');
    const plain = harnessProfile(projectDir, 'source');
    // a port that accepts connections and never answers
    silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    silentPort = (silent.address() as net.AddressInfo).port;
    dir = mkdtempSync(join(tmpdir(), 'zdp-check-'));
    writeFileSync(join(dir, 'zdp.yaml'), [
      'apiVersion: zdp/v1',
      'kind: Project',
      'clusters:',
      '  refused: {bootstrapServers: [127.0.0.1:1]}',
      `  silent: {bootstrapServers: [127.0.0.1:${silentPort}], timeoutMs: 1500}`,
      `  wrongpw:`,
      `    bootstrapServers: [${secure.bootstrapServers[0]}]`,
      `    tls: {caFile: ${secure.tls!.caFile}}`,
      '    sasl: {mechanism: scram-sha-512, username: zdp-admin, passwordEnv: ZDP_TEST_WRONG_PASSWORD}',
      `  untrusted:`,
      `    bootstrapServers: [${secure.bootstrapServers[0]}]`,
      '    tls: {enabled: true}',
      '    sasl: {mechanism: scram-sha-512, username: zdp-admin, passwordEnv: ZDP_TEST_WRONG_PASSWORD}',
      `  plaintext-to-tls: {bootstrapServers: [${secure.bootstrapServers[0]}]}`,
      `  tls-to-plaintext:`,
      `    bootstrapServers: [${plain.bootstrapServers[0]}]`,
      `    tls: {caFile: ${secure.tls!.caFile}}`,
      '',
    ].join('\n'));
  });
  afterAll(() => {
    silent?.close();
  });

  it('reports a refused connection with exit 4', async () => {
    const r = await runZdp(['cluster', 'check', 'refused'], { cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('error: cannot reach cluster "refused" at 127.0.0.1:1 (connection refused)');
    expect(r.stderr).toContain('hint:');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('gives up on a silent bootstrap within the configured timeout and says how long it waited', async () => {
    const r = await runZdp(['cluster', 'check', 'silent', '--json'], { cwd: dir });
    expect(r.code).toBe(4);
    expect(r.ms).toBeLessThan(10_000);
    const err = JSON.parse(r.stderr.trim().split('\n').find((l) => l.startsWith('{'))!);
    expect(err).toMatchObject({ kind: 'Error', code: 'BROKER_UNREACHABLE', exitCode: 4 });
    expect(err.message).toMatch(/no answer after 1\.\ds/);
  });

  it('reports a wrong password as an authentication failure (exit 5) and never prints it', async () => {
    const r = await runZdp(['cluster', 'check', 'wrongpw'], { cwd: dir, env: { ZDP_TEST_WRONG_PASSWORD: secretValue } });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('authentication to cluster "wrongpw" failed for user "zdp-admin" (SCRAM-SHA-512)');
    expect(r.stderr).toContain('ZDP_TEST_WRONG_PASSWORD');
    expect(r.stdout + r.stderr).not.toContain(secretValue);
  });

  it('reports an untrusted broker certificate as a TLS failure (exit 10)', async () => {
    const r = await runZdp(['cluster', 'check', 'untrusted'], { cwd: dir, env: { ZDP_TEST_WRONG_PASSWORD: secretValue } });
    expect(r.code).toBe(10);
    expect(r.stderr).toContain('TLS handshake with cluster "untrusted"');
    expect(r.stderr).toContain('not signed by a trusted CA');
  });

  it('tells a plaintext client that the listener speaks TLS, and a TLS client that it does not', async () => {
    const a = await runZdp(['cluster', 'check', 'plaintext-to-tls'], { cwd: dir });
    expect(a.code).toBe(10);
    expect(a.stderr).toContain('answered with TLS, but zdp connected without it');
    const b = await runZdp(['cluster', 'check', 'tls-to-plaintext'], { cwd: dir });
    expect(b.code).toBe(10);
    expect(b.stderr).toMatch(/TLS handshake with cluster "tls-to-plaintext" at .* failed/);
  });

  it('names the unset environment variable of a secret (exit 3) before connecting', async () => {
    const r = await runZdp(['cluster', 'check', 'wrongpw'], { cwd: dir, env: { ZDP_TEST_WRONG_PASSWORD: '' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('clusters.wrongpw.sasl.passwordEnv names the environment variable ZDP_TEST_WRONG_PASSWORD, which is not set');
  });
});

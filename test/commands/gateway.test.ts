/**
 * zdp gateway render: Zilla 2.x and 1.x configs for the fixture product validate against the Zilla
 * JSON Schemas in ../shared/zilla (the product itself never reads them), Kroxylicious configs,
 * golden files for both targets (refresh: ZDP_UPDATE_GOLDEN=1), and bad input.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/main.js';
import { Capture } from '../harness/capture.js';
import { upstreamZillaSchemaAvailable, validateZilla } from '../harness/zilla.js';
import { checkZillaReferences } from '../../src/gateway/zilla.js';

const REPO = resolve(import.meta.dirname, '..', '..');


function project(clusterYaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'zdp-gateway-'));
  cpSync(join(REPO, 'fixtures/products'), join(dir, 'products'), { recursive: true });
  writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nkind: Project\nclusters:\n${clusterYaml}`);
  return dir;
}

const SECURE = '  source:\n    bootstrapServers: [broker-1:9093, broker-2:9093]\n    tls: {enabled: true}\n    sasl: {mechanism: scram-sha-512, username: gateway, passwordEnv: SOURCE_KAFKA_PASSWORD}\n';

async function zdp(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, { stdout, stderr, stdinIsTTY: false, env: { XDG_CONFIG_HOME: join(cwd, '.xdg'), ...env }, cwd, handleSignals: false });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function golden(name: string, actual: string): void {
  const file = join(REPO, 'fixtures/gateway', name);
  if (process.env.ZDP_UPDATE_GOLDEN === '1') {
    mkdirSync(join(REPO, 'fixtures/gateway'), { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual, `${name} differs from the golden file (ZDP_UPDATE_GOLDEN=1 refreshes it)`).toBe(readFileSync(file, 'utf8'));
}

describe('zdp gateway render --target zilla', () => {
  it('renders a Zilla 2.x config that validates against zilla.schema.json, byte-stable', async () => {
    const dir = project(SECURE);
    const r = await zdp(dir, ['gateway', 'render', '--target', 'zilla', '--out', 'zilla.yaml', '--json'], { SOURCE_KAFKA_PASSWORD: 'not-printed-anywhere' });
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(dir, 'zilla.yaml'), 'utf8');
    expect(validateZilla(text, 2).errors).toEqual([]);
    expect(checkZillaReferences(parse(text))).toEqual([]);
    expect(text).not.toContain('not-printed-anywhere');
    expect(text).toContain('credentials: ${{env.SOURCE_KAFKA_PASSWORD}}');
    const doc = parse(text);
    // HTTP fetch for every readable channel, produce only where writable, SSE streams, MCP tools
    const routes = doc.bindings.http_kafka.routes.map((x: { when: { method: string; path: string }[] }) => `${x.when[0]!.method} ${x.when[0]!.path}`);
    expect(routes).toEqual(['GET /orders/auditText', 'GET /orders/ordersCreated', 'POST /orders/ordersCreated']);
    expect(doc.bindings.sse_kafka.routes.map((x: { when: { path: string }[] }) => x.when[0]!.path)).toEqual(['/streams/orders/auditText', '/streams/orders/ordersCreated']);
    expect(doc.bindings.mcp_kafka.routes.map((x: { when: { tool: string }[] }) => x.when[0]!.tool)).toEqual(['orders-auditText', 'orders-ordersCreated']);
    // per-operation roles from the access rules
    const produce = doc.bindings.http_kafka.routes.find((x: { with: { capability: string } }) => x.with.capability === 'produce');
    expect(produce.guarded).toEqual({ jwt0: ['app:checkout'] });
    const fetchAudit = doc.bindings.http_kafka.routes[0];
    expect(fetchAudit.guarded).toEqual({ jwt0: ['app:billing'] });
    // contract validation of produced bodies, TLS and SASL to the backend, Prometheus
    expect(doc.bindings.http_server.options.requests[0]).toMatchObject({ path: '/orders/ordersCreated', method: 'POST', content: { model: 'json' } });
    expect(doc.bindings.kafka_client.options).toMatchObject({ servers: ['broker-1:9093', 'broker-2:9093'], authorization: { kafka_login: { credentials: { mechanism: 'scram-sha-512' } } } });
    expect(doc.bindings.kafka_client.exit).toBe('tls_client');
    expect(doc.telemetry.exporters.prometheus0.type).toBe('prometheus');
    expect(JSON.parse(r.stdout).env).toEqual(['ZDP_JWT_ISSUER', 'ZDP_JWT_AUDIENCE', 'ZDP_JWT_KEYS_URL', 'SOURCE_KAFKA_PASSWORD', 'ZDP_SOURCE_TRUSTSTORE', 'ZDP_SOURCE_TRUSTSTORE_PASSWORD']);
    golden('zilla.yaml', text);
  });

  it('writes the Zilla Plus kafka-proxy for native clients only when asked, clearly marked', async () => {
    const dir = project(SECURE);
    const r = await zdp(dir, ['gateway', 'render', '--target', 'zilla', '--out', 'gw/zilla.yaml', '--zilla-plus', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).extraFiles).toEqual(['gw/zilla.zilla-plus.yaml']);
    const plus = readFileSync(join(dir, 'gw/zilla.zilla-plus.yaml'), 'utf8');
    expect(plus.split('\n')[0]).toContain('NEEDS ZILLA PLUS');
    expect(parse(plus).bindings.kafka_proxy.type).toBe('kafka-proxy');
    // the open-source config stays valid; the Plus document is rejected by the public schema, as expected
    expect(validateZilla(readFileSync(join(dir, 'gw/zilla.yaml'), 'utf8'), 2).errors).toEqual([]);
    const rejected = validateZilla(plus, 2);
    // each schema that ran rejects the kafka-proxy binding, which only Zilla Plus has
    for (const schema of rejected.schemas) expect(rejected.errors.filter((e) => (e as { schema: string }).schema === schema).length, schema).toBeGreaterThan(0);
  });

  it('renders Zilla 1.x syntax that validates against zilla-1.3.1.schema.json', async () => {
    const dir = project(SECURE);
    const r = await zdp(dir, ['gateway', 'render', '--target', 'zilla', '--zilla-major', '1', '--out', 'zilla-1.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('MCP endpoints need Zilla 2.x');
    const text = readFileSync(join(dir, 'zilla-1.yaml'), 'utf8');
    expect(validateZilla(text, 1).errors).toEqual([]);
    expect(parse(text).bindings.kafka_client.options.sasl).toMatchObject({ mechanism: 'scram-sha-512', username: 'gateway' });
    golden('zilla-1.yaml', text);
  });

  it("checks against zdp's own Zilla schema everywhere, and the upstream one where ../shared/zilla exists", async () => {
    const dir = project(SECURE);
    const r = await zdp(dir, ['gateway', 'render', '--target', 'zilla', '--out', '-']);
    expect(r.code, r.stderr).toBe(0);
    const ok = validateZilla(r.stdout, 2);
    expect(ok.schemas).toHaveLength(upstreamZillaSchemaAvailable() ? 2 : 1);
    expect(ok.errors).toEqual([]);
    // the project's schema is not a rubber stamp: each of these is a config Zilla refuses at start
    const doc = parse(r.stdout);
    const broken = [
      (d: any) => delete d.bindings.http_kafka.routes[0].exit,
      (d: any) => (d.bindings.tcp_server.type = 'tpc'),
      (d: any) => (d.bindings.tcp_server.options.prot = 7114),
      (d: any) => (d.bindings.kafka_client.kind = 'server'),
      (d: any) => (d.guards.jwt0.options = {}),
      (d: any) => (d.telemetry.exporters.prometheus0.options.endpoints[0].port = 70000),
    ];
    for (const [i, mutate] of broken.entries()) {
      const copy = structuredClone(doc);
      mutate(copy);
      const check = validateZilla(JSON.stringify(copy), 2);
      expect(check.errors.filter((e) => (e as { schema: string }).schema.startsWith('zdp')).length, `mutation ${i}`).toBeGreaterThan(0);
    }
  });

  it('warns about secrets whose environment variables are unset, and refuses an unknown cluster (exit 3)', async () => {
    const dir = project(SECURE);
    const r = await zdp(dir, ['gateway', 'render', '--target', 'zilla', '--out', '-']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('environment variable SOURCE_KAFKA_PASSWORD is not set here: Zilla reads it at start');
    const other = project('  prod: {bootstrapServers: [p:9092]}\n');
    const bad = await zdp(other, ['gateway', 'render', '--target', 'zilla']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('data product orders (cluster "source") references an unknown cluster profile');
    expect(bad.stderr).toContain('known profiles: prod');
    expect(existsSync(join(other, 'gateway'))).toBe(false);
  });
});

describe('zdp gateway render --target kroxylicious', () => {
  it('renders one virtual cluster with node-id ranges covering the given ids, byte-stable', async () => {
    const dir = project('  source:\n    bootstrapServers: [broker-1:9092]\n');
    const r = await zdp(dir, ['gateway', 'render', '--target', 'kroxylicious', '--node-ids', '0-2,5', '--listen', '127.0.0.1:29092', '--out', '-']);
    expect(r.code, r.stderr).toBe(0);
    const doc = parse(r.stdout);
    expect(doc.virtualClusters[0]).toEqual({
      name: 'zdp',
      targetCluster: { bootstrapServers: 'broker-1:9092' },
      gateways: [{ name: 'default', portIdentifiesNode: { bootstrapAddress: '127.0.0.1:29092', nodeIdRanges: [{ name: 'brokers', start: 0, end: 5 }] } }],
    });
    expect(doc.management).toEqual({ bindAddress: '127.0.0.1', port: 9190 });
    golden('kroxylicious.yaml', r.stdout);
  });
});

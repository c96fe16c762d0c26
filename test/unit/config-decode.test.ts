import { describe, expect, it } from 'vitest';
import { decodeConfigText } from '../../src/config/decode.js';

const header = 'apiVersion: zdp/v1\nkind: Project\n';

describe('decodeConfigText', () => {
  it('decodes a full project file', () => {
    const text = `${header}clusters:
  prod:
    vendor: confluent
    bootstrapServers: [b1:9092, "b2:9092"]
    timeoutMs: 5000
    tls: {enabled: true, caFile: ca.pem}
    sasl: {mechanism: scram-sha-512, username: app, passwordEnv: PROD_PW}
    schemaRegistry: {url: "https://sr:8081", username: sr, passwordFile: sr.pw}
    connect: {url: "http://connect:8083"}
products: {dir: products}
state: {dir: .zdp}
`;
    const r = decodeConfigText(text, 'zdp.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.value.clusters).toMatchObject({ prod: { vendor: 'confluent', bootstrapServers: ['b1:9092', 'b2:9092'], timeoutMs: 5000 } });
    expect(r.origins.get('clusters.prod.sasl.passwordEnv')).toBe('zdp.yaml:9');
  });

  it('accepts a comma-separated bootstrap string', () => {
    const r = decodeConfigText(`${header}clusters: {a: {bootstrapServers: "h1:1, h2:2"}}\n`, 'f');
    expect((r.value.clusters as Record<string, { bootstrapServers: string[] }>).a!.bootstrapServers).toEqual(['h1:1', 'h2:2']);
  });

  it('reports malformed YAML with line and column, without echoing the source line', () => {
    const text = `${header}clusters:\n  prod:\n    sasl: {username: x, passwordFile: "s3cr3t-path\n    vendor: apache\n`;
    const r = decodeConfigText(text, 'zdp.yaml');
    expect(r.diagnostics.length).toBeGreaterThan(0);
    const d = r.diagnostics[0]!;
    expect(d.code).toBe('YAML_SYNTAX');
    expect(d.file).toBe('zdp.yaml');
    expect(d.line).toBeGreaterThanOrEqual(5);
    expect(d.column).toBeGreaterThan(0);
    expect(d.message).toMatch(/^malformed YAML \(.+\) at line \d+, column \d+$/);
    expect(JSON.stringify(r.diagnostics)).not.toContain('s3cr3t');
  });

  it('names unknown keys with file, line and a did-you-mean', () => {
    const r = decodeConfigText(`${header}clusters:\n  prod:\n    bootstrapServer: [a:1]\n    vendr: apache\n`, 'zdp.yaml');
    expect(r.diagnostics.map((d) => [d.line, d.path, d.message])).toEqual([
      [5, 'clusters.prod.bootstrapServer', 'unknown key "clusters.prod.bootstrapServer" (did you mean "bootstrapServers"?)'],
      [6, 'clusters.prod.vendr', 'unknown key "clusters.prod.vendr" (did you mean "vendor"?)'],
    ]);
  });

  it('rejects inline secrets without echoing them', () => {
    const r = decodeConfigText(`${header}clusters:\n  prod:\n    bootstrapServers: [a:1]\n    sasl: {mechanism: plain, username: u, password: hunter2}\n`, 'zdp.yaml');
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]!.code).toBe('CONFIG_INLINE_SECRET');
    expect(r.diagnostics[0]!.message).toContain('use passwordEnv or passwordFile');
    expect(JSON.stringify(r.diagnostics)).not.toContain('hunter2');
  });

  it('suggests the closest vendor and checks formats', () => {
    const r = decodeConfigText(`${header}clusters:\n  prod:\n    vendor: redpand\n    bootstrapServers: [no-port]\n    timeoutMs: fast\n`, 'zdp.yaml');
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'clusters.prod.vendor must be one of apache, redpanda, automq, confluent, msk (did you mean "redpanda"?)',
      'clusters.prod.bootstrapServers: "no-port" is not host:port with a port from 1 to 65535',
      'clusters.prod.timeoutMs must be a whole number',
    ]);
  });

  it('rejects credentials in registry URLs and bad profile names', () => {
    const r = decodeConfigText(`${header}clusters:\n  Prod!:\n    bootstrapServers: [a:1]\n  ok:\n    bootstrapServers: [a:1]\n    schemaRegistry: {url: "http://user:pw@sr:8081"}\n`, 'f');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['CONFIG_NAME', 'CONFIG_FORMAT']);
  });

  it('asks for apiVersion, and to upgrade zdp for a newer one', () => {
    expect(decodeConfigText('kind: Project\n', 'f').diagnostics[0]!.message).toContain('apiVersion is missing');
    expect(decodeConfigText('apiVersion: zdp/v2\n', 'f').diagnostics[0]!.message).toContain('upgrade zdp');
  });

  it('rejects duplicate keys', () => {
    const r = decodeConfigText(`${header}clusters: {}\nclusters: {}\n`, 'f');
    expect(r.diagnostics[0]!.code).toBe('YAML_SYNTAX');
    expect(r.diagnostics[0]!.line).toBe(4);
  });
});

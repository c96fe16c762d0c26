import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { mm2Security, renderSecretsFile } from '../../src/core/migration/mm2-security.js';
import { propertiesLine } from '../../src/core/migration/mm2.js';
import { apicurioImportArchive, importModeRequests, planSubjects } from '../../src/core/migration/subjects.js';
import { planAcls, type AclBinding } from '../../src/core/migration/acls.js';
import { crc32, writeZip } from '../../src/core/zip.js';
import type { ClusterProfile } from '../../src/config/types.js';
import type { SubjectVersion } from '../../src/registry/client.js';

const secure: ClusterProfile = {
  name: 'prod',
  vendor: 'apache',
  bootstrapServers: ['b1:9094'],
  timeoutMs: 10_000,
  tls: { enabled: true, caFile: '/etc/ca.pem', certFile: '/etc/client.pem', keyFile: '/etc/client.key', keyPassword: { key: 'clusters.prod.tls.keyPasswordEnv', env: 'KEYPW' }, insecureSkipVerify: false },
  sasl: { mechanism: 'scram-sha-512', username: 'mm2 "svc"', password: { key: 'clusters.prod.sasl.passwordEnv', env: 'PW' } },
};

describe('MirrorMaker 2 client security from a profile', () => {
  it('maps SASL over TLS to Java client settings with every secret as a FileConfigProvider reference', () => {
    const s = mm2Security(secure, 'src', '/state/mm2-secrets.properties');
    expect(s.client['security.protocol']).toBe('SASL_SSL');
    expect(s.client['sasl.mechanism']).toBe('SCRAM-SHA-512');
    expect(s.client['sasl.jaas.config']).toBe('org.apache.kafka.common.security.scram.ScramLoginModule required username="mm2 \\"svc\\"" password="${file:/state/mm2-secrets.properties:src.sasl.password}";');
    expect(s.client['ssl.truststore.type']).toBe('PEM');
    expect(s.client['ssl.truststore.location']).toBe('/etc/ca.pem');
    expect(s.client['ssl.keystore.type']).toBe('PEM');
    expect(s.client['ssl.keystore.key']).toBe('${file:/state/mm2-secrets.properties:src.ssl.keystore.key}');
    expect(s.client['ssl.key.password']).toBe('${file:/state/mm2-secrets.properties:src.ssl.key.password}');
    expect(Object.keys(s.secrets).sort()).toEqual(['src.sasl.password', 'src.ssl.key.password', 'src.ssl.keystore.certificate.chain', 'src.ssl.keystore.key']);
    expect(s.secrets['src.sasl.password']).toEqual(secure.sasl!.password);
    expect(s.secrets['src.ssl.keystore.key']).toEqual({ key: 'clusters.prod.tls.keyFile', file: '/etc/client.key' });
  });

  it('gives PLAINTEXT profiles no settings, SASL without TLS SASL_PLAINTEXT, TLS alone SSL', () => {
    expect(mm2Security({ ...secure, tls: undefined, sasl: undefined }, 'tgt', '/s')).toEqual({ client: {}, secrets: {}, notes: [] });
    expect(mm2Security({ ...secure, tls: undefined }, 'tgt', '/s').client['security.protocol']).toBe('SASL_PLAINTEXT');
    const plainLogin = mm2Security({ ...secure, tls: undefined, sasl: { ...secure.sasl!, mechanism: 'plain' } }, 'tgt', '/s').client['sasl.jaas.config'];
    expect(plainLogin).toMatch(/^org\.apache\.kafka\.common\.security\.plain\.PlainLoginModule required /);
    const tlsOnly = mm2Security({ ...secure, sasl: undefined, tls: { enabled: true, insecureSkipVerify: true, serverName: 'x' } }, 'tgt', '/s');
    expect(tlsOnly.client).toEqual({ 'security.protocol': 'SSL', 'ssl.endpoint.identification.algorithm': '' });
    expect(tlsOnly.notes).toHaveLength(2);
  });

  it('writes the secrets file as Java properties that round-trip multi-line PEM values', () => {
    expect(propertiesLine('k', 'a\\b\n c', '=')).toBe('k=a\\\\b\\n c');
    expect(propertiesLine('k', ' lead', '=')).toBe('k=\\ lead');
    // no value can start a line, or a key, of its own
    const injected = propertiesLine('src.sasl.username', 'app\nsrc.security.protocol = PLAINTEXT\r\u2028x\u0000');
    expect(injected.split(/[\n\r\u2028]/)).toHaveLength(1);
    expect(injected).toBe('src.sasl.username = app\\nsrc.security.protocol = PLAINTEXT\\r\\u2028x\\u0000');
    expect(() => mm2Security({ ...secure, sasl: { ...secure.sasl!, username: 'a\nb' } }, 'tgt', '/s')).toThrow(/control character U\+000A/);
    expect(renderSecretsFile({ 'tgt.x': '2', 'src.y': 'p=w:d' })).toBe('# Secrets for MirrorMaker 2, written by zdp migrate start (mode 0600). Read by FileConfigProvider; never logged.\nsrc.y=p=w:d\ntgt.x=2\n');
  });
});

const v = (subject: string, version: number, id: number, schema = `{"type":"record","name":"R${id}","fields":[]}`): SubjectVersion => ({ subject, version, id, schema, schemaType: 'AVRO', references: [] });

describe('schema-registry subjects in a migration', () => {
  it('plans create, present and conflicts (another id, another schema, a taken id)', () => {
    const source = [v('a-value', 1, 1), v('a-value', 2, 3), v('b-value', 1, 2), v('c-value', 1, 7), v('d-value', 1, 8)];
    const target = [v('a-value', 1, 1, '{"type": "record", "name": "R1", "fields": []}'), v('b-value', 1, 5), v('c-value', 1, 7, '"string"')];
    const byId = new Map([[1, { schema: '{"type":"record","name":"R1","fields":[]}' }], [8, { schema: '"long"' }]]);
    const plan = planSubjects(source, target, byId, { source: { 'a-value': 'FULL', zzz: 'NONE' }, target: {} });
    expect(plan.items.map((i) => `${i.subject}/${i.version}:${i.action}`)).toEqual(['a-value/1:present', 'a-value/2:create', 'b-value/1:conflict', 'c-value/1:conflict', 'd-value/1:conflict']);
    expect(plan.items[2]!.reason).toContain('id 5 on the target, 2 on the source');
    expect(plan.items[3]!.reason).toContain('another schema');
    expect(plan.items[4]!.reason).toContain('schema id 8 is taken');
    expect(plan.compatibility).toEqual([{ subject: 'a-value', level: 'FULL' }]);
    expect(plan.summary).toEqual({ create: 1, present: 1, conflict: 3 });
  });

  it('registers through IMPORT mode with ids and versions, subject by subject, then resets the mode', () => {
    const reqs = importModeRequests([v('b', 2, 9), v('a', 1, 4), { ...v('b', 1, 3), schemaType: 'JSON', references: [{ name: 'x.json', subject: 'x', version: 1 }] }]);
    expect(reqs.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /mode/b?force=true', 'POST /subjects/b/versions', 'POST /subjects/b/versions', 'DELETE /mode/b', 'PUT /mode/a?force=true', 'POST /subjects/a/versions', 'DELETE /mode/a']);
    expect(reqs[1]!.body).toMatchObject({ id: 3, version: 1, schemaType: 'JSON', references: [{ name: 'x.json', subject: 'x', version: 1 }] });
    expect(reqs[2]!.body).toEqual({ schema: v('b', 2, 9).schema, id: 9, version: 2 });
  });

  it('builds an Apicurio import archive with content ids equal to schema ids, byte-stable', () => {
    const zip = apicurioImportArchive([v('a-value', 2, 3), v('a-value', 1, 1), v('b-value', 1, 1)]);
    expect(zip.equals(apicurioImportArchive([v('b-value', 1, 1), v('a-value', 1, 1), v('a-value', 2, 3)]))).toBe(true);
    const entries = readZip(zip);
    const names = [...entries.keys()];
    expect(names[0]).toBe('manifest.Manifest.json');
    expect(names.filter((n) => n.endsWith('.Content.json'))).toHaveLength(2);
    const contents = names.filter((n) => n.endsWith('.Content.json')).map((n) => JSON.parse(entries.get(n)!.toString()));
    expect(contents.map((c) => c.contentId)).toEqual([1, 3]);
    const versions = names.filter((n) => n.endsWith('.ArtifactVersion.json')).map((n) => JSON.parse(entries.get(n)!.toString()));
    expect(versions.map((x) => `${x.artifactId}@${x.version}#${x.contentId}:${x.isLatest}`)).toEqual(['a-value@1#1:false', 'a-value@2#3:true', 'b-value@1#1:true']);
  });
});

/** Reads a ZIP through its central directory (stored or deflated), checking each CRC. */
function readZip(buf: Buffer): Map<string, Buffer> {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(p)).toBe(0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString();
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataStart, dataStart + size);
    const data = method === 8 ? inflateRawSync(raw) : raw;
    expect(crc32(data)).toBe(crc);
    out.set(name, data);
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

describe('zip', () => {
  it('computes the standard CRC-32 and writes a readable archive', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    const zip = writeZip([{ name: 'a.txt', data: 'hello' }, { name: 'dir/b.bin', data: Buffer.from([0, 1, 2]) }]);
    const entries = readZip(zip);
    expect(entries.get('a.txt')!.toString()).toBe('hello');
    expect([...entries.get('dir/b.bin')!]).toEqual([0, 1, 2]);
  });
});

const acl = (over: Partial<AclBinding>): AclBinding => ({ resourceType: 'TOPIC', resourceName: 'orders', patternType: 'LITERAL', principal: 'User:billing', host: '*', operation: 'READ', permission: 'ALLOW', ...over });

describe('ACLs in a migration', () => {
  const source = {
    authorizer: true as const,
    bindings: [
      acl({}),
      acl({ resourceName: 'other', principal: 'User:x' }),
      acl({ resourceName: 'ord', patternType: 'PREFIXED', operation: 'WRITE', principal: 'User:checkout' }),
      acl({ resourceName: 'pay', patternType: 'PREFIXED', principal: 'User:y' }),
      acl({ resourceType: 'GROUP', resourceName: 'billing' }),
      acl({ resourceType: 'DELEGATION_TOKEN', resourceName: 't', principal: 'User:z' }),
    ],
  };

  it('copies the bindings of the migrated topics, groups and others; present ones are left', () => {
    const plan = planAcls(source, { authorizer: true, bindings: [acl({ resourceType: 'GROUP', resourceName: 'billing' })] }, ['orders'], 'apache');
    expect(plan.items.map((i) => `${i.binding.resourceType}:${i.binding.resourceName}:${i.action}`)).toEqual(['DELEGATION_TOKEN:t:create', 'GROUP:billing:present', 'TOPIC:orders:create', 'TOPIC:ord:create']);
    expect(plan.summary).toEqual({ create: 3, present: 1, skip: 0 });
    expect(plan.notes[0]).toContain('User:billing, User:checkout, User:z');
  });

  it('skips what the target vendor or a missing authorizer cannot enforce, and says why', () => {
    const redpanda = planAcls(source, { authorizer: true, bindings: [] }, ['orders'], 'redpanda');
    expect(redpanda.items.find((i) => i.binding.resourceType === 'DELEGATION_TOKEN')).toMatchObject({ action: 'skip', reason: 'redpanda has no DELEGATION_TOKEN ACLs' });
    const open = planAcls(source, { authorizer: false }, ['orders'], 'apache');
    expect(open.items.every((i) => i.action === 'skip')).toBe(true);
    expect(open.notes.at(-1)).toContain('runs no authorizer');
    expect(planAcls({ authorizer: false }, { authorizer: true, bindings: [] }, ['orders'], 'apache').items).toEqual([]);
  });
});

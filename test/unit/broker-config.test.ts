import { describe, expect, it } from 'vitest';
import { clientProtocol, renderLoggingConfig, renderServerProperties } from '../../src/core/broker-config.js';
import { parseJavaVersion } from '../../src/processes/java.js';
import { mavenVersionFor, versionMatches, compareVersions } from '../../src/processes/kafka-dist.js';
import { newClusterId } from '../../src/processes/dev-clusters.js';
import { closest } from '../../src/core/suggest.js';
import { EXIT_CODES } from '../../src/errors.js';

const props = (text: string) => new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe('renderServerProperties', () => {
  it('renders a plaintext single-node KRaft cluster on loopback', () => {
    const p = props(renderServerProperties({ clientPort: 9092, controllerPort: 9093, auth: 'none', tls: false, dataDir: '/d' }));
    expect(p.get('process.roles')).toBe('broker,controller');
    expect(p.get('listeners')).toBe('PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093');
    expect(p.get('controller.quorum.voters')).toBe('1@127.0.0.1:9093');
    expect(p.get('offsets.topic.replication.factor')).toBe('1');
    expect(p.get('log.message.timestamp.type')).toBe('CreateTime');
  });

  it('puts SCRAM over TLS on a client listener and keeps inter-broker traffic internal', () => {
    const layout = { clientPort: 1, controllerPort: 2, internalPort: 3, auth: 'scram' as const, tls: true, dataDir: '/d', keystorePem: '/k.pem', superUser: 'zdp-admin', superUserPassword: 'pw1', controllerPassword: 'pw2' };
    const text = renderServerProperties(layout);
    const p = props(text);
    // no listener on this machine lets an unauthenticated client in
    expect(p.get('listener.security.protocol.map')).toBe('CLIENT:SASL_SSL,INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT');
    expect(p.get('sasl.mechanism.inter.broker.protocol')).toBe('SCRAM-SHA-512');
    expect(p.get('listener.name.internal.scram-sha-512.sasl.jaas.config')).toBe('org.apache.kafka.common.security.scram.ScramLoginModule required username="zdp-admin" password="pw1";');
    expect(p.get('sasl.mechanism.controller.protocol')).toBe('PLAIN');
    expect(p.get('listener.name.controller.plain.sasl.jaas.config')).toContain('user_zdp-controller="pw2"');
    expect(text).not.toContain('ANONYMOUS');
    expect(p.get('inter.broker.listener.name')).toBe('INTERNAL');
    expect(p.get('listener.name.client.sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512,SCRAM-SHA-256');
    expect(p.get('listener.name.client.ssl.keystore.type')).toBe('PEM');
    expect(p.get('listener.name.client.scram-sha-512.sasl.jaas.config')).toContain('ScramLoginModule required;');
    expect(p.get('authorizer.class.name')).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(p.get('allow.everyone.if.no.acl.found')).toBe('false');
    expect(text).toContain('super.users=User:zdp-admin;User:zdp-controller\n');
    expect(text).toBe(renderServerProperties(layout));
    expect(() => renderServerProperties({ ...layout, controllerPassword: undefined })).toThrow();
  });

  it('names the client protocol', () => {
    expect(clientProtocol({ auth: 'none', tls: false })).toBe('PLAINTEXT');
    expect(clientProtocol({ auth: 'none', tls: true })).toBe('SSL');
    expect(clientProtocol({ auth: 'scram', tls: false })).toBe('SASL_PLAINTEXT');
    expect(clientProtocol({ auth: 'scram', tls: true })).toBe('SASL_SSL');
  });

  it('renders both logging backends', () => {
    expect(renderLoggingConfig('log4j1')).toContain('log4j.rootLogger=INFO, stdout');
    expect(renderLoggingConfig('log4j2')).toContain('rootLogger.appenderRef.stdout.ref = STDOUT');
  });
});

describe('environment helpers', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime', 17],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "11.0.2" 2019-01-15', 11],
    ['openjdk version "25" 2025-09-16', 25],
  ])('parses %j as Java %i', (out, major) => {
    expect(parseJavaVersion(out)!.major).toBe(major);
  });

  it('turns release lines into Maven ranges', () => {
    expect(mavenVersionFor('3.9')).toBe('[3.9,3.10)');
    expect(mavenVersionFor('4')).toBe('[4,5)');
    expect(mavenVersionFor('4.1.1')).toBe('4.1.1');
    expect(() => mavenVersionFor('latest')).toThrow('is not a Kafka version');
    expect(versionMatches('3.9.2', '3.9')).toBe(true);
    expect(versionMatches('3.10.0', '3.1')).toBe(false);
    expect(['4.10.0', '4.4.0', '4.9.1'].sort(compareVersions)).toEqual(['4.4.0', '4.9.1', '4.10.0']);
  });

  it('makes Kafka-style cluster ids', () => {
    for (let i = 0; i < 50; i++) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });

  it('suggests close words only', () => {
    expect(closest('bootstrapServer', ['bootstrapServers', 'vendor'])).toBe('bootstrapServers');
    expect(closest('zzz', ['vendor', 'tls'])).toBeUndefined();
  });

  it('keeps one table of distinct exit codes', () => {
    const codes = Object.values(EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    expect(EXIT_CODES).toMatchObject({ usage: 2, config: 3, connection: 4, auth: 5, notFound: 6, checkFailed: 7, partial: 8, environment: 9, tls: 10, interrupted: 130 });
  });
});

import { describe, expect, it } from 'vitest';
import { connectConnectors, renderMm2Properties, type Mm2Options } from '../../src/core/migration/mm2.js';

const options: Mm2Options = {
  source: { bootstrapServers: ['127.0.0.1:9092'], client: {} },
  target: { bootstrapServers: ['127.0.0.1:9192'], client: { 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="mm2" password="${file:/state/secrets.properties:tgt.password}";' } },
  topics: ['orders.created', 'payments'],
  groups: ['billing', 'shipping'],
  replicationFactor: 1,
  restPort: 18083,
  exactlyOnce: true,
  secretsFile: '/state/secrets.properties',
  tasksMax: 2,
};

/** What java.util.Properties reads from one line: escapes undone (\\, \n, \uXXXX, \<char>). */
const unescape = (s: string) => s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => (e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : ({ n: '\n', r: '\r', t: '\t', f: '\f' } as Record<string, string>)[e] ?? e));
const props = (text: string) => new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [unescape(l.slice(0, l.indexOf(' = '))), unescape(l.slice(l.indexOf(' = ') + 3))]));

describe('MirrorMaker 2 configuration', () => {
  it('renders dedicated mode with identity replication, read_committed, EOS and no heartbeats', () => {
    const text = renderMm2Properties(options);
    const p = props(text);
    expect(p.get('replication.policy.class')).toBe('org.apache.kafka.connect.mirror.IdentityReplicationPolicy');
    // a regex in MirrorMaker 2's topic list: the backslash survives the properties file's own escaping
    expect(p.get('src->tgt.topics')).toBe('orders\\.created, payments');
    expect(text).toContain('src->tgt.topics = orders\\\\.created, payments');
    expect(p.get('src->tgt.groups')).toBe('billing, shipping');
    expect(p.get('tgt->src.enabled')).toBe('false');
    expect(p.get('src.consumer.isolation.level')).toBe('read_committed');
    expect(p.get('emit.heartbeats.enabled')).toBe('false');
    expect(p.get('sync.group.offsets.enabled')).toBe('false');
    expect(p.get('tgt.offset.flush.interval.ms')).toBe('2000');
    expect(p.get('tgt.exactly.once.source.support')).toBe('enabled');
    expect(p.get('listeners')).toBe('http://127.0.0.1:18083');
    expect(p.get('header.converter')).toBe('org.apache.kafka.connect.converters.ByteArrayConverter');
    expect(p.get('config.providers.file.class')).toBe('org.apache.kafka.common.config.provider.FileConfigProvider');
    expect(text).not.toMatch(/password="[^$]/);
    expect(text).toBe(renderMm2Properties(options));
  });

  it('renders the Connect connectors with ByteArray converters and the same policy', () => {
    const [source, checkpoint] = connectConnectors(options, 'source-to-target');
    expect(source!.name).toBe('zdp-source-to-target-source');
    expect(source!.config).toMatchObject({
      'connector.class': 'org.apache.kafka.connect.mirror.MirrorSourceConnector',
      'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy',
      'source.consumer.isolation.level': 'read_committed',
      'header.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
      'exactly.once.support': 'requested',
      'target.cluster.security.protocol': 'SASL_SSL',
      topics: 'orders\\.created,payments',
    });
    expect(checkpoint!.config).toMatchObject({ 'connector.class': 'org.apache.kafka.connect.mirror.MirrorCheckpointConnector', groups: 'billing,shipping', 'sync.group.offsets.enabled': 'false' });
    expect(Object.keys(source!.config)).toEqual([...Object.keys(source!.config)].sort());
  });
});

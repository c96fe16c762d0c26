/**
 * MirrorMaker 2 configuration for a zdp migration, for both engines: a dedicated-mode
 * mm2.properties file, and the connector configs for an existing Kafka Connect cluster. Identity
 * replication (topic names stay), read_committed on the source, exactly-once where the engine
 * supports it, the offset-sync settings the cutover relies on, and no heartbeats flowing back into
 * the source. Pure; secrets are referenced through Kafka's FileConfigProvider, never written here.
 */

export const SOURCE_ALIAS = 'src';
export const TARGET_ALIAS = 'tgt';
export const IDENTITY_POLICY = 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy';
const BYTES = 'org.apache.kafka.connect.converters.ByteArrayConverter';

export interface Mm2ClusterSettings {
  bootstrapServers: string[];
  /** client security settings (security.protocol, sasl.*, ssl.*) with secrets as ${file:...} references */
  client: Record<string, string>;
}

export interface Mm2Options {
  source: Mm2ClusterSettings;
  target: Mm2ClusterSettings;
  /** exact topic names */
  topics: readonly string[];
  /** group regexes to track for checkpoints */
  groups: readonly string[];
  replicationFactor: number;
  /** dedicated mode: internal REST listener (needed for exactly-once) */
  restPort: number;
  exactlyOnce: boolean;
  /** a secrets file for Kafka's FileConfigProvider, when client settings reference it */
  secretsFile?: string;
  tasksMax: number;
  /** dedicated mode: a migration id that keeps this MM2's worker apart from others between the same clusters */
  migrationId?: string;
}

/**
 * The dedicated-mode worker's group and internal topics. MM2 processes that share them form one
 * Connect cluster and share connector configs, so two migrations between the same clusters would
 * take over each other's work: each migration gets its own (`undefined` = MM2's defaults).
 */
export function mm2WorkerTopics(migrationId: string | undefined): { group: string; offsets: string; configs: string; status: string } {
  if (!migrationId) return { group: `${SOURCE_ALIAS}-mm2`, offsets: `mm2-offsets.${SOURCE_ALIAS}.internal`, configs: `mm2-configs.${SOURCE_ALIAS}.internal`, status: `mm2-status.${SOURCE_ALIAS}.internal` };
  return { group: `zdp-mm2-${migrationId}`, offsets: `mm2-offsets.zdp-${migrationId}.internal`, configs: `mm2-configs.zdp-${migrationId}.internal`, status: `mm2-status.zdp-${migrationId}.internal` };
}

function escapeRegex(topic: string): string {
  return topic.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Dedicated-mode properties, one key per line, in a fixed order. */
export function renderMm2Properties(o: Mm2Options): string {
  const lines: string[] = [
    `clusters = ${SOURCE_ALIAS}, ${TARGET_ALIAS}`,
    `${SOURCE_ALIAS}.bootstrap.servers = ${o.source.bootstrapServers.join(',')}`,
    `${TARGET_ALIAS}.bootstrap.servers = ${o.target.bootstrapServers.join(',')}`,
  ];
  for (const [k, v] of Object.entries(o.source.client).sort()) lines.push(`${SOURCE_ALIAS}.${k} = ${v}`);
  for (const [k, v] of Object.entries(o.target.client).sort()) lines.push(`${TARGET_ALIAS}.${k} = ${v}`);
  if (o.secretsFile) {
    lines.push('config.providers = file', 'config.providers.file.class = org.apache.kafka.common.config.provider.FileConfigProvider');
  }
  lines.push(
    `${SOURCE_ALIAS}->${TARGET_ALIAS}.enabled = true`,
    `${TARGET_ALIAS}->${SOURCE_ALIAS}.enabled = false`,
    `replication.policy.class = ${IDENTITY_POLICY}`,
    `${SOURCE_ALIAS}->${TARGET_ALIAS}.topics = ${o.topics.map(escapeRegex).join(', ') || '^$'}`,
    `${SOURCE_ALIAS}->${TARGET_ALIAS}.groups = ${o.groups.join(', ') || '.*'}`,
    `${SOURCE_ALIAS}.consumer.isolation.level = read_committed`,
    `${SOURCE_ALIAS}->${TARGET_ALIAS}.consumer.isolation.level = read_committed`,
    `tasks.max = ${o.tasksMax}`,
    'offset.lag.max = 10',
    `${TARGET_ALIAS}.offset.flush.interval.ms = 2000`,
    'refresh.topics.interval.seconds = 30',
    'refresh.groups.interval.seconds = 30',
    'sync.group.offsets.enabled = false',
    'emit.checkpoints.enabled = true',
    'emit.checkpoints.interval.seconds = 5',
    'emit.heartbeats.enabled = false',
    'sync.topic.acls.enabled = false',
    `replication.factor = ${o.replicationFactor}`,
    `offset-syncs.topic.replication.factor = ${o.replicationFactor}`,
    `checkpoints.topic.replication.factor = ${o.replicationFactor}`,
    `heartbeats.topic.replication.factor = ${o.replicationFactor}`,
    `offset.storage.replication.factor = ${o.replicationFactor}`,
    `config.storage.replication.factor = ${o.replicationFactor}`,
    `status.storage.replication.factor = ${o.replicationFactor}`,
    `key.converter = ${BYTES}`,
    `value.converter = ${BYTES}`,
    `header.converter = ${BYTES}`,
  );
  if (o.migrationId) {
    const w = mm2WorkerTopics(o.migrationId);
    lines.push(`${TARGET_ALIAS}.group.id = ${w.group}`, `${TARGET_ALIAS}.offset.storage.topic = ${w.offsets}`, `${TARGET_ALIAS}.config.storage.topic = ${w.configs}`, `${TARGET_ALIAS}.status.storage.topic = ${w.status}`);
  }
  if (o.exactlyOnce) {
    lines.push(`${TARGET_ALIAS}.exactly.once.source.support = enabled`, 'dedicated.mode.enable.internal.rest = true', `listeners = http://127.0.0.1:${o.restPort}`);
  }
  // every line goes through the one escaper: no value can start a line of its own
  const entries = lines.map((l) => {
    const at = l.indexOf(' = ');
    return propertiesLine(l.slice(0, at), l.slice(at + 3));
  });
  return `${['# MirrorMaker 2 (dedicated mode), written by zdp migrate. Do not edit: zdp rewrites it.', ...entries].join('\n')}\n`;
}

/** A .properties key or value with its special characters escaped (java.util.Properties rules). */
function escapeProperties(text: string, isKey: boolean): string {
  let out = '';
  for (const [i, ch] of [...text].entries()) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else if ((isKey && (ch === ' ' || ch === ':' || ch === '=' || ch === '#' || ch === '!')) || (i === 0 && (ch === ' ' || ch === '#' || ch === '!'))) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/**
 * One `key = value` line of a .properties file: the one escaper every value zdp writes into
 * mm2.properties and the MM2 secrets file goes through. A line break or other control character in a
 * value is escaped, so no value can add a key of its own.
 */
export function propertiesLine(key: string, value: string, separator = ' = '): string {
  return `${escapeProperties(key, true)}${separator}${escapeProperties(value, false)}`;
}

export interface ConnectorConfig {
  name: string;
  config: Record<string, string>;
}

/**
 * The connectors for an existing Kafka Connect cluster whose workers write to the target. Names
 * carry the migration id so several migrations can share one Connect cluster.
 */
export function connectConnectors(o: Mm2Options, migrationId: string): ConnectorConfig[] {
  const common: Record<string, string> = {
    'source.cluster.alias': SOURCE_ALIAS,
    'target.cluster.alias': TARGET_ALIAS,
    'source.cluster.bootstrap.servers': o.source.bootstrapServers.join(','),
    'target.cluster.bootstrap.servers': o.target.bootstrapServers.join(','),
    'replication.policy.class': IDENTITY_POLICY,
    'key.converter': BYTES,
    'value.converter': BYTES,
    'header.converter': BYTES,
    'tasks.max': String(o.tasksMax),
  };
  for (const [k, v] of Object.entries(o.source.client)) common[`source.cluster.${k}`] = v;
  for (const [k, v] of Object.entries(o.target.client)) common[`target.cluster.${k}`] = v;
  const source: Record<string, string> = {
    ...common,
    'connector.class': 'org.apache.kafka.connect.mirror.MirrorSourceConnector',
    topics: o.topics.map(escapeRegex).join(',') || '^$',
    'source.consumer.isolation.level': 'read_committed',
    'offset.lag.max': '10',
    'sync.topic.configs.enabled': 'true',
    'sync.topic.acls.enabled': 'false',
    'replication.factor': String(o.replicationFactor),
    'offset-syncs.topic.replication.factor': String(o.replicationFactor),
    'refresh.topics.interval.seconds': '30',
  };
  // 'requested': honoured where the worker runs exactly-once source support, harmless where it does not
  if (o.exactlyOnce) source['exactly.once.support'] = 'requested';
  const checkpoint: Record<string, string> = {
    ...common,
    'connector.class': 'org.apache.kafka.connect.mirror.MirrorCheckpointConnector',
    groups: o.groups.join(',') || '.*',
    'sync.group.offsets.enabled': 'false',
    'emit.checkpoints.interval.seconds': '5',
    'checkpoints.topic.replication.factor': String(o.replicationFactor),
    'refresh.groups.interval.seconds': '30',
  };
  const sort = (c: Record<string, string>) => Object.fromEntries(Object.entries(c).sort(([a], [b]) => a.localeCompare(b)));
  return [
    { name: `zdp-${migrationId}-source`, config: sort(source) },
    { name: `zdp-${migrationId}-checkpoint`, config: sort(checkpoint) },
  ];
}

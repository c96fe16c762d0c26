/**
 * Vendor profiles: how a topic config written for Apache Kafka lands on each target vendor.
 * Every config is supported, renamed, dropped (with the reason) or clamped into a range; the plan
 * reports each one that changes. Pure data and one pure function.
 */
import type { Vendor } from '../../config/types.js';

export interface ConfigRule {
  action: 'drop' | 'rename' | 'clamp';
  reason: string;
  to?: string;
  min?: number;
  max?: number;
}

export interface VendorProfile {
  vendor: Vendor;
  /** configs the vendor does not take or renames or bounds */
  rules: Readonly<Record<string, ConfigRule>>;
  /** prefixes that belong to another vendor and are never copied */
  foreignPrefixes: readonly string[];
  /** fixed replication factor, when the service decides it */
  replicationFactor?: number;
}

const KAFKA_ONLY_STORAGE = 'Kafka log-segment internals; the target manages its storage itself';

export const VENDOR_PROFILES: Readonly<Record<Vendor, VendorProfile>> = {
  apache: { vendor: 'apache', rules: {}, foreignPrefixes: ['redpanda.', 'confluent.'] },
  msk: {
    vendor: 'msk',
    rules: {},
    foreignPrefixes: ['redpanda.', 'confluent.'],
  },
  redpanda: {
    vendor: 'redpanda',
    foreignPrefixes: ['confluent.'],
    rules: {
      'unclean.leader.election.enable': { action: 'drop', reason: 'Redpanda uses Raft; unclean leader election does not exist' },
      'min.insync.replicas': { action: 'drop', reason: 'Redpanda acknowledges acks=all after a Raft majority; the setting has no effect' },
      'flush.messages': { action: 'drop', reason: 'Redpanda decides when to fsync' },
      'flush.ms': { action: 'drop', reason: 'Redpanda decides when to fsync' },
      'index.interval.bytes': { action: 'drop', reason: KAFKA_ONLY_STORAGE },
      'segment.index.bytes': { action: 'drop', reason: KAFKA_ONLY_STORAGE },
      'segment.jitter.ms': { action: 'drop', reason: KAFKA_ONLY_STORAGE },
      'preallocate': { action: 'drop', reason: KAFKA_ONLY_STORAGE },
      'file.delete.delay.ms': { action: 'drop', reason: KAFKA_ONLY_STORAGE },
      'message.downconversion.enable': { action: 'drop', reason: 'Redpanda does not down-convert record formats' },
      'follower.replication.throttled.replicas': { action: 'drop', reason: 'replication throttles are Kafka-specific' },
      'leader.replication.throttled.replicas': { action: 'drop', reason: 'replication throttles are Kafka-specific' },
      'local.retention.ms': { action: 'rename', to: 'retention.local.target.ms', reason: 'Redpanda names tiered-storage local retention retention.local.target.ms' },
      'local.retention.bytes': { action: 'rename', to: 'retention.local.target.bytes', reason: 'Redpanda names tiered-storage local retention retention.local.target.bytes' },
    },
  },
  automq: {
    vendor: 'automq',
    foreignPrefixes: ['redpanda.', 'confluent.'],
    rules: {
      'index.interval.bytes': { action: 'drop', reason: 'AutoMQ keeps data in shared stream storage, not Kafka log segments' },
      'segment.index.bytes': { action: 'drop', reason: 'AutoMQ keeps data in shared stream storage, not Kafka log segments' },
      'preallocate': { action: 'drop', reason: 'AutoMQ keeps data in shared stream storage, not Kafka log segments' },
      'flush.messages': { action: 'drop', reason: 'AutoMQ persists through its write-ahead log' },
      'flush.ms': { action: 'drop', reason: 'AutoMQ persists through its write-ahead log' },
      'remote.storage.enable': { action: 'drop', reason: 'AutoMQ stores every topic in object storage already' },
      'local.retention.ms': { action: 'drop', reason: 'AutoMQ has no local tier' },
      'local.retention.bytes': { action: 'drop', reason: 'AutoMQ has no local tier' },
    },
  },
  confluent: {
    vendor: 'confluent',
    foreignPrefixes: ['redpanda.'],
    replicationFactor: 3,
    rules: {
      'unclean.leader.election.enable': { action: 'drop', reason: 'not editable on Confluent Cloud' },
      'flush.messages': { action: 'drop', reason: 'not editable on Confluent Cloud' },
      'flush.ms': { action: 'drop', reason: 'not editable on Confluent Cloud' },
      'index.interval.bytes': { action: 'drop', reason: 'not editable on Confluent Cloud' },
      'segment.index.bytes': { action: 'drop', reason: 'not editable on Confluent Cloud' },
      'segment.jitter.ms': { action: 'drop', reason: 'not editable on Confluent Cloud' },
      'preallocate': { action: 'drop', reason: 'not editable on Confluent Cloud' },
      'file.delete.delay.ms': { action: 'drop', reason: 'not editable on Confluent Cloud' },
      'message.downconversion.enable': { action: 'drop', reason: 'not editable on Confluent Cloud' },
      'min.insync.replicas': { action: 'clamp', min: 1, max: 2, reason: 'Confluent Cloud accepts 1 or 2' },
      'max.message.bytes': { action: 'clamp', min: 0, max: 8_388_608, reason: 'Confluent Cloud Basic/Standard clusters cap records at 8 MiB' },
      'segment.bytes': { action: 'clamp', min: 52_428_800, max: 1_073_741_824, reason: 'Confluent Cloud accepts segments of 50 MiB to 1 GiB' },
      'segment.ms': { action: 'clamp', min: 600_000, max: Number.MAX_SAFE_INTEGER, reason: 'Confluent Cloud rolls segments at most every 10 minutes' },
    },
  },
};

export interface TranslatedConfig {
  configs: Record<string, string>;
  /** every config that was dropped, renamed or clamped, with the reason */
  changes: { name: string; action: 'drop' | 'rename' | 'clamp'; from: string; to?: string; reason: string }[];
}

/** Translates topic-level overrides (name -> value) for a target vendor. */
export function translateConfigs(configs: Readonly<Record<string, string>>, target: Vendor): TranslatedConfig {
  const profile = VENDOR_PROFILES[target];
  const out: Record<string, string> = {};
  const changes: TranslatedConfig['changes'] = [];
  for (const name of Object.keys(configs).sort()) {
    const value = configs[name]!;
    const foreign = profile.foreignPrefixes.find((p) => name.startsWith(p));
    if (foreign) {
      changes.push({ name, action: 'drop', from: value, reason: `${foreign}* configs belong to another vendor` });
      continue;
    }
    const rule = profile.rules[name];
    if (!rule) {
      out[name] = value;
      continue;
    }
    if (rule.action === 'drop') {
      changes.push({ name, action: 'drop', from: value, reason: rule.reason });
    } else if (rule.action === 'rename') {
      out[rule.to!] = value;
      changes.push({ name, action: 'rename', from: value, to: rule.to!, reason: rule.reason });
    } else {
      const n = Number(value);
      const clamped = Math.min(Math.max(n, rule.min ?? n), rule.max ?? n);
      out[name] = String(clamped);
      if (clamped !== n) changes.push({ name, action: 'clamp', from: value, to: String(clamped), reason: rule.reason });
    }
  }
  return { configs: out, changes };
}

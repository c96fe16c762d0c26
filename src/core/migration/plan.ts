/**
 * Migration planning as a pure comparison of two cluster snapshots: each topic is `create`,
 * `present` or `drift`, with partitions, replication factor and configs translated for the target
 * vendor. Apply only creates; drift is reported, never overwritten.
 */
import type { Vendor } from '../../config/types.js';
import { translateConfigs, VENDOR_PROFILES, type TranslatedConfig } from './vendors.js';
import type { AclPlan } from './acls.js';
import type { SubjectPlan } from './subjects.js';

/** Subjects in a plan, with how the target registry keeps ids (or why it cannot). */
export interface SubjectsPlan extends SubjectPlan {
  sourceRegistry: string;
  targetRegistry: string;
  method: 'import-mode' | 'apicurio' | 'none';
  why?: string;
}

export interface TopicSnapshot {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** configs set on the topic itself (not broker defaults), name -> value */
  configs: Record<string, string>;
}

export interface ClusterSnapshot {
  cluster: string;
  clusterId: string;
  vendor: Vendor;
  brokers: number;
  topics: Record<string, TopicSnapshot>;
}

export type PlanAction = 'create' | 'present' | 'drift';

export interface TopicPlanItem {
  topic: string;
  action: PlanAction;
  partitions: number;
  replicationFactor: number;
  /** configs to create the topic with on the target */
  configs: Record<string, string>;
  /** what the vendor profile dropped, renamed or clamped */
  configChanges: TranslatedConfig['changes'];
  /** why the existing target topic differs */
  drift: string[];
  /** drift that makes replication impossible: apply refuses */
  blocking: boolean;
}

export interface MigrationPlan {
  formatVersion: 1;
  kind: 'MigrationPlan';
  from: { cluster: string; clusterId: string; vendor: Vendor };
  to: { cluster: string; clusterId: string; vendor: Vendor };
  topics: TopicPlanItem[];
  /** absent when left out (--no-acls) */
  acls?: AclPlan;
  /** absent when left out (--no-subjects) or when the source has no schema registry */
  subjects?: SubjectsPlan;
  /** what the plan could not cover, said plainly */
  notes?: string[];
  summary: { create: number; present: number; drift: number; blocking: number; configChanges: number };
}

export function planTopics(source: ClusterSnapshot, target: ClusterSnapshot, topics: readonly string[]): MigrationPlan {
  const profile = VENDOR_PROFILES[target.vendor];
  const items: TopicPlanItem[] = [];
  for (const name of [...topics].sort()) {
    const s = source.topics[name];
    if (!s) continue;
    const translated = translateConfigs(s.configs, target.vendor);
    const rf = profile.replicationFactor ?? Math.max(1, Math.min(s.replicationFactor, target.brokers));
    const t = target.topics[name];
    const item: TopicPlanItem = { topic: name, action: 'create', partitions: s.partitions, replicationFactor: rf, configs: translated.configs, configChanges: translated.changes, drift: [], blocking: false };
    if (t) {
      if (t.partitions < s.partitions) {
        item.drift.push(`the target has ${t.partitions} partition${t.partitions === 1 ? '' : 's'}, the source ${s.partitions}: records of partitions ${t.partitions}..${s.partitions - 1} have nowhere to go and Kafka cannot shrink a topic`);
        item.blocking = true;
      } else if (t.partitions > s.partitions) {
        item.drift.push(`the target has ${t.partitions} partitions, the source ${s.partitions}: the extra partitions stay empty and keys hash differently for new producers`);
      }
      for (const key of [...new Set([...Object.keys(translated.configs), ...Object.keys(t.configs)])].sort()) {
        const want = translated.configs[key];
        const have = t.configs[key];
        if (want !== have) item.drift.push(`${key}: target ${have === undefined ? '(default)' : have}, plan ${want === undefined ? '(default)' : want}`);
      }
      item.action = item.drift.length > 0 ? 'drift' : 'present';
    }
    items.push(item);
  }
  return {
    formatVersion: 1,
    kind: 'MigrationPlan',
    from: { cluster: source.cluster, clusterId: source.clusterId, vendor: source.vendor },
    to: { cluster: target.cluster, clusterId: target.clusterId, vendor: target.vendor },
    topics: items,
    summary: {
      create: items.filter((i) => i.action === 'create').length,
      present: items.filter((i) => i.action === 'present').length,
      drift: items.filter((i) => i.action === 'drift').length,
      blocking: items.filter((i) => i.blocking).length,
      configChanges: items.reduce((n, i) => n + i.configChanges.length, 0),
    },
  };
}

/** What the migrate verbs share: the migration's directory and journal, the plan, apply and MM2 client settings. */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Runtime } from '../../cli/runtime.js';
import { renderTable } from '../../cli/render/table.js';
import { withSides, type Pair } from '../../cli/sides.js';
import { writeAtomic } from '../../atomic-file.js';
import { CheckFailedError, NotFoundError, UsageError } from '../../errors.js';
import { readSecret } from '../../config/load.js';
import type { ClusterProfile } from '../../config/types.js';
import { isInside, nameProblem } from '../../core/names.js';
import { planTopics, type MigrationPlan } from '../../core/migration/plan.js';
import { selectTopics } from '../../core/sampling.js';
import { KafkaCluster } from '../../kafka/cluster.js';
import { engineFor, type ReplicationEngine } from '../../migration/engine.js';
import type { Mm2ClusterSettings } from '../../core/migration/mm2.js';
import { mm2Security, renderSecretsFile } from '../../core/migration/mm2-security.js';
import type { PartitionProgress } from '../../core/migration/lag.js';
import { replicationProgress } from '../../migration/progress.js';
import { describeAcl, planAcls, type AclState } from '../../core/migration/acls.js';
import { applyRegistryCopy, checkRegistryCopy, planRegistryCopy } from '../../migration/registry-copy.js';
import type { View } from '../../cli/emit.js';

/**
 * <state>/migrations/<from>-to-<to>. Both names pass the one name rule before they get here; the
 * check is repeated so that no caller can build a path outside the state directory.
 */
export function migrationDir(stateDir: string, from: string, to: string): string {
  const problem = nameProblem('migration', from) ?? nameProblem('migration', to);
  if (problem) throw new UsageError(problem, { code: 'BAD_NAME' });
  const dir = join(stateDir, 'migrations', `${from}-to-${to}`);
  if (!isInside(join(stateDir, 'migrations'), dir)) throw new UsageError(`the migration ${from} -> ${to} would live outside ${stateDir}`, { code: 'BAD_NAME' });
  return dir;
}

export function journal(stateDir: string, plan: MigrationPlan, event: Record<string, unknown>): void {
  const dir = migrationDir(stateDir, plan.from.cluster, plan.to.cluster);
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, 'journal.jsonl'), `${JSON.stringify({ time: new Date().toISOString(), from: plan.from, to: plan.to, ...event })}\n`);
}

export interface PlanSelection {
  topics: string[];
  exclude: string[];
  acls: boolean;
  subjects: boolean;
}

export async function makePlan(rt: Runtime, pair: Pair, sel: PlanSelection): Promise<MigrationPlan> {
  const { source, target } = pair;
  const spinner = await rt.io.spinner(`reading topics of ${source.name} and ${target.name}…`);
  try {
    const s = await KafkaCluster.connect(source, { env: rt.env, log: rt.kafkaLog, clientId: 'zdp-migrate' });
    let sourceSnap;
    let sourceAcls: AclState | undefined;
    try {
      const all = await s.listTopics();
      const { selected, unmatched } = selectTopics(all, sel.topics, sel.exclude);
      if (unmatched.length > 0) throw new NotFoundError('TOPIC_NOT_FOUND', `no topic on cluster "${source.name}" matches ${unmatched.join(', ')}`);
      sourceSnap = await s.snapshot(selected);
      if (sel.acls) sourceAcls = await s.describeAcls();
    } finally {
      await s.disconnect();
    }
    const t = await KafkaCluster.connect(target, { env: rt.env, log: rt.kafkaLog, clientId: 'zdp-migrate' });
    let plan: MigrationPlan;
    try {
      const targetSnap = await t.snapshot(Object.keys(sourceSnap.topics));
      plan = planTopics(sourceSnap, targetSnap, Object.keys(sourceSnap.topics));
      if (sourceAcls) plan.acls = planAcls(sourceAcls, await t.describeAcls(), plan.topics.map((i) => i.topic), target.vendor);
    } finally {
      await t.disconnect();
    }
    const notes: string[] = [];
    if (sel.subjects && source.schemaRegistry) {
      if (target.schemaRegistry) {
        plan.subjects = await planRegistryCopy(source, target, rt.env);
      } else notes.push(`${source.name} has a schema registry and ${target.name} none (clusters.${target.name}.schemaRegistry): registry-framed records replicated to ${target.name} will not resolve their schemas`);
    }
    if (notes.length > 0) plan.notes = notes;
    return plan;
  } finally {
    spinner.stop();
  }
}

export function renderPlan(plan: MigrationPlan): string {
  const rows = plan.topics.map((i) => [
    i.action + (i.blocking ? ' (blocking)' : ''),
    i.topic,
    String(i.partitions),
    String(i.replicationFactor),
    Object.entries(i.configs).map(([k, v]) => `${k}=${v}`).join(' ') || '-',
  ]);
  const lines = [`${plan.from.cluster} (${plan.from.vendor}) -> ${plan.to.cluster} (${plan.to.vendor}): ${plan.summary.create} to create, ${plan.summary.present} present, ${plan.summary.drift} drifted`, '', renderTable(['ACTION', 'TOPIC', 'PARTITIONS', 'RF', 'CONFIGS'], rows)];
  const notes = plan.topics.flatMap((i) => [
    ...i.configChanges.map((c) => `  ${i.topic}: ${c.name} ${c.action === 'drop' ? 'dropped' : c.action === 'rename' ? `renamed to ${c.to}` : `clamped ${c.from} -> ${c.to}`}: ${c.reason}`),
    ...i.drift.map((d) => `  ${i.topic}: drift: ${d}`),
  ]);
  if (plan.acls) {
    const a = plan.acls;
    lines.push('', !a.source.authorizer ? `ACLs: ${plan.from.cluster} runs no authorizer, nothing to copy` : `ACLs: ${a.summary.create} to create, ${a.summary.present} present, ${a.summary.skip} skipped`);
    if (a.items.length > 0) lines.push(renderTable(['ACTION', 'ACL'], a.items.map((i) => [i.action, describeAcl(i.binding) + (i.reason ? ` (${i.reason})` : '')])));
    notes.push(...a.notes.map((n) => `  ACLs: ${n}`));
  }
  if (plan.subjects) {
    const sp = plan.subjects;
    lines.push('', `Subjects: ${sp.summary.create} version${sp.summary.create === 1 ? '' : 's'} to copy with their ids${sp.summary.create > 0 ? ` (${sp.method === 'apicurio' ? 'Apicurio import' : sp.method === 'import-mode' ? 'IMPORT mode' : 'NOT POSSIBLE'})` : ''}, ${sp.summary.present} present, ${sp.summary.conflict} in conflict`);
    if (sp.items.length > 0) lines.push(renderTable(['ACTION', 'SUBJECT', 'VERSION', 'ID', 'TYPE'], sp.items.map((i) => [i.action, i.subject, String(i.version), String(i.id), i.schemaType])));
    for (const i of sp.items.filter((x) => x.reason)) notes.push(`  ${i.subject} v${i.version}: ${i.reason}`);
    for (const c of sp.compatibility.filter((x) => x.target !== undefined && x.target !== 'NONE' && x.target !== x.level)) notes.push(`  ${c.subject}: compatibility ${c.target} on the target, ${c.level} on the source (left as it is)`);
    if (sp.method === 'none' && sp.summary.create > 0) notes.push(`  subjects: ${sp.why}`);
  }
  for (const n of plan.notes ?? []) notes.push(`  ${n}`);
  if (notes.length > 0) lines.push('', 'Notes:', ...notes);
  return lines.join('\n');
}

export function writePlan(file: string, plan: MigrationPlan): void {
  writeAtomic(file, `${JSON.stringify(plan, null, 2)}\n`);
}

export function pendingChanges(plan: MigrationPlan): number {
  return plan.summary.create + (plan.acls?.summary.create ?? 0) + (plan.subjects?.summary.create ?? 0);
}

export function describeChanges(plan: MigrationPlan): string {
  const n = (count: number, what: string) => (count > 0 ? [`${count} ${what}${count === 1 ? '' : 's'}`] : []);
  return [...n(plan.summary.create, 'topic'), ...n(plan.acls?.summary.create ?? 0, 'ACL'), ...n(plan.subjects?.summary.create ?? 0, 'subject version')].join(', ');
}

export interface ApplyResult {
  created: string[];
  acls: string[];
  subjects: string[];
  compatibility: string[];
  plan: MigrationPlan;
}

export async function applyPlan(rt: Runtime, pair: Pair, planned: MigrationPlan): Promise<ApplyResult> {
  // the target may have changed since the plan: plan again for the same topics, ACLs and subjects
  const fresh = await makePlan(rt, pair, { topics: planned.topics.map((t) => t.topic), exclude: [], acls: planned.acls !== undefined, subjects: planned.subjects !== undefined });
  const blocking = fresh.topics.filter((t) => t.blocking);
  if (blocking.length > 0) {
    throw new CheckFailedError('DRIFT_BLOCKS', `${blocking.length} topic${blocking.length === 1 ? '' : 's'} on ${fresh.to.cluster} cannot receive the source's records; nothing was created`, {
      diagnostics: blocking.flatMap((t) => t.drift.map((d) => ({ code: 'DRIFT', severity: 'error' as const, message: `${t.topic}: ${d}`, path: t.topic }))),
      hint: 'delete or rename those topics on the target (zdp never overwrites them), then apply again',
    });
  }
  if (fresh.subjects) checkRegistryCopy(fresh.subjects, fresh.to.cluster);
  const { stateDir } = rt.config();
  const cluster = await KafkaCluster.connect(pair.target, { env: rt.env, log: rt.kafkaLog, clientId: 'zdp-migrate' });
  let created: string[];
  const acls: string[] = [];
  try {
    created = await cluster.createPlannedTopics(fresh.topics);
    journal(stateDir, fresh, { step: 'apply', created });
    const toCreate = fresh.acls?.items.filter((i) => i.action === 'create').map((i) => i.binding) ?? [];
    await cluster.createAcls(toCreate);
    acls.push(...toCreate.map(describeAcl));
    if (acls.length > 0) journal(stateDir, fresh, { step: 'apply-acls', created: acls });
  } finally {
    await cluster.disconnect();
  }
  let subjects: string[] = [];
  let compatibility: string[] = [];
  if (fresh.subjects) {
    ({ created: subjects, compatibility } = await applyRegistryCopy(pair.source, pair.target, rt.env, fresh.subjects));
    if (subjects.length > 0 || compatibility.length > 0) journal(stateDir, fresh, { step: 'apply-subjects', created: subjects, compatibility });
  }
  return { created, acls, subjects, compatibility, plan: fresh };
}

export function applyView(r: ApplyResult): View {
  const { created, plan } = r;
  const lines = [created.length === 0 ? `nothing to create on ${plan.to.cluster}: every planned topic is present` : `created ${created.length} topic${created.length === 1 ? '' : 's'} on ${plan.to.cluster}: ${created.join(', ')}`];
  if (plan.acls) lines.push(r.acls.length === 0 ? `ACLs: nothing to create (${plan.acls.summary.present} present, ${plan.acls.summary.skip} skipped)` : `created ${r.acls.length} ACL${r.acls.length === 1 ? '' : 's'}:\n${r.acls.map((a) => `  ${a}`).join('\n')}`);
  if (plan.subjects) lines.push(r.subjects.length === 0 ? `subjects: nothing to copy (${plan.subjects.summary.present} present)` : `copied ${r.subjects.length} subject version${r.subjects.length === 1 ? '' : 's'} with their ids: ${r.subjects.join(', ')}`);
  if (r.compatibility.length > 0) lines.push(`compatibility levels set: ${r.compatibility.join(', ')}`);
  const notes = [...(plan.acls?.notes ?? []), ...(plan.notes ?? [])];
  return {
    kind: 'MigrationApply',
    data: { from: plan.from.cluster, to: plan.to.cluster, created, present: plan.topics.filter((t) => t.action === 'present').map((t) => t.topic), drift: plan.topics.filter((t) => t.action === 'drift').map((t) => t.topic), acls: r.acls, subjects: r.subjects, compatibility: r.compatibility, notes },
    text: lines.join('\n'),
    warnings: [...plan.topics.filter((x) => x.action === 'drift').map((t) => `${t.topic} differs on ${plan.to.cluster} (left as it is): ${t.drift.join('; ')}`), ...notes],
  };
}

/**
 * Client settings MM2 needs for a profile: security settings with secrets as references to one
 * secrets file (mode 0600) in the migration's directory, which is written here from the profile's
 * secret references. Nothing secret goes into mm2.properties, the connector configs or the output.
 */
export function mm2Clients(rt: Runtime, dir: string, profiles: { alias: string; profile: ClusterProfile }[]): { clients: Mm2ClusterSettings[]; secretsFile?: string; notes: string[] } {
  const secretsFile = join(dir, 'mm2-secrets.properties');
  const values: Record<string, string> = {};
  const notes: string[] = [];
  const clients = profiles.map(({ alias, profile }) => {
    const s = mm2Security(profile, alias, secretsFile);
    for (const [key, ref] of Object.entries(s.secrets)) values[key] = readSecret(ref, rt.env);
    notes.push(...s.notes);
    return { bootstrapServers: profile.bootstrapServers, client: s.client };
  });
  if (Object.keys(values).length === 0) return { clients, notes };
  writeAtomic(secretsFile, renderSecretsFile(values), 0o600);
  return { clients, secretsFile, notes };
}

export function engineOf(rt: Runtime, from: string, to: string): ReplicationEngine | undefined {
  const config = rt.config();
  return engineFor(migrationDir(config.stateDir, from, to), rt.env, Object.hasOwn(config.clusters, to) ? config.clusters[to]?.connect : undefined);
}

export async function replicationStatus(rt: Runtime, pair: Pair, topics: readonly string[]): Promise<PartitionProgress[]> {
  return withSides(rt, pair, (source, target) => replicationProgress(source, target, topics, engineOf(rt, pair.source.name, pair.target.name)));
}

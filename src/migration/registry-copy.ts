/**
 * Copying schema-registry subjects to the target with their schema ids, through whichever way the
 * target registry offers (Confluent IMPORT mode, Apicurio's admin import). Planning is pure
 * (core/migration/subjects.ts); this module reads both registries and performs the plan.
 */
import type { ClusterProfile } from '../config/types.js';
import { CheckFailedError, UsageError } from '../errors.js';
import { apicurioImportArchive, importModeRequests, planSubjects } from '../core/migration/subjects.js';
import type { SubjectsPlan } from '../core/migration/plan.js';
import { SchemaRegistryClient, type SubjectVersion } from '../registry/client.js';
import { NotFoundError } from '../errors.js';

function clients(source: ClusterProfile, target: ClusterProfile, env: NodeJS.ProcessEnv) {
  if (!source.schemaRegistry || !target.schemaRegistry) throw new UsageError('both clusters need a schemaRegistry to copy subjects');
  return {
    src: new SchemaRegistryClient(source.schemaRegistry, env, source.name, source.timeoutMs),
    tgt: new SchemaRegistryClient(target.schemaRegistry, env, target.name, target.timeoutMs),
  };
}

async function compatibilities(client: SchemaRegistryClient, subjects: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const s of subjects) {
    const level = await client.getSubjectCompatibility(s);
    if (level) out[s] = level;
  }
  return out;
}

export async function planRegistryCopy(source: ClusterProfile, target: ClusterProfile, env: NodeJS.ProcessEnv): Promise<SubjectsPlan> {
  const { src, tgt } = clients(source, target, env);
  const sourceVersions = await src.listAllVersions();
  const targetSubjects = await tgt.listSubjects();
  const targetVersions = await tgt.listAllVersions(targetSubjects);
  const ids = [...new Set(sourceVersions.map((v) => v.id))];
  const byId = new Map<number, { schema: string }>();
  for (const id of ids) {
    try {
      byId.set(id, await tgt.getSchemaById(id));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  const subjects = [...new Set(sourceVersions.map((v) => v.subject))];
  const plan = planSubjects(sourceVersions, targetVersions, byId, { source: await compatibilities(src, subjects), target: await compatibilities(tgt, subjects.filter((s) => targetSubjects.includes(s))) });
  const how = plan.summary.create > 0 ? await tgt.idPreservation() : ({ kind: 'import-mode' } as const);
  return {
    ...plan,
    sourceRegistry: src.url,
    targetRegistry: tgt.url,
    method: how.kind,
    ...(how.kind === 'none' ? { why: how.why } : {}),
  };
}

/**
 * Refuses a subject plan that cannot be carried out, before anything is created: versions in
 * conflict, or versions to copy into a registry that cannot keep their ids.
 */
export function checkRegistryCopy(plan: SubjectsPlan, target: string): void {
  const conflicts = plan.items.filter((i) => i.action === 'conflict');
  if (conflicts.length > 0) {
    throw new CheckFailedError('SUBJECT_CONFLICT', `${conflicts.length} subject version${conflicts.length === 1 ? '' : 's'} on ${target}'s registry differ from the source; nothing was created`, {
      diagnostics: conflicts.map((c) => ({ code: 'SUBJECT_CONFLICT', severity: 'error' as const, message: `${c.subject} v${c.version}: ${c.reason}`, path: c.subject })),
      hint: 'zdp never overwrites a registry: remove those versions on the target (or use an empty registry), or leave subjects out with --no-subjects',
    });
  }
  if (plan.method === 'none' && plan.summary.create > 0) {
    throw new CheckFailedError('REGISTRY_CANNOT_KEEP_IDS', `${target}'s registry cannot take schemas with given ids; nothing was created`, {
      hint: `${plan.why ?? 'it has no IMPORT mode'}. Replicated records carry the source's schema ids: use a target registry with IMPORT mode (Confluent, Redpanda) or Apicurio, or leave subjects out with --no-subjects`,
    });
  }
}

/** Copies the planned versions and subject compatibility levels; returns what was created. */
export async function applyRegistryCopy(source: ClusterProfile, target: ClusterProfile, env: NodeJS.ProcessEnv, plan: SubjectsPlan): Promise<{ created: string[]; compatibility: string[] }> {
  checkRegistryCopy(plan, target.name);
  const { src, tgt } = clients(source, target, env);
  const todo = plan.items.filter((i) => i.action === 'create');
  const created: string[] = [];
  if (todo.length > 0) {
    const versions: SubjectVersion[] = [];
    for (const i of todo) versions.push(await src.getVersion(i.subject, i.version));
    if (plan.method === 'import-mode') {
      for (const req of importModeRequests(versions)) await tgt.send(req);
    } else {
      await tgt.apicurioImport(apicurioImportArchive(versions));
    }
    // every id must now serve the source's schema: checked, not assumed
    for (const v of versions) {
      const got = await tgt.getVersion(v.subject, v.version).catch(() => undefined);
      if (!got || got.id !== v.id) {
        throw new CheckFailedError('SUBJECT_ID_CHANGED', `${v.subject} v${v.version} was copied to ${target.name}'s registry ${got ? `with id ${got.id} instead of ${v.id}` : 'but is not served there'}`, { hint: `check the target registry at ${tgt.url}` });
      }
      created.push(`${v.subject} v${v.version} (id ${v.id})`);
    }
  }
  const compatibility: string[] = [];
  for (const c of plan.compatibility) {
    // a level the target sets itself is its owner's choice: reported by the plan, never overwritten.
    // NONE is what Apicurio answers for a subject without a rule, so it counts as unset.
    if (c.target !== undefined && c.target !== 'NONE') continue;
    if (c.target === c.level) continue;
    // Apicurio answers NONE for a subject without a rule: copying it would switch checks off on a
    // target whose default is stricter
    if (c.level === 'NONE') continue;
    await tgt.setCompatibility(c.subject, c.level);
    compatibility.push(`${c.subject}=${c.level}`);
  }
  return { created, compatibility };
}

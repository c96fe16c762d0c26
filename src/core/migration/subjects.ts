/**
 * Schema-registry subjects in a migration, as pure functions: which subject versions the target
 * lacks, which it holds with another id or schema (a conflict zdp never overwrites), and the two
 * ways of copying them with their ids kept — records are replicated byte for byte, so every
 * registry-framed record carries the source's schema id and must find the same schema on the target.
 *
 * - Confluent-compatible registries with an IMPORT mode (Confluent, Redpanda): the subject is put in
 *   IMPORT mode and each version registered with its id and version, then the mode is reset.
 * - Apicurio Registry, whose Confluent API ignores ids: an import archive for its admin API, with
 *   content ids equal to the source's schema ids (Apicurio's Confluent API serves content ids).
 */
import { createHash } from 'node:crypto';
import type { SchemaReference, SchemaType, SubjectVersion } from '../registry-types.js';
import { writeZip } from '../zip.js';

export type SubjectAction = 'create' | 'present' | 'conflict';

export interface SubjectPlanItem {
  subject: string;
  version: number;
  id: number;
  schemaType: SchemaType;
  action: SubjectAction;
  /** why a conflict blocks the copy */
  reason?: string;
}

export interface SubjectCompatibility {
  subject: string;
  /** the source's subject-level compatibility, when one is set */
  level: string;
  /** the target's, when one is set */
  target?: string;
}

export interface SubjectPlan {
  items: SubjectPlanItem[];
  compatibility: SubjectCompatibility[];
  summary: { create: number; present: number; conflict: number };
}

const sameSchema = (a: string, b: string) => a === b || canonicalJson(a) === canonicalJson(b);

function canonicalJson(text: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/**
 * @param targetById schemas the target serves by id, for the ids the source uses (absent: unused)
 */
export function planSubjects(
  source: readonly SubjectVersion[],
  target: readonly SubjectVersion[],
  targetById: ReadonlyMap<number, { schema: string }>,
  compatibility: { source: Record<string, string>; target: Record<string, string> } = { source: {}, target: {} },
): SubjectPlan {
  const have = new Map(target.map((v) => [`${v.subject}\u0000${v.version}`, v]));
  const items: SubjectPlanItem[] = [];
  for (const s of [...source].sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version)) {
    const base = { subject: s.subject, version: s.version, id: s.id, schemaType: s.schemaType };
    const t = have.get(`${s.subject}\u0000${s.version}`);
    if (t) {
      if (t.id === s.id && sameSchema(t.schema, s.schema)) items.push({ ...base, action: 'present' });
      else items.push({ ...base, action: 'conflict', reason: t.id !== s.id ? `version ${s.version} has id ${t.id} on the target, ${s.id} on the source: records would resolve another schema` : `version ${s.version} holds another schema on the target` });
      continue;
    }
    const byId = targetById.get(s.id);
    if (byId && !sameSchema(byId.schema, s.schema)) {
      items.push({ ...base, action: 'conflict', reason: `schema id ${s.id} is taken on the target by another schema` });
      continue;
    }
    items.push({ ...base, action: 'create' });
  }
  const compat = Object.entries(compatibility.source)
    .filter(([subject]) => source.some((s) => s.subject === subject))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([subject, level]) => ({ subject, level, ...(compatibility.target[subject] ? { target: compatibility.target[subject] } : {}) }));
  return {
    items,
    compatibility: compat,
    summary: {
      create: items.filter((i) => i.action === 'create').length,
      present: items.filter((i) => i.action === 'present').length,
      conflict: items.filter((i) => i.action === 'conflict').length,
    },
  };
}

export interface RegistryRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  body?: Record<string, unknown>;
}

/** The Confluent IMPORT-mode sequence for the versions to create, subject by subject, lowest id first. */
export function importModeRequests(versions: readonly SubjectVersion[]): RegistryRequest[] {
  const bySubject = new Map<string, SubjectVersion[]>();
  for (const v of [...versions].sort((a, b) => a.id - b.id || a.version - b.version)) {
    const list = bySubject.get(v.subject) ?? [];
    list.push(v);
    bySubject.set(v.subject, list);
  }
  const out: RegistryRequest[] = [];
  for (const [subject, list] of bySubject) {
    const path = `/subjects/${encodeURIComponent(subject)}/versions`;
    out.push({ method: 'PUT', path: `/mode/${encodeURIComponent(subject)}?force=true`, body: { mode: 'IMPORT' } });
    for (const v of list.sort((a, b) => a.version - b.version)) {
      const body: Record<string, unknown> = { schema: v.schema, id: v.id, version: v.version };
      if (v.schemaType !== 'AVRO') body.schemaType = v.schemaType;
      if (v.references.length > 0) body.references = v.references;
      out.push({ method: 'POST', path, body });
    }
    out.push({ method: 'DELETE', path: `/mode/${encodeURIComponent(subject)}` });
  }
  return out;
}

interface ApicurioReference {
  groupId: null;
  artifactId: string;
  version: string;
  name: string;
}

/**
 * An Apicurio Registry 2.x import archive holding `versions`: one content entity per schema id
 * (content id = the source's id) and one artifact version per subject version. Global ids are left
 * for the target to assign (import with X-Registry-Preserve-GlobalId: false).
 */
export function apicurioImportArchive(versions: readonly SubjectVersion[]): Buffer {
  const sorted = [...versions].sort((a, b) => a.id - b.id || a.subject.localeCompare(b.subject) || a.version - b.version);
  const entries: { name: string; data: string }[] = [
    { name: 'manifest.Manifest.json', data: JSON.stringify({ systemVersion: 'zdp', systemName: 'zdp migrate', systemDescription: 'subjects copied by zdp with their schema ids', exportVersion: '1.0', exportedOn: 0, exportedBy: 'zdp' }) },
  ];
  const contentSeen = new Set<number>();
  for (const v of sorted) {
    if (contentSeen.has(v.id)) continue;
    contentSeen.add(v.id);
    const hash = createHash('sha256').update(v.schema, 'utf8').digest('hex');
    const refs: ApicurioReference[] = v.references.map((r: SchemaReference) => ({ groupId: null, artifactId: r.subject, version: String(r.version), name: r.name }));
    entries.push(
      { name: `content/${hash}.Content.json`, data: JSON.stringify({ contentId: v.id, canonicalHash: null, contentHash: hash, artifactType: v.schemaType, serializedReferences: refs.length > 0 ? JSON.stringify(refs) : null }) },
      { name: `content/${hash}.Content.data`, data: v.schema },
    );
  }
  const latest = new Map<string, number>();
  for (const v of sorted) latest.set(v.subject, Math.max(latest.get(v.subject) ?? 0, v.version));
  for (const v of [...sorted].sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version)) {
    entries.push({
      name: `groups/default/artifacts/${v.subject}/versions/${v.version}.ArtifactVersion.json`,
      data: JSON.stringify({ globalId: null, groupId: null, artifactId: v.subject, version: String(v.version), versionId: v.version, artifactType: v.schemaType, state: 'ENABLED', name: null, description: null, createdBy: 'zdp', createdOn: 0, labels: null, properties: null, isLatest: latest.get(v.subject) === v.version, contentId: v.id }),
    });
  }
  return writeZip(entries);
}

/**
 * zdp migrate copies schema-registry subjects from the source's Apicurio Registry to the target's
 * with their schema ids, versions and compatibility levels kept (records are replicated byte for
 * byte and carry the source's ids); a second run copies nothing, and a target whose registry holds
 * another schema under a version is refused with nothing created.
 */
import { describe, expect, inject, it, beforeAll, afterAll } from 'vitest';
import { createTopics, harnessKafka, harnessProfile, runZdp, uniqueName } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');
const JSON_CT = { 'Content-Type': 'application/vnd.schemaregistry.v1+json' };

async function sr<T>(side: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const url = harnessProfile(projectDir, side).schemaRegistry!.url;
  const r = await fetch(`${url}${path}`, { method, headers: JSON_CT, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.text();
  return { status: r.status, json: (text ? JSON.parse(text) : undefined) as T };
}

const avro = (name: string, extra: object[] = []) => JSON.stringify({ type: 'record', name, namespace: 'zdp.test', fields: [{ name: 'id', type: 'string' }, ...extra] });

describe('zdp migrate copies schema-registry subjects with their ids', () => {
  const topic = uniqueName('regmig.payments');
  const subject = `${topic}-value`;
  const jsonSubject = `${topic}-key`;
  const conflicting = `${topic}.conflict-value`;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    await createTopics(harnessKafka(projectDir, 'source'), [{ topic, numPartitions: 2 }]);
    ids.v1 = (await sr<{ id: number }>('source', 'POST', `/subjects/${subject}/versions`, { schema: avro('Payment') })).json.id;
    ids.v2 = (await sr<{ id: number }>('source', 'POST', `/subjects/${subject}/versions`, { schema: avro('Payment', [{ name: 'amount', type: ['null', 'long'], default: null }]) })).json.id;
    ids.key = (await sr<{ id: number }>('source', 'POST', `/subjects/${jsonSubject}/versions`, { schemaType: 'JSON', schema: JSON.stringify({ type: 'object', properties: { id: { type: 'string' } } }) })).json.id;
    expect((await sr('source', 'PUT', `/config/${subject}`, { compatibility: 'FULL' })).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await sr('target', 'DELETE', `/subjects/${conflicting}`);
  });

  it('plans the copy through Apicurio import and copies versions with the same ids; a second run copies nothing', async () => {
    const plan = await runZdp(['migrate', 'plan', '--from', 'source', '--to', 'target', '--topic', topic, '--json'], { cwd: projectDir });
    expect(plan.code, plan.stderr).toBe(0);
    const p = JSON.parse(plan.stdout);
    expect(p.subjects.method).toBe('apicurio');
    const mine = p.subjects.items.filter((i: { subject: string }) => i.subject.startsWith(topic));
    expect(mine).toEqual([
      { subject: jsonSubject, version: 1, id: ids.key, schemaType: 'JSON', action: 'create' },
      { subject, version: 1, id: ids.v1, schemaType: 'AVRO', action: 'create' },
      { subject, version: 2, id: ids.v2, schemaType: 'AVRO', action: 'create' },
    ]);

    const apply = await runZdp(['migrate', '--from', 'source', '--to', 'target', '--topic', topic, '--yes', '--json'], { cwd: projectDir });
    expect(apply.code, apply.stderr).toBe(0);
    const a = JSON.parse(apply.stdout);
    expect(a.created).toEqual([topic]);
    expect(a.subjects).toEqual(expect.arrayContaining([`${subject} v1 (id ${ids.v1})`, `${subject} v2 (id ${ids.v2})`, `${jsonSubject} v1 (id ${ids.key})`]));
    expect(a.compatibility).toContain(`${subject}=FULL`);

    for (const [version, id] of [[1, ids.v1], [2, ids.v2]] as const) {
      const s = await sr<{ id: number; schema: string }>('source', 'GET', `/subjects/${subject}/versions/${version}`);
      const t = await sr<{ id: number; schema: string }>('target', 'GET', `/subjects/${subject}/versions/${version}`);
      expect(t.json.id).toBe(id);
      expect(t.json.schema).toBe(s.json.schema);
      // what a consumer on the target resolves for a record's id
      expect((await sr<{ schema: string }>('target', 'GET', `/schemas/ids/${id}`)).json.schema).toBe(s.json.schema);
    }
    expect((await sr<{ schemaType?: string }>('target', 'GET', `/subjects/${jsonSubject}/versions/1`)).json.schemaType).toBe('JSON');
    expect((await sr<{ compatibilityLevel: string }>('target', 'GET', `/config/${subject}`)).json.compatibilityLevel).toBe('FULL');

    const again = await runZdp(['migrate', '--from', 'source', '--to', 'target', '--topic', topic, '--yes', '--json'], { cwd: projectDir });
    expect(again.code, again.stderr).toBe(0);
    const b = JSON.parse(again.stdout);
    expect(b.created).toEqual([]);
    expect(b.subjects.filter((x: string) => x.startsWith(topic))).toEqual([]);
    expect(b.compatibility.filter((x: string) => x.startsWith(topic))).toEqual([]);
  });

  it('refuses a target registry that holds another schema under a version, creating nothing (exit 7)', async () => {
    await sr('source', 'POST', `/subjects/${conflicting}/versions`, { schema: avro('Conflict') });
    const other = await sr<{ id: number }>('target', 'POST', `/subjects/${conflicting}/versions`, { schema: avro('SomethingElse') });
    expect(other.status).toBe(200);
    const second = uniqueName('regmig.more');
    await createTopics(harnessKafka(projectDir, 'source'), [{ topic: second, numPartitions: 1 }]);
    const r = await runZdp(['migrate', '--from', 'source', '--to', 'target', '--topic', second, '--yes'], { cwd: projectDir });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain(`${conflicting} v1:`);
    expect(r.stderr).toContain('nothing was created');
    const admin = harnessKafka(projectDir, 'target').admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain(second);
    await admin.disconnect();
    // --no-subjects leaves the registry alone and migrates the topic
    const without = await runZdp(['migrate', '--from', 'source', '--to', 'target', '--topic', second, '--no-subjects', '--yes', '--json'], { cwd: projectDir });
    expect(without.code, without.stderr).toBe(0);
    expect(JSON.parse(without.stdout).created).toEqual([second]);
  });
});

/**
 * zdp migrate between two authenticated clusters with authorizers: Kafka 3.9 with SASL/SCRAM in
 * plain text ("secure-legacy") to Kafka 4.x with SASL/SCRAM over TLS ("secure"). ACLs of the
 * migrated topic are planned, created and found present on a second run; MirrorMaker 2 logs in to
 * both with the profiles' credentials (never written into its config or any output) and copies every
 * record byte-identical.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePorts } from '../../src/processes/ports.js';
import { createTopics, harnessKafka, harnessProfile, caughtUpReplica, runZdp, uniqueName } from '../harness/helpers.js';

const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;
const projectDir = inject('zdpProjectDir');
const stateDir = inject('zdpStateDir');
const FROM = 'secure-legacy';
const TO = 'secure';

async function targetAcls(topic: string) {
  const admin = harnessKafka(projectDir, TO).admin();
  await admin.connect();
  try {
    const r = await admin.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
    return r.resources.filter((x) => x.resourceName.startsWith(topic.slice(0, 12)) || x.resourceName === `${topic}-billing`).flatMap((x) => x.acls.map((a) => `${x.resourceType}:${x.resourceName}:${x.resourcePatternType}:${a.principal}:${a.operation}:${a.permissionType}`)).sort();
  } finally {
    await admin.disconnect();
  }
}

describe('zdp migrate between SASL/SCRAM clusters with authorizers', () => {
  const topic = uniqueName('secmig.orders');
  const unrelated = uniqueName('secmig.unrelated');
  const passwords = [FROM, TO].map((n) => readFileSync(harnessProfile(projectDir, n).sasl!.password.file!, 'utf8').trim());
  let restPort: number;

  beforeAll(async () => {
    const source = harnessKafka(projectDir, FROM);
    await createTopics(source, [{ topic, numPartitions: 3 }, { topic: unrelated, numPartitions: 1 }]);
    const admin = source.admin();
    await admin.connect();
    await admin.createAcls({
      acl: [
        { resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:billing', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW },
        { resourceType: AclResourceTypes.TOPIC, resourceName: topic.slice(0, 12), resourcePatternType: ResourcePatternTypes.PREFIXED, principal: 'User:checkout', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW },
        { resourceType: AclResourceTypes.GROUP, resourceName: `${topic}-billing`, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:billing', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW },
        { resourceType: AclResourceTypes.TOPIC, resourceName: unrelated, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:other', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW },
      ],
    });
    await admin.disconnect();
    const producer = source.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const base = Date.now() - 60_000;
    for (let b = 0; b < 4; b++) {
      await producer.send({ topic, messages: Array.from({ length: 500 }, (_, i) => ({ key: `k-${b}-${i}`, value: Buffer.from(JSON.stringify({ b, i, s: 'ü€' })), headers: { trace: Buffer.from([b, i % 256, 0]) }, timestamp: String(base + b * 500 + i) })) });
    }
    await producer.disconnect();
    [restPort] = (await freePorts(1)) as [number];
  }, 180_000);

  afterAll(async () => {
    await runZdp(['migrate', 'stop', '--from', FROM, '--to', TO], { cwd: projectDir });
  });

  it('plans the ACLs of the selected topic (not those of other topics) and creates them, once', async () => {
    const plan = await runZdp(['migrate', 'plan', '--from', FROM, '--to', TO, '--topic', topic, '--json'], { cwd: projectDir });
    expect(plan.code, plan.stderr).toBe(0);
    const p = JSON.parse(plan.stdout);
    expect(p.acls.source.authorizer).toBe(true);
    expect(p.acls.target.authorizer).toBe(true);
    const mine = p.acls.items.filter((i: { binding: { principal: string } }) => ['User:billing', 'User:checkout', 'User:other'].includes(i.binding.principal));
    expect(mine.map((i: { action: string; binding: { resourceType: string; patternType: string } }) => `${i.action}:${i.binding.resourceType}:${i.binding.patternType}`).sort()).toEqual(['create:GROUP:LITERAL', 'create:TOPIC:LITERAL', 'create:TOPIC:PREFIXED']);
    expect(p.acls.notes.join(' ')).toContain('must exist on the target');

    const apply = await runZdp(['migrate', '--from', FROM, '--to', TO, '--topic', topic, '--yes', '--json'], { cwd: projectDir });
    expect(apply.code, apply.stderr).toBe(0);
    const a = JSON.parse(apply.stdout);
    expect(a.created).toEqual([topic]);
    expect(a.acls.filter((x: string) => /User:(billing|checkout)/.test(x))).toHaveLength(3);
    expect(await targetAcls(topic)).toEqual([
      `${AclResourceTypes.TOPIC}:${topic.slice(0, 12)}:${ResourcePatternTypes.PREFIXED}:User:checkout:${AclOperationTypes.WRITE}:${AclPermissionTypes.ALLOW}`,
      `${AclResourceTypes.TOPIC}:${topic}:${ResourcePatternTypes.LITERAL}:User:billing:${AclOperationTypes.READ}:${AclPermissionTypes.ALLOW}`,
      `${AclResourceTypes.GROUP}:${topic}-billing:${ResourcePatternTypes.LITERAL}:User:billing:${AclOperationTypes.READ}:${AclPermissionTypes.ALLOW}`,
    ].sort());

    const again = await runZdp(['migrate', '--from', FROM, '--to', TO, '--topic', topic, '--yes', '--json'], { cwd: projectDir });
    expect(again.code, again.stderr).toBe(0);
    const b = JSON.parse(again.stdout);
    expect(b.created).toEqual([]);
    expect(b.acls.filter((x: string) => /User:(billing|checkout)/.test(x))).toEqual([]);
    for (const out of [plan, apply, again]) for (const pw of passwords) expect(out.stdout + out.stderr).not.toContain(pw);
  });

  it('runs MirrorMaker 2 with SASL on both sides and TLS on the target: every record byte-identical', async () => {
    const start = await runZdp(['migrate', 'start', '--from', FROM, '--to', TO, '--topic', topic, '--rest-port', String(restPort), '--json'], { cwd: projectDir });
    expect(start.code, start.stderr).toBe(0);
    const { status, source: fromSource, target: fromTarget } = await caughtUpReplica(projectDir, projectDir, FROM, TO, topic, 2000);
    expect(fromTarget).toHaveLength(2000);
    expect(fromTarget).toEqual(fromSource);

    // the credentials live only in the 0600 secrets file, as references everywhere else
    const dir = join(stateDir, 'migrations', `${FROM}-to-${TO}`);
    const properties = readFileSync(join(dir, 'mm2.properties'), 'utf8');
    expect(properties).toContain('src.security.protocol = SASL_PLAINTEXT');
    expect(properties).toContain('tgt.security.protocol = SASL_SSL');
    expect(properties).toContain('tgt.ssl.truststore.type = PEM');
    expect(properties).toMatch(/password="\$\{file:[^}]+:src\.sasl\.password\}"/);
    expect(statSync(join(dir, 'mm2-secrets.properties')).mode & 0o777).toBe(0o600);
    const log = readFileSync(join(dir, 'logs', 'mm2.log'), 'utf8');
    for (const pw of passwords) {
      expect(properties).not.toContain(pw);
      expect(log).not.toContain(pw);
      expect(start.stdout + start.stderr + status.stdout + status.stderr).not.toContain(pw);
    }
  });
});

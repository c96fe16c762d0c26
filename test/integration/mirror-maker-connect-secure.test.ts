/**
 * zdp migrate start --engine connect between authenticated clusters: a Kafka Connect distributed
 * worker attached to the SASL/SCRAM-over-TLS Kafka 4.x cluster ("secure"), with Kafka's
 * FileConfigProvider configured as README says, runs MirrorMaker 2's connectors from the
 * SASL/SCRAM Kafka 3.9 cluster ("secure-legacy"). The connector configs zdp deploys hold only
 * ${file:...} references — the worker's REST API shows no password — and every record arrives
 * byte-identical.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTopics, FIXTURE_PRODUCER, harnessKafka, harnessProfile, caughtUpReplica, runZdp, startConnectWorker, uniqueName, type ConnectWorker } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');
const FROM = 'secure-legacy';
const TO = 'secure';

describe('MirrorMaker 2 on a Kafka Connect cluster between SASL/SCRAM clusters', () => {
  const topic = uniqueName('mmcsec.orders');
  const target = harnessProfile(projectDir, TO);
  const passwords = [FROM, TO].map((n) => readFileSync(harnessProfile(projectDir, n).sasl!.password.file!, 'utf8').trim());
  let worker: ConnectWorker | undefined;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    const source = harnessKafka(projectDir, FROM);
    await createTopics(source, [{ topic, numPartitions: 2 }]);
    const producer = source.producer(FIXTURE_PRODUCER);
    await producer.connect();
    const base = Date.now() - 60_000;
    await producer.send({ topic, messages: Array.from({ length: 700 }, (_, i) => ({ key: `k${i}`, value: Buffer.from([i % 256, 7, 0]), headers: { h: Buffer.from([i % 5]) }, timestamp: String(base + i) })) });
    await producer.disconnect();

    // the operator's worker config: its own credentials for the target, and FileConfigProvider
    const security = [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${target.sasl!.username}" password="${passwords[1]}";`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${target.tls!.caFile}`,
    ];
    worker = await startConnectWorker(target.bootstrapServers[0]!, [
      ...security,
      ...['producer.', 'consumer.', 'admin.'].flatMap((prefix) => security.map((l) => prefix + l)),
      'config.providers=file',
      'config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider',
    ]);
    url = worker.url;
    dir = worker.dir;
    // a project of its own (the dedicated-engine test migrates between the same clusters from the harness's)
    const legacy = harnessProfile(projectDir, FROM);
    const sasl = (p: typeof legacy) => `sasl: {mechanism: scram-sha-512, username: ${p.sasl!.username}, passwordFile: ${p.sasl!.password.file}}`;
    writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  ${FROM}: {bootstrapServers: [${legacy.bootstrapServers[0]}], ${sasl(legacy)}}\n  ${TO}: {bootstrapServers: [${target.bootstrapServers[0]}], tls: {enabled: true, caFile: ${target.tls!.caFile}}, ${sasl(target)}}\n`);
    const apply = await runZdp(['migrate', '--from', FROM, '--to', TO, '--topic', topic, '--no-acls', '--yes'], { cwd: dir });
    expect(apply.code, apply.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    if (dir) await runZdp(['migrate', 'stop', '--from', FROM, '--to', TO], { cwd: dir }).catch(() => undefined);
    worker?.stop();
  });

  it('deploys connectors whose configs hold only references, and copies every record byte-identical', async () => {
    const start = await runZdp(['migrate', 'start', '--from', FROM, '--to', TO, '--topic', topic, '--engine', 'connect', '--connect-url', url, '--json'], { cwd: dir, timeoutMs: 120_000 });
    expect(start.code, `${start.stderr}\n${worker!.log().slice(-3000)}`).toBe(0);
    const s = JSON.parse(start.stdout);
    for (const name of s.connectors as string[]) {
      const config = JSON.stringify(await (await fetch(`${url}/connectors/${name}/config`)).json());
      expect(config).toContain('source.cluster.security.protocol');
      expect(config).toMatch(/\$\{file:[^}]+:src\.sasl\.password\}/);
      for (const pw of passwords) expect(config).not.toContain(pw);
    }
    const { status, source: a, target: b } = await caughtUpReplica(projectDir, dir, FROM, TO, topic, 700);
    expect(b).toHaveLength(700);
    expect(b).toEqual(a);
    for (const out of [start, status]) for (const pw of passwords) expect(out.stdout + out.stderr).not.toContain(pw);
  });
});

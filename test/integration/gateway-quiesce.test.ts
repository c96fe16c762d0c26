/**
 * The hold of zdp's filter (java/ZdpKroxylicious.java, ZdpQuiesce) with a real Kroxylicious in front
 * of the harness's source cluster: a send whose first request was forwarded before the hold has its
 * other requests forwarded in it (else kafkajs keeps the answer it got and, retrying after a switch,
 * skips partitions: acknowledged, never written — tulios/kafkajs#1303); the producer's next send is
 * held until the release, not failed.
 *
 * One kafkajs send to several brokers is played by two producers with one client id (the filter tells
 * producers without idempotence apart by client id only), each on its own connection. The window in
 * which a send's requests count as one send is widened with JAVA_TOOL_OPTIONS (the JVM's own
 * variable), so that a loaded CI host does not decide the outcome.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafka } from '../../src/kafka/client.js';
import { createTopicsAndWait } from '../../src/kafka/topics.js';
import { QuiesceEndpoint } from '../../src/gateway/quiesce.js';
import { readControlToken, readGateway } from '../../src/processes/kroxylicious.js';
import { freePorts } from '../../src/processes/ports.js';
import { eventually, harnessKafka, harnessProfile, runZdp, uniqueName } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');
const SPREAD_MS = 3_000;
const env = { ...process.env, JAVA_TOOL_OPTIONS: `-Dzdp.sendSpreadMs=${SPREAD_MS}` };

/** Settles to 'acked' or 'failed', or stays 'pending'. */
function track(p: Promise<unknown>): { state: 'pending' | 'acked' | 'failed'; at?: number } {
  const t: { state: 'pending' | 'acked' | 'failed'; at?: number } = { state: 'pending' };
  p.then(
    () => Object.assign(t, { state: 'acked', at: Date.now() }),
    () => Object.assign(t, { state: 'failed', at: Date.now() }),
  );
  return t;
}

describe("zdp's filter holds producers without splitting a send", () => {
  let dir: string;
  let listenPort: number;
  let control: QuiesceEndpoint;
  const kafkas: Kafka[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zdp-hold-'));
    const source = harnessProfile(projectDir, 'source');
    writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [${source.bootstrapServers[0]}]}\n`);
    let managementPort: number;
    for (;;) {
      const [p, m] = await freePorts(2);
      listenPort = p!;
      managementPort = m!;
      if (managementPort < listenPort || managementPort > listenPort + 5) break;
    }
    const up = await runZdp(['gateway', 'up', '--cluster', 'source', '--listen', `127.0.0.1:${listenPort}`, '--management-port', String(managementPort), '--json'], { cwd: dir, env });
    expect(up.code, up.stderr).toBe(0);
    const stateDir = join(dir, '.zdp');
    control = new QuiesceEndpoint(`http://127.0.0.1:${String(readGateway(stateDir)!.controlPort)}`, readControlToken(stateDir));
  });
  afterAll(async () => {
    await control?.setPhase('serve').catch(() => {});
    await runZdp(['gateway', 'down'], { cwd: dir });
  });

  it('forwards the rest of a send begun before the hold, and holds the next send until the release', async () => {
    const topic = uniqueName('hold.split');
    const admin = harnessKafka(projectDir, 'source').admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic, numPartitions: 2 }]);
    const viaProxy = () => createKafka({ name: 'gateway', vendor: 'apache', bootstrapServers: [`127.0.0.1:${listenPort}`], timeoutMs: 10_000 }, { env: process.env, clientId: 'hold-app' });
    const [x, y] = [viaProxy(), viaProxy()].map((k) => (kafkas.push(k), k.producer({ allowAutoTopicCreation: false })));
    await x!.connect();
    await y!.connect();
    const send = (p: typeof x, i: number) => p!.send({ topic, messages: [{ partition: i % 2, key: `k${i}`, value: `v${i}` }] });
    // both know the topic's leaders; then their sends are older than the window
    await send(x, 0);
    await send(y, 1);
    await new Promise((r) => setTimeout(r, SPREAD_MS + 200));

    // the first request of a send, forwarded and answered before the hold
    await send(x, 2);
    const hold = control.setPhase('hold-producers', 20_000);
    await eventually(async () => ((await control.state()).phase === 'hold-producers' ? true : undefined), 10_000, 'the hold begun');
    // past the soft start of the hold (25 ms): only the send's own window lets a request through now
    await new Promise((r) => setTimeout(r, 200));
    const before = (await control.state()).siblingsForwarded ?? 0;
    // its request on the other connection: forwarded and answered while the hold lasts
    const sibling = track(send(y, 3));
    // the next send of the producer, on the connection its send already used: held, not failed
    const next = track(send(x, 4));
    await eventually(async () => (sibling.state !== 'pending' ? true : undefined), 10_000, 'the sibling request answered during the hold');
    expect(sibling.state).toBe('acked');
    const held = await control.state();
    expect(held.phase).toBe('hold-producers');
    expect(held.siblingsForwarded).toBe(before + 1);
    await eventually(async () => ((await control.state()).held >= 1 ? true : undefined), 10_000, 'the next send held');
    expect(next.state).toBe('pending');
    // in force only once the send's window is past and what was forwarded is answered
    const inForce = await hold;
    expect(inForce.inForce).toBe(true);
    expect(next.state).toBe('pending');
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((s, p) => s + Number(p.high), 0)).toBe(4);

    const releasedAt = Date.now();
    await control.setPhase('serve');
    await eventually(async () => (next.state !== 'pending' ? true : undefined), 10_000, 'the held send answered after the release');
    expect(next.state).toBe('acked');
    expect(next.at!).toBeGreaterThanOrEqual(releasedAt);
    const after = await admin.fetchTopicOffsets(topic);
    expect(after.reduce((s, p) => s + Number(p.high), 0)).toBe(5);
    await Promise.all([x!.disconnect(), y!.disconnect(), admin.disconnect()]);
  });

  it("is in force without waiting out the window when the producers' sends each went out on one connection", async () => {
    const topic = uniqueName('hold.solo');
    const admin = harnessKafka(projectDir, 'source').admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic, numPartitions: 2 }]);
    await admin.disconnect();
    // every send before is older than the window
    await new Promise((r) => setTimeout(r, SPREAD_MS + 200));
    const producer = createKafka({ name: 'gateway', vendor: 'apache', bootstrapServers: [`127.0.0.1:${listenPort}`], timeoutMs: 10_000 }, { env: process.env, clientId: 'hold-solo' }).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    // one broker: each send is one request on one connection, and has no request that could come later
    for (let i = 0; i < 3; i++) await producer.send({ topic, messages: [{ partition: i % 2, key: `k${i}`, value: `v${i}` }] });
    const started = Date.now();
    const state = await control.setPhase('hold-producers', 20_000);
    const tookMs = Date.now() - started;
    await control.setPhase('serve');
    await producer.disconnect();
    expect(state.inForce).toBe(true);
    expect(tookMs).toBeLessThan(SPREAD_MS / 2);
  });
});

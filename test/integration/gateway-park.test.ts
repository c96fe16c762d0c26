/**
 * zdp's filter parks kafkajs consumers in a hold (java/ZdpKroxylicious.java, parkedJoins): a kafkajs
 * consumer with a Fetch in flight when its connection closes takes that broker for gone, and with
 * none left it crashes ("No broker available") and restarts as a new member. Parked, it waits in a
 * rejoin instead; let go before the proxy stops (POST /v1/closing), it joins again as a new member
 * where it connects next, without a crash, and reads on from its committed offsets.
 *
 * A real Kroxylicious with the filter in front of the harness's source cluster, stopped and started
 * again on the same address as a switch does, and a kafkajs consumer at its defaults.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QuiesceEndpoint } from '../../src/gateway/quiesce.js';
import { readControlToken, readGateway } from '../../src/processes/kroxylicious.js';
import { createTopics, eventually, gatewayUp, harnessKafka, harnessProfile, runZdp, uniqueName } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

describe("zdp's filter: kafkajs consumers parked in a hold", () => {
  let dir: string;
  let listenPort: number;
  let managementPort: number;
  const stateDir = () => join(dir, '.zdp');
  const control = () => new QuiesceEndpoint(`http://127.0.0.1:${String(readGateway(stateDir())!.controlPort)}`, readControlToken(stateDir()));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zdp-park-'));
    const source = harnessProfile(projectDir, 'source');
    writeFileSync(join(dir, 'zdp.yaml'), `apiVersion: zdp/v1\nclusters:\n  source: {bootstrapServers: [${source.bootstrapServers[0]}]}\n`);
    const up = await gatewayUp(['--cluster', 'source', '--json'], { cwd: dir });
    expect(up.code, up.stderr).toBe(0);
    listenPort = up.listenPort;
    managementPort = up.managementPort;
  });
  afterAll(async () => {
    await runZdp(['gateway', 'down'], { cwd: dir });
  });

  it('has a kafkajs consumer wait in a rejoin, with no Fetch in flight, when the proxy stops: it reads on where the proxy comes back, without a crash, and reads nothing twice', async () => {
    const topic = uniqueName('park');
    await createTopics(harnessKafka(projectDir, 'source'), [{ topic, numPartitions: 1 }]);
    const producer = harnessKafka(projectDir, 'source').producer();
    await producer.connect();
    let seq = 0;
    const produce = async (n: number) => {
      for (let i = 0; i < n; i++) await producer.send({ topic, messages: [{ key: 'k', value: String(seq++) }] });
    };
    // a consumer at kafkajs's defaults (auto-commit after each batch, no isStale() check)
    const consumer = new Kafka({ clientId: 'kafkajs', brokers: [`127.0.0.1:${listenPort}`], logLevel: logLevel.NOTHING }).consumer({ groupId: uniqueName('park-app') });
    const read: number[] = [];
    const crashes: string[] = [];
    consumer.on(consumer.events.CRASH, (e) => crashes.push((e.payload.error as Error).message));
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void read.push(Number(message.value!.toString())) });
    try {
      await produce(20);
      await eventually(async () => (read.length >= 20 ? true : undefined), 30_000, 'the first records read through the proxy');
      // the drain (no consumer commits on a timer: in force at once), then the hold
      expect((await control().setPhase('drain-consumers', 10_000)).phase).toBe('drain-consumers');
      await new Promise((r) => setTimeout(r, 1_000));
      await control().setPhase('hold-producers', 10_000);
      // its waiting Fetch answered NOT_LEADER_OR_FOLLOWER: it refreshes its metadata and rejoins, and that join is held
      const parked = await eventually(async () => {
        const s = await control().state();
        return (s.fetchesParked ?? 0) >= 1 && (s.joinsParked ?? 0) >= 1 ? s : undefined;
      }, 10_000, 'the consumer parked in a rejoin');
      expect(parked.phase).toBe('hold-producers');
      await control().closing();
      expect((await control().state()).joinsLetGo).toBeGreaterThanOrEqual(1);
      // the proxy goes, and comes back on the same address (as the standby of a switch binds)
      const down = await runZdp(['gateway', 'down'], { cwd: dir });
      expect(down.code, down.stderr).toBe(0);
      const up = await runZdp(['gateway', 'up', '--cluster', 'source', '--listen', `127.0.0.1:${listenPort}`, '--management-port', String(managementPort)], { cwd: dir });
      expect(up.code, up.stderr).toBe(0);
      await produce(20);
      await eventually(async () => (new Set(read).size >= 40 ? true : undefined), 60_000, 'every record read after the proxy came back');
      expect(crashes).toEqual([]);
      // each record once: what it read before the hold was committed, and it joined again from there
      expect(read.length).toBe(40);
      expect([...read].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    } finally {
      await consumer.disconnect().catch(() => {});
      await producer.disconnect().catch(() => {});
    }
  });

  it('sends the held JoinGroup on when the hold ends in serve (a cutover rolled back before its switch): the consumer rejoins its group and reads on, nothing twice', async () => {
    const topic = uniqueName('park-back');
    await createTopics(harnessKafka(projectDir, 'source'), [{ topic, numPartitions: 1 }]);
    const producer = harnessKafka(projectDir, 'source').producer();
    await producer.connect();
    let seq = 0;
    const produce = async (n: number) => {
      for (let i = 0; i < n; i++) await producer.send({ topic, messages: [{ key: 'k', value: String(seq++) }] });
    };
    const consumer = new Kafka({ clientId: 'kafkajs', brokers: [`127.0.0.1:${listenPort}`], logLevel: logLevel.NOTHING }).consumer({ groupId: uniqueName('park-back-app') });
    const read: number[] = [];
    const crashes: string[] = [];
    let joins = 0;
    consumer.on(consumer.events.CRASH, (e) => crashes.push((e.payload.error as Error).message));
    consumer.on(consumer.events.GROUP_JOIN, () => joins++);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void read.push(Number(message.value!.toString())) });
    try {
      await produce(10);
      await eventually(async () => (read.length >= 10 ? true : undefined), 30_000, 'the first records read through the proxy');
      const before = await control().state();
      await control().setPhase('drain-consumers', 10_000);
      await new Promise((r) => setTimeout(r, 1_000));
      await control().setPhase('hold-producers', 10_000);
      await eventually(async () => ((await control().state()).joinsParked ?? 0) > (before.joinsParked ?? 0) ? true : undefined, 10_000, 'the consumer parked in a rejoin');
      const joinsBefore = joins;
      await control().setPhase('serve');
      await eventually(async () => (joins > joinsBefore ? true : undefined), 30_000, 'the consumer joined its group again');
      await produce(10);
      await eventually(async () => (new Set(read).size >= 20 ? true : undefined), 30_000, 'every record read after the hold');
      expect(crashes).toEqual([]);
      expect(read.length).toBe(20);
      expect([...read].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    } finally {
      await consumer.disconnect().catch(() => {});
      await producer.disconnect().catch(() => {});
    }
  });
});

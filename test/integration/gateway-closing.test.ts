/**
 * An instance about to stop answers the Fetches of kafkajs consumers first (POST /v1/closing, and a
 * switch in process does the same): a kafkajs consumer whose Fetch is in flight when its connection
 * closes takes that broker for gone, and with none left it crashes ("No broker available") and
 * restarts as a new member. Answered KAFKA_STORAGE_ERROR, it fetches again after its retry backoff,
 * keeps its brokers, and rejoins where the proxy binds next. Its connection is closed after that
 * answer: left open until the instance went, it took the consumer's next Fetch when the client's
 * event loop ran late (its retry timer ran before it read the close), and the consumer crashed all
 * the same (two of five in a fleet benchmark run).
 *
 * A real Kroxylicious with zdp's launcher and filter, switchable between two configurations of the
 * harness's source cluster (-Dzdp.clusters), and a kafkajs consumer at its defaults.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { QuiesceEndpoint } from '../../src/gateway/quiesce.js';
import { createTopics, eventually, harnessKafka, harnessProfile, switchableProxyFixture, uniqueName } from '../harness/helpers.js';
import { exchange, fetchError, fetchRequest, KAFKA_STORAGE_ERROR } from '../harness/raw-kafka.js';

const projectDir = inject('zdpProjectDir');

describe("zdp's filter: closing before an instance stops", () => {
  let dir: string;
  let listen: number;
  let child: ChildProcess | undefined;
  let control: QuiesceEndpoint;

  beforeAll(async () => {
    const source = harnessProfile(projectDir, 'source');
    // two names for the same cluster: a switch between them closes the proxy and binds the other, as a switch to another cluster does
    ({ dir, listen, child, control } = await switchableProxyFixture('closing', { a: source.bootstrapServers, b: source.bootstrapServers }, 'a'));
  }, 180_000);

  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('answers a waiting kafkajs Fetch before the proxy closes in a switch: the consumer does not crash, rejoins behind the gate, and reads each record once', async () => {
    const topic = uniqueName('closing');
    await createTopics(harnessKafka(projectDir, 'source'), [{ topic, numPartitions: 3 }]);
    const producer = harnessKafka(projectDir, 'source').producer();
    await producer.connect();
    let seq = 0;
    const produce = async (n: number) => {
      for (let i = 0; i < n; i++) await producer.send({ topic, messages: [{ key: String(i % 3), value: String(seq++) }] });
    };
    // a consumer at kafkajs's defaults (auto-commit after each batch, no isStale() check)
    const consumer = new Kafka({ clientId: 'kafkajs', brokers: [`127.0.0.1:${listen}`], logLevel: logLevel.NOTHING }).consumer({ groupId: uniqueName('closing-app') });
    const read: number[] = [];
    const crashes: string[] = [];
    let joins = 0;
    consumer.on(consumer.events.CRASH, (e) => crashes.push((e.payload.error as Error).message));
    consumer.on(consumer.events.GROUP_JOIN, () => joins++);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void read.push(Number(message.value!.toString())) });
    try {
      await produce(30);
      await eventually(async () => (read.length >= 30 ? true : undefined), 30_000, 'the first records read through the proxy');
      // the drain (no consumer commits on a timer: in force at once), then the hold: every Fetch waits for its empty answer
      expect((await control.setPhase('drain-consumers', 10_000)).phase).toBe('drain-consumers');
      await control.setPhase('hold-producers', 10_000);
      const drained = (await control.state()).drainedFetches;
      await eventually(async () => ((await control.state()).drainedFetches > drained ? true : undefined), 10_000, 'a Fetch of the consumer waiting for its empty answer');
      const joinsBefore = joins;
      // the switch gates the consumer (it was seen here) and closes the proxy with its Fetches answered first
      const switched = await control.switchTo('b', ['kafkajs']);
      expect(switched.cluster).toBe('b');
      expect(switched.fetchesAnsweredClosing).toBeGreaterThanOrEqual(1);
      expect(readFileSync(join(dir, 'proxy.log'), 'utf8')).toMatch(/zdp: closing: [1-9]\d* waiting Fetch(es)? of clients that name no software answered KAFKA_STORAGE_ERROR/);
      // the new proxy's broker port bound to its broker at once: the consumer's retry, on a new
      // connection, does not meet Kroxylicious's learner (which took a Fetch and crashed the consumer
      // in a CI run, where learning the brokers through the proxy took 0.5 s)
      expect(readFileSync(join(dir, 'proxy.log'), 'utf8')).toMatch(/zdp: bound the ports of 1 broker\(s\) on 1 gateway\(s\) to their brokers \d+ ms after the bind/);
      expect((await control.setPhase('serve')).closing).toBe(false);
      // both names are one cluster here, where the consumer's old member is still in its group: the
      // join under a new member id waits for that member's session to end (kafkajs: 30 s from its
      // last heartbeat, before the hold), which a switch to another cluster does not
      await eventually(async () => (joins > joinsBefore ? true : undefined), 60_000, 'the consumer rejoined behind the gate');
      await produce(30);
      await eventually(async () => (new Set(read).size >= 60 ? true : undefined), 60_000, 'every record read after the switch');
      expect(crashes).toEqual([]);
      // told at its first fetch after the switch that its group rebalances: it rejoined once, however many fetchers it has
      expect(joins).toBe(joinsBefore + 1);
      // each record once: what it read before the hold was committed, and it rejoined from there
      expect(read.length).toBe(60);
      expect([...read].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
      expect((await control.state()).gated).toEqual([]);
    } finally {
      await consumer.disconnect().catch(() => {});
      await producer.disconnect().catch(() => {});
    }
  });

  it('closes the connection of every Fetch it answers while closing, waiting or new: no Fetch can be sent on it before the instance goes', async () => {
    const topic = uniqueName('closing-raw');
    await createTopics(harnessKafka(projectDir, 'source'), [{ topic, numPartitions: 1 }]);
    await control.setPhase('drain-consumers', 10_000);
    await control.setPhase('hold-producers', 10_000);
    try {
      // a Fetch (a client that names no software, max wait 5 s) waits for its empty answer
      const drained = (await control.state()).drainedFetches;
      const waiting = exchange(listen, fetchRequest(topic, 5_000), 8_000);
      await eventually(async () => ((await control.state()).drainedFetches > drained ? true : undefined), 10_000, 'the Fetch waiting for its empty answer');
      const closingAt = Date.now();
      await control.closing();
      const answered = await waiting;
      expect(answered.answer, 'the waiting Fetch answered at closing').toBeDefined();
      expect(fetchError(answered.answer!, topic)).toBe(KAFKA_STORAGE_ERROR);
      expect(answered.answeredAt! - closingAt).toBeLessThan(3_000);
      // and its connection closed after the answer, not left open until the instance goes
      expect(answered.closed).toBe(true);
      expect(answered.closedAt! - answered.answeredAt!).toBeLessThan(2_000);
      // a Fetch that comes after closing (the client's retry, on a new connection): the same at once
      const next = await exchange(listen, fetchRequest(topic, 5_000), 3_000);
      expect(fetchError(next.answer!, topic)).toBe(KAFKA_STORAGE_ERROR);
      expect(next.closed).toBe(true);
      expect((await control.state()).closing).toBe(true);
    } finally {
      expect((await control.setPhase('serve')).closing).toBe(false);
    }
  });

  it('gates, in a switch in process, only the members seen through the instance: a client id named for another instance is not waited for', async () => {
    // 'elsewhere' is a member of the fleet's drain on another instance: never seen here, never gated here
    const switched = await control.switchTo('a', ['elsewhere', 'elsewhere']);
    expect(switched.cluster).toBe('a');
    expect(switched.gated).toEqual([]);
    expect(readFileSync(join(dir, 'proxy.log'), 'utf8')).toMatch(/zdp: gating 0 of the fleet's 2 consumers: the others were not seen here/);
  });
});

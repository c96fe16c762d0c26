/**
 * A transactional producer across a switch in a hold. Its transaction cannot go on at the other
 * cluster (what it wrote is on the old one, and so is its coordinator), so the hold lets a
 * transaction open when it began end first, holds the next one from its start, and the switch has
 * the standby initialise the producer's transactional id on its cluster when that next transaction
 * begins: the producer goes on, unaware. A transaction still open when the hold's window for it
 * ends is cut, as before: its commit fails, and none of it is committed anywhere.
 *
 * A real Kroxylicious with zdp's launcher and filter, switchable between the harness's source
 * (Kafka 3.9) and target (Kafka 4) clusters, and kafkajs transactional producers with the settings
 * kafkajs requires for transactions and its defaults otherwise.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { QuiesceEndpoint } from '../../src/gateway/quiesce.js';
import { createTopics, eventually, harnessKafka, harnessProfile, switchableProxyFixture, uniqueName } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

/** A new topic of three partitions on both harness clusters. */
async function topicOnBoth(prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  for (const side of ['source', 'target']) await createTopics(harnessKafka(projectDir, side), [{ topic, numPartitions: 3 }]);
  return topic;
}

/** A kafkajs transactional producer through the proxy: the settings kafkajs requires for transactions, its defaults otherwise. */
function transactionalProducer(clientId: string, listen: number, transactionalId = uniqueName(clientId)) {
  return new Kafka({ clientId, brokers: [`127.0.0.1:${listen}`], logLevel: logLevel.NOTHING }).producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
}

/** Every committed value of a topic on a harness cluster (kafkajs reads committed records only), once at least `count` came and nothing more for a second. */
async function committedValues(side: string, topic: string, count: number): Promise<number[]> {
  const consumer = harnessKafka(projectDir, side).consumer({ groupId: uniqueName('tx-check') });
  const values: number[] = [];
  let lastAt = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      values.push(Number(message.value!.toString()));
      lastAt = Date.now();
    },
  });
  try {
    await eventually(async () => (values.length >= count && Date.now() - lastAt > 1_000 ? true : undefined), 60_000, `${count} committed records of ${topic} on the ${side}`);
  } finally {
    await consumer.disconnect();
  }
  return values;
}

describe("zdp's filter: transactions across a switch", () => {
  let dir: string;
  let listen: number;
  let child: ChildProcess | undefined;
  let control: QuiesceEndpoint;

  beforeAll(async () => {
    ({ dir, listen, child, control } = await switchableProxyFixture('transactions', { source: harnessProfile(projectDir, 'source').bootstrapServers, target: harnessProfile(projectDir, 'target').bootstrapServers }, 'source'));
  }, 180_000);

  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('carries a producer over between two of its transactions: it goes on at the other cluster with no error, each committed record once, on the cluster it was committed on', async () => {
    const topic = await topicOnBoth('tx-carried');
    const producer = transactionalProducer('tx-app', listen);
    await producer.connect();
    const committed: number[] = [];
    const errors: string[] = [];
    let seq = 0;
    let producing = true;
    // the switch comes between two transactions here (the next test has it come in one): while the
    // instance is switched nothing is bound, and kafkajs gives up on a coordinator lookup that
    // finds no broker ("Failed to find group coordinator"), which a switch in process, closing its
    // proxy for about 2 s, made likely in a CI run
    let pause: (() => void) | undefined;
    let idle: () => void = () => {};
    const paused = new Promise<void>((resolve) => (idle = resolve));
    let resume: () => void = () => {};
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    // an application's loop: a transaction of three records, committed, again and again
    const loop = (async () => {
      while (producing) {
        if (pause) {
          idle();
          await resumed;
          pause = undefined;
        }
        const records = [seq, seq + 1, seq + 2];
        seq += 3;
        try {
          const tx = await producer.transaction();
          await tx.send({ topic, messages: records.map((n) => ({ key: String(n % 3), value: String(n) })) });
          await tx.commit();
          committed.push(...records);
        } catch (error) {
          errors.push((error as Error).message);
          return;
        }
      }
    })();
    try {
      await eventually(async () => (committed.length >= 30 ? true : undefined), 30_000, 'transactions committed through the proxy');
      pause = () => {};
      await paused;
      expect((await control.setPhase('hold-producers', 10_000)).inForce).toBe(true);
      const held = await control.state();
      expect(held.transactionsEnded?.map((t) => t.producerEpoch)).toHaveLength(1);
      const beforeSwitch = committed.length;
      const switched = await control.switchTo('target', []);
      expect(switched.cluster).toBe('target');
      expect(readFileSync(join(dir, 'proxy.log'), 'utf8')).toMatch(/zdp: 1 transactional producer of the old cluster begin/);
      await control.setPhase('serve');
      resume();
      await eventually(async () => (committed.length >= beforeSwitch + 30 || errors.length > 0 ? true : undefined), 30_000, 'transactions committed after the switch');
      producing = false;
      await loop;
      expect(errors).toEqual([]);
      expect((await control.state()).transactionsCarriedOver).toBe(1);
      expect(readFileSync(join(dir, 'proxy.log'), 'utf8')).toMatch(/zdp: the transactional producer tx-app-\S+ of the old cluster \(producer id \d+\) goes on here as producer id \d+/);
      // what was committed before the switch is on the source, the rest on the target: each once
      const onSource = await committedValues('source', topic, beforeSwitch);
      const onTarget = await committedValues('target', topic, committed.length - beforeSwitch);
      expect([...onSource, ...onTarget].sort((a, b) => a - b)).toEqual([...committed].sort((a, b) => a - b));
      expect(onSource.every((n) => n < beforeSwitch)).toBe(true);
    } finally {
      producing = false;
      // a producer stuck in kafkajs's retries would keep the loop (and this test's failure) waiting
      await Promise.race([loop.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 5_000))]);
      await producer.disconnect().catch(() => {});
    }
  }, 120_000);

  it('lets a transaction open when the hold begins end in it, and carries its producer over; or, when the hold stopped waiting for it, cuts it, and its commit fails', async () => {
    const topic = await topicOnBoth('tx-open');
    const transactionalId = uniqueName('tx-open-app');
    const producer = transactionalProducer('tx-open-app', listen, transactionalId);
    await producer.connect();
    try {
      const from = (await control.state()).cluster!;
      const to = from === 'source' ? 'target' : 'source';
      const carried = (await control.state()).transactionsCarriedOver ?? 0;
      const open = await producer.transaction();
      await open.send({ topic, messages: [{ key: '1', value: '1' }] });
      // the hold begins with the transaction open and just used; its commit comes in the hold
      const holding = control.setPhase('hold-producers', 10_000);
      const committing = open.commit().then(() => 'committed', (e: Error) => e.message);
      expect((await holding).inForce).toBe(true);
      // a commit the hold did not let through waits until the switch (the hold stops waiting for a
      // transaction 300 ms after it began, or at once for one not used in the 200 ms before)
      const outcome = await Promise.race([committing, new Promise<string>((resolve) => setTimeout(() => resolve('held'), 2_000))]);
      const ended = (await control.state()).transactionsEnded?.some((t) => t.transactionalId === transactionalId) ?? false;
      await control.switchTo(to, []);
      await control.setPhase('serve');
      if (outcome === 'committed') {
        // ended in (or just before) the hold: named, carried over, its next transaction on the other cluster
        expect(ended).toBe(true);
        const next = await producer.transaction();
        await next.send({ topic, messages: [{ key: '2', value: '2' }] });
        await next.commit();
        expect((await control.state()).transactionsCarriedOver).toBe(carried + 1);
        expect(await committedValues(from, topic, 1)).toEqual([1]);
        expect(await committedValues(to, topic, 1)).toEqual([2]);
      } else {
        // cut: not named, its commit fails, nothing of it committed on the other cluster
        expect(ended).toBe(false);
        expect(readFileSync(join(dir, 'proxy.log'), 'utf8')).toMatch(/transaction\(s\) still open, refused after a switch/);
        expect(await committing).not.toBe('committed');
      }
    } finally {
      await producer.disconnect().catch(() => {});
    }
  }, 120_000);

  it('carries over a producer that initialised and has not begun a transaction yet: its first transaction is at the other cluster', async () => {
    const topic = await topicOnBoth('tx-fresh');
    const transactionalId = uniqueName('tx-fresh-app');
    const producer = transactionalProducer('tx-fresh-app', listen, transactionalId);
    await producer.connect();
    try {
      // kafkajs initialises its transactional id (InitProducerId) at its first transaction, and
      // sends nothing more for it until the transaction's first send
      const tx = await producer.transaction();
      expect((await control.setPhase('hold-producers', 10_000)).inForce).toBe(true);
      expect((await control.state()).transactionsEnded?.some((t) => t.transactionalId === transactionalId)).toBe(true);
      const carried = (await control.state()).transactionsCarriedOver ?? 0;
      const to = (await control.state()).cluster === 'source' ? 'target' : 'source';
      await control.switchTo(to, []);
      await control.setPhase('serve');
      await tx.send({ topic, messages: [{ key: '0', value: '7' }] });
      await tx.commit();
      expect((await control.state()).transactionsCarriedOver).toBe(carried + 1);
      expect(await committedValues(to, topic, 1)).toEqual([7]);
    } finally {
      await producer.disconnect().catch(() => {});
    }
  }, 120_000);

  it('cuts a transaction still open when the hold stops waiting for it: its commit fails and none of it is committed, and the producer begins again at the other cluster', async () => {
    const topic = await topicOnBoth('tx-cut');
    const transactionalId = uniqueName('tx-cut-app');
    const producer = transactionalProducer('tx-cut-app', listen, transactionalId);
    await producer.connect();
    try {
      const first = await producer.transaction();
      await first.send({ topic, messages: [{ key: '0', value: '0' }] });
      await first.commit();
      // a transaction the application keeps open through the hold
      const open = await producer.transaction();
      await open.send({ topic, messages: [{ key: '1', value: '1' }, { key: '2', value: '2' }] });
      expect((await control.setPhase('hold-producers', 10_000)).inForce).toBe(true);
      // the producer is not named: its transaction was open
      expect((await control.state()).transactionsEnded?.some((t) => t.transactionalId === transactionalId)).toBe(false);
      const back = (await control.state()).cluster === 'source' ? 'target' : 'source';
      const from = back === 'target' ? 'source' : 'target';
      await control.switchTo(back, []);
      await control.setPhase('serve');
      await expect(open.commit()).rejects.toThrow();
      await open.abort().catch(() => {});
      // the application starts a new producer, as after any fencing, and writes at the other cluster
      const again = transactionalProducer('tx-cut-app', listen, transactionalId);
      await again.connect();
      const tx = await again.transaction();
      await tx.send({ topic, messages: [{ key: '3', value: '3' }] });
      await tx.commit();
      await again.disconnect();
      expect(await committedValues(back, topic, 1)).toEqual([3]);
      // on the old cluster only what was committed there: the cut transaction's records never are (its coordinator aborts it at its timeout)
      expect(await committedValues(from, topic, 1)).toEqual([0]);
    } finally {
      await producer.disconnect().catch(() => {});
    }
  }, 120_000);
});

/**
 * An instance hands its addresses to its standby before its clients' connections close (POST
 * /v1/unbind, java/ZdpKroxylicious.java `unbind`): it stops listening, its connections and the
 * requests held on them stay, and a new listener binds the same ports beside them. The cutover then
 * binds the standby and only after that closes the old instance, so a client whose connection
 * closes reconnects to a proxy already listening. Closed first and bound after, the ports stayed
 * shut 30-120 ms after the clients' connections went, and a kafkajs client that reconnected at once
 * was refused and waited out its backoff (a fleet benchmark run).
 *
 * A real Kroxylicious started by `zdp gateway up` with zdp's filter, in front of the harness's
 * source cluster, a kafkajs producer at its defaults, and a plain Node listener standing in for the
 * standby's bind (the cutover tests bind a real standby).
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafka } from '../../src/kafka/client.js';
import { createTopicsAndWait } from '../../src/kafka/topics.js';
import type { QuiesceEndpoint } from '../../src/gateway/quiesce.js';
import { readGateway } from '../../src/processes/kroxylicious.js';
import { eventually, filterGatewayOnSource, harnessKafka, runZdp, track, uniqueName } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

/** 'refused' when nothing listens on the port, 'connected' when something does */
function connectTo(port: number): Promise<'refused' | 'connected'> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNREFUSED' ? resolve('refused') : reject(e)));
  });
}

/** A listener bound to the port (reusing the address, as Kroxylicious binds), closed again */
async function bindBeside(port: number): Promise<void> {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe("zdp's filter: an instance stops listening and keeps its connections", () => {
  let dir: string;
  let listenPort: number;
  let managementPort: number;
  let control: QuiesceEndpoint;

  /** a raw connection accepted before any unbind, and when it closed */
  let early: net.Socket;
  let earlyClosedAt: number | undefined;

  beforeAll(async () => {
    ({ dir, listenPort, managementPort, control } = await filterGatewayOnSource(projectDir, 'zdp-unbind-', process.env));
    early = net.connect(listenPort, '127.0.0.1');
    early.on('error', () => {});
    early.on('close', () => (earlyClosedAt = Date.now()));
    await new Promise((resolve) => early.once('connect', resolve));
  });
  afterAll(async () => {
    early?.destroy();
    await runZdp(['gateway', 'down'], { cwd: dir });
  });

  it('frees its ports for the standby while a held send waits on its connection, and answers that send on it afterwards', async () => {
    const topic = uniqueName('unbind');
    const admin = harnessKafka(projectDir, 'source').admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic, numPartitions: 1 }]);
    await admin.disconnect();
    const producer = createKafka({ name: 'gateway', vendor: 'apache', bootstrapServers: [`127.0.0.1:${listenPort}`], timeoutMs: 10_000 }, { env: process.env, clientId: 'unbind-app' }).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ value: 'before' }] });
      await control.setPhase('hold-producers', 10_000);
      const held = track(producer.send({ topic, messages: [{ value: 'held' }] }));
      await eventually(async () => ((await control.state()).held >= 1 ? true : undefined), 10_000, 'the send held');

      const ports = await control.unbind();
      // the bootstrap port and the broker ports the proxy had bound
      expect(ports).toContain(listenPort);
      expect(ports.length).toBeGreaterThanOrEqual(2);
      expect(readFileSync(join(dir, '.zdp', 'gateway', 'logs', 'gateway.log'), 'utf8')).toMatch(/zdp: unbound, listening no more on port\(s\) \[[\d, ]+\]; the connections stay until closing/);
      // nothing listens there now, and another process can bind every one of them, the management port too
      for (const port of ports) expect(await connectTo(port)).toBe('refused');
      for (const port of [...ports, managementPort]) await bindBeside(port);
      // asked again: nothing left to close
      expect(await control.unbind()).toEqual([]);

      // the connection stayed: the held send is answered on it at serve, and the next send goes the same way
      expect(held.state).toBe('pending');
      expect((await control.setPhase('serve')).phase).toBe('serve');
      await eventually(async () => (held.state !== 'pending' ? true : undefined), 15_000, 'the held send answered');
      expect(held.state).toBe('acked');
      await producer.send({ topic, messages: [{ value: 'after' }] });
      const consumer = harnessKafka(projectDir, 'source').consumer({ groupId: uniqueName('unbind-check') });
      const values: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
      await eventually(async () => (values.length >= 3 ? true : undefined), 30_000, 'the three records read from the cluster');
      await consumer.disconnect();
      expect(values).toEqual(['before', 'held', 'after']);
    } finally {
      await producer.disconnect().catch(() => {});
    }
  });

  it('closes its connections and exits the moment something listens on its bootstrap port again, when told to', async () => {
    await control.setPhase('serve');
    const pid = readGateway(join(dir, '.zdp'))!.pid!;
    // listening no more (the test before unbound it; alone, this one does), it waits for its standby
    await control.unbind({ closeWhenTaken: true, waitMs: 60_000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(pid)).toBe(true);
    // the connection accepted before any unbind is still open
    expect(earlyClosedAt).toBeUndefined();
    const standby = net.createServer((s) => s.destroy());
    const listening = await new Promise<number>((resolve) => standby.listen(listenPort, '127.0.0.1', () => resolve(Date.now())));
    try {
      await eventually(async () => (isAlive(pid) ? undefined : true), 15_000, 'the instance gone once something listened on its bootstrap port');
      await eventually(async () => earlyClosedAt, 5_000, 'the connection accepted before closed');
      expect(earlyClosedAt!).toBeGreaterThanOrEqual(listening);
      expect(readFileSync(join(dir, '.zdp', 'gateway', 'logs', 'gateway.log'), 'utf8')).toMatch(new RegExp(`zdp: the standby listens on port ${listenPort} \\d+ ms after the unbind: this instance closes its connections and exits`));
    } finally {
      await new Promise<void>((resolve) => standby.close(() => resolve()));
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

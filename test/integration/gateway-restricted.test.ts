/**
 * Connections Kroxylicious accepted on a broker port it has not bound to its broker yet
 * ("restricted": every connection a client opens between a bind and the proxy learning the
 * brokers, and every connection to the port of a node the cluster lacks). Kroxylicious takes the
 * first request of such a connection, unanswered, learns the brokers with it and closes the
 * connection. A kafkajs consumer whose Fetch is in flight then drops that broker (with none left it
 * crashes, "No broker available"), and a kafkajs coordinator lookup that every broker failed that
 * way gives up ("Failed to find group coordinator"): both seen in fleet benchmark runs. zdp's filter
 * answers a Fetch or FindCoordinator there itself, with an error the client retries, and closes the
 * connection after the answer.
 *
 * A real Kroxylicious with zdp's launcher and filter, started as a standby is (its cluster's
 * brokers read before the bind) but without learning the brokers at the bind, in front of the
 * harness's Kafka 4 cluster (one broker, node 1) with ports for nodes 1 and 2: node 1's port is
 * restricted until a client's Metadata goes through, node 2's for good. Raw Kafka requests, so
 * that what the client is answered (or not) is seen byte for byte.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QuiesceEndpoint } from '../../src/gateway/quiesce.js';
import { findJava } from '../../src/processes/java.js';
import { freePorts } from '../../src/processes/ports.js';
import { launcherSource, renderRuntimeConfig, resolveKroxylicious } from '../../src/processes/kroxylicious.js';
import { createTopics, eventually, freeBlock, harnessKafka, harnessProfile, uniqueName } from '../harness/helpers.js';

const projectDir = inject('zdpProjectDir');

const FETCH = 1;
const FIND_COORDINATOR = 10;
const KAFKA_STORAGE_ERROR = 56;
const COORDINATOR_NOT_AVAILABLE = 15;
const NOT_COORDINATOR = 16;

function str(s: string): Buffer {
  const b = Buffer.alloc(2 + Buffer.byteLength(s));
  b.writeInt16BE(Buffer.byteLength(s), 0);
  b.write(s, 2);
  return b;
}

function int(n: number, bytes: 1 | 2 | 4 | 8): Buffer {
  const b = Buffer.alloc(bytes);
  if (bytes === 1) b.writeInt8(n);
  else if (bytes === 2) b.writeInt16BE(n);
  else if (bytes === 4) b.writeInt32BE(n);
  else b.writeBigInt64BE(BigInt(n));
  return b;
}

/** One request, framed: a v1 header (api key, version, correlation id, client id) and its body. */
function frame(apiKey: number, version: number, body: Buffer): Buffer {
  const payload = Buffer.concat([int(apiKey, 2), int(version, 2), int(7, 4), str('kafkajs'), body]);
  return Buffer.concat([int(payload.length, 4), payload]);
}

/** FindCoordinator v1 for a group */
const findCoordinator = (group: string) => frame(FIND_COORDINATOR, 1, Buffer.concat([str(group), int(0, 1)]));

/** Fetch v4 of one partition from offset 0, as a client without fetch sessions (kafkajs) sends it: max wait 100 ms */
const fetchRequest = (topic: string) =>
  frame(FETCH, 4, Buffer.concat([int(-1, 4), int(100, 4), int(1, 4), int(1 << 20, 4), int(0, 1), int(1, 4), str(topic), int(1, 4), int(0, 4), int(0, 8), int(1 << 20, 4)]));

/** The error code of a FindCoordinator v1 answer (after correlation id and throttle time). */
const coordinatorError = (answer: Buffer) => answer.readInt16BE(8);

/** The error code of the first partition of a Fetch v4 answer for `topic`. */
const fetchError = (answer: Buffer, topic: string) => answer.readInt16BE(4 + 4 + 4 + 2 + Buffer.byteLength(topic) + 4 + 4);

/**
 * One request on a new connection: its answer (none when the connection closed first) and whether
 * the proxy closed the connection within `closeMs` of connecting.
 */
function exchange(port: number, request: Buffer, closeMs = 5_000): Promise<{ answer?: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let answer: Buffer | undefined;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...(answer ? { answer } : {}), closed });
    };
    const timer = setTimeout(() => finish(false), closeMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (d) => {
      received = Buffer.concat([received, d]);
      if (!answer && received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) answer = received.subarray(4, 4 + received.readInt32BE(0));
    });
    socket.on('close', () => finish(true));
    // a reset is a close too
    socket.on('error', () => {});
  });
}

describe("zdp's filter: requests on connections Kroxylicious has not bound to their broker", () => {
  let dir: string;
  let listen: number;
  let child: ChildProcess | undefined;
  let control: QuiesceEndpoint;
  const topic = uniqueName('restricted');
  /** the standby released while a port of its was taken (as by the instance it replaces, killed a moment before) */
  let whileTaken: { bound: boolean; boundFile: boolean; exited: boolean; boundAfterMs?: number; freedAt?: number } | undefined;
  let release: string;

  beforeAll(async () => {
    const target = harnessProfile(projectDir, 'target');
    await createTopics(harnessKafka(projectDir, 'target'), [{ topic, numPartitions: 1 }]);
    dir = mkdtempSync(join(tmpdir(), 'zdp-restricted-'));
    listen = await freeBlock(4);
    const [management, controlPort] = await freePorts(2, new Set([0, 1, 2, 3].map((k) => listen + k)));
    const token = 'restricted-test-token';
    writeFileSync(join(dir, 'control.token'), `${token}\n`, { mode: 0o600 });
    // ports for nodes 1 and 2 (listen + 1, listen + 2); the cluster has node 1 only
    writeFileSync(join(dir, 'proxy.yaml'), renderRuntimeConfig({ formatVersion: 1, cluster: 'target', bootstrapServers: target.bootstrapServers, bootstrapAddress: `127.0.0.1:${listen}`, managementPort: management!, nodeIds: { start: 1, end: 2 } }));
    const java = await findJava(process.env);
    const lib = await resolveKroxylicious(process.env, () => {});
    release = join(dir, 'standby.release');
    // Kroxylicious's own INFO lines, as the gateway logs them: the learner says when it closes a connection
    writeFileSync(join(dir, 'log4j2.properties'), 'status = error\nappender.out.type = Console\nappender.out.name = OUT\nappender.out.layout.type = PatternLayout\nappender.out.layout.pattern = [%d] %p %m (%c)%n\nrootLogger.level = WARN\nrootLogger.appenderRef.out.ref = OUT\nlogger.krx.name = io.kroxylicious\nlogger.krx.level = INFO\n');
    const log = openSync(join(dir, 'proxy.log'), 'a');
    // a standby (its cluster's brokers read while it waits), without -Dzdp.bootstrap: nothing
    // learns the brokers at the bind, so node 1's port stays restricted until a client's Metadata
    // released while the instance it replaces still dies (its ports taken), it binds once they are free
    const ports = [listen, listen + 1, listen + 2, management!];
    child = spawn(java.bin, ['-Xms64m', '-Xmx256m', `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`, '-Dzdp.bindAddress=127.0.0.1', `-Dzdp.upstream=${target.bootstrapServers.join(',')}`, `-Dzdp.standbyFile=${release}`, `-Dzdp.standbyPorts=${ports.join(',')}`, `-Dzdp.control.port=${controlPort}`, `-Dzdp.control.tokenFile=${join(dir, 'control.token')}`, '-cp', `${lib}/*`, launcherSource(), join(dir, 'proxy.yaml')], { stdio: ['ignore', log, log] });
    closeSync(log);
    await eventually(async () => (existsSync(`${release}.ready`) ? true : undefined), 120_000, 'the standby loaded');
    const dying = net.createServer();
    await new Promise<void>((resolve) => dying.listen(listen + 1, '127.0.0.1', resolve));
    writeFileSync(release, 'go\n');
    await new Promise((r) => setTimeout(r, 1_000));
    const bound = () => /listeners bound/.test(readFileSync(join(dir, 'proxy.log'), 'utf8'));
    whileTaken = { bound: bound(), boundFile: existsSync(`${release}.bound`), exited: child.exitCode !== null };
    await new Promise((r) => dying.close(r));
    const freedAt = Date.now();
    await eventually(async () => (bound() ? true : undefined), 30_000, 'the standby bound');
    whileTaken.boundAfterMs = Date.now() - freedAt;
    whileTaken.freedAt = freedAt;
    control = new QuiesceEndpoint(`http://127.0.0.1:${controlPort}`, token);
  }, 180_000);

  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('binds, once released, as soon as the ports of the instance it replaces are free, not before and not failing', () => {
    // zdp releases a standby as it kills the instance before it; the kernel frees that JVM's sockets
    // a few ms later. Released only once zdp's own process had seen them free, on a busy host, the
    // ports stayed closed 0.2-0.5 s, and reconnecting clients waited out their backoff
    expect(whileTaken).toMatchObject({ bound: false, boundFile: false, exited: false });
    expect(whileTaken!.boundAfterMs).toBeLessThan(2_000);
    expect(readFileSync(join(dir, 'proxy.log'), 'utf8')).toMatch(/the ports came free \d+ ms after the release/);
  });

  it('says it is bound in a file beside its release file, with the time it bound: zdp waits for that, not for the management port it binds only then', async () => {
    const boundAt = Number(await eventually(async () => (existsSync(`${release}.bound`) ? readFileSync(`${release}.bound`, 'utf8').trim() || undefined : undefined), 10_000, 'the bound file'));
    expect(boundAt).toBeGreaterThanOrEqual(whileTaken!.freedAt! - 1_000);
    expect(boundAt).toBeLessThanOrEqual(Date.now());
  });

  it("answers a Fetch and a FindCoordinator on the port of a node the cluster has, before the brokers are learned, with errors the client retries, then closes the connection", async () => {
    const before = (await control.state()).restrictedAnswered ?? 0;
    // a kafkajs consumer's Fetch: KAFKA_STORAGE_ERROR (it fetches again after its backoff, and keeps the broker)
    const fetched = await exchange(listen + 1, fetchRequest(topic));
    expect(fetched.answer, 'a Fetch answered, not dropped with its connection').toBeDefined();
    expect(fetchError(fetched.answer!, topic)).toBe(KAFKA_STORAGE_ERROR);
    expect(fetched.closed).toBe(true);
    // a coordinator lookup: asked again of the same broker, on a new connection
    const found = await exchange(listen + 1, findCoordinator(uniqueName('restricted-group')));
    expect(found.answer).toBeDefined();
    expect(coordinatorError(found.answer!)).toBe(COORDINATOR_NOT_AVAILABLE);
    expect(found.closed).toBe(true);
    expect((await control.state()).restrictedAnswered).toBe(before + 2);
    expect(readFileSync(join(dir, 'proxy.log'), 'utf8')).not.toMatch(/Closing upstream bootstrap connection/);
  });

  it("answers a FindCoordinator on the port of a node the cluster lacks at once, NOT_COORDINATOR (the client asks its next broker), and leaves a Fetch there to Kroxylicious", async () => {
    const before = (await control.state()).restrictedAnswered ?? 0;
    const found = await exchange(listen + 2, findCoordinator(uniqueName('restricted-group')));
    expect(found.answer).toBeDefined();
    expect(coordinatorError(found.answer!)).toBe(NOT_COORDINATOR);
    expect(found.closed).toBe(true);
    expect((await control.state()).restrictedAnswered).toBe(before + 1);
    // a Fetch to a broker that is not there: its connection closed under it is how kafkajs drops that broker
    const fetched = await exchange(listen + 2, fetchRequest(topic));
    expect(fetched.answer).toBeUndefined();
    expect(fetched.closed).toBe(true);
    expect((await control.state()).restrictedAnswered).toBe(before + 1);
    await eventually(async () => (/Closing upstream bootstrap connection/.test(readFileSync(join(dir, 'proxy.log'), 'utf8')) ? true : undefined), 10_000, "Kroxylicious's learner took the Fetch");
  });

  it('forwards a Fetch on a connection opened once the brokers are learned', async () => {
    // the learner's Metadata (in the test before) or this client's binds node 1's port to its broker
    const admin = new Kafka({ clientId: 'zdp-test', brokers: [`127.0.0.1:${listen}`], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: [topic] });
    } finally {
      await admin.disconnect();
    }
    const before = (await control.state()).restrictedAnswered ?? 0;
    const fetched = await eventually(async () => {
      const r = await exchange(listen + 1, fetchRequest(topic), 2_000);
      return r.answer && !r.closed ? r : undefined;
    }, 20_000, 'a Fetch on node 1 answered by the broker, its connection kept');
    expect(fetchError(fetched.answer!, topic)).toBe(0);
    expect((await control.state()).restrictedAnswered).toBe(before);
  });
});


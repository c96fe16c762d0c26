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
import { COORDINATOR_NOT_AVAILABLE, coordinatorError, exchange, fetchError, fetchRequest, findCoordinator, KAFKA_STORAGE_ERROR, NOT_COORDINATOR } from '../harness/raw-kafka.js';

const projectDir = inject('zdpProjectDir');

/**
 * A standby (its cluster's brokers read while it waits), without -Dzdp.bootstrap: no Metadata
 * request goes through it at the bind. In front of the harness's Kafka 4 cluster (one broker,
 * node 1), with ports for nodes 1 and 2 (listen + 1, listen + 2). Not released yet.
 */
async function startStandby(extra: string[]): Promise<{ dir: string; listen: number; child: ChildProcess; control: QuiesceEndpoint; release: string; ports: number[] }> {
  const target = harnessProfile(projectDir, 'target');
  const dir = mkdtempSync(join(tmpdir(), 'zdp-restricted-'));
  const listen = await freeBlock(4);
  const [management, controlPort] = await freePorts(2, new Set([0, 1, 2, 3].map((k) => listen + k)));
  const token = 'restricted-test-token';
  writeFileSync(join(dir, 'control.token'), `${token}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'proxy.yaml'), renderRuntimeConfig({ formatVersion: 1, cluster: 'target', bootstrapServers: target.bootstrapServers, bootstrapAddress: `127.0.0.1:${listen}`, managementPort: management!, nodeIds: { start: 1, end: 2 } }));
  const java = await findJava(process.env);
  const lib = await resolveKroxylicious(process.env, () => {});
  const release = join(dir, 'standby.release');
  // Kroxylicious's own INFO lines, as the gateway logs them: the learner says when it closes a connection
  writeFileSync(join(dir, 'log4j2.properties'), 'status = error\nappender.out.type = Console\nappender.out.name = OUT\nappender.out.layout.type = PatternLayout\nappender.out.layout.pattern = [%d] %p %m (%c)%n\nrootLogger.level = WARN\nrootLogger.appenderRef.out.ref = OUT\nlogger.krx.name = io.kroxylicious\nlogger.krx.level = INFO\n');
  const log = openSync(join(dir, 'proxy.log'), 'a');
  const ports = [listen, listen + 1, listen + 2, management!];
  const child = spawn(java.bin, ['-Xms64m', '-Xmx256m', `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`, '-Dzdp.bindAddress=127.0.0.1', `-Dzdp.upstream=${target.bootstrapServers.join(',')}`, `-Dzdp.standbyFile=${release}`, `-Dzdp.standbyPorts=${ports.join(',')}`, `-Dzdp.control.port=${controlPort}`, `-Dzdp.control.tokenFile=${join(dir, 'control.token')}`, ...extra, '-cp', `${lib}/*`, launcherSource(), join(dir, 'proxy.yaml')], { stdio: ['ignore', log, log] });
  closeSync(log);
  return { dir, listen, child, control: new QuiesceEndpoint(`http://127.0.0.1:${controlPort}`, token), release, ports };
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
    await createTopics(harnessKafka(projectDir, 'target'), [{ topic, numPartitions: 1 }]);
    // without binding the broker ports at the bind: node 1's port stays restricted until a client's Metadata
    ({ dir, listen, child, control, release } = await startStandby(['-Dzdp.bindBrokerPorts=false']));
    await eventually(async () => (existsSync(`${release}.ready`) ? true : undefined), 120_000, 'the standby loaded');
    const dying = net.createServer();
    await new Promise<void>((resolve) => dying.listen(listen + 1, '127.0.0.1', resolve));
    writeFileSync(release, 'go\n');
    await new Promise((r) => setTimeout(r, 1_000));
    const bound = () => /listeners bound/.test(readFileSync(join(dir, 'proxy.log'), 'utf8'));
    whileTaken = { bound: bound(), boundFile: existsSync(`${release}.bound`), exited: child!.exitCode !== null };
    await new Promise((r) => dying.close(r));
    const freedAt = Date.now();
    await eventually(async () => (bound() ? true : undefined), 30_000, 'the standby bound');
    whileTaken.boundAfterMs = Date.now() - freedAt;
    whileTaken.freedAt = freedAt;
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

describe("zdp's launcher: a released standby's broker ports bound to their brokers at once", () => {
  let dir: string;
  let listen: number;
  let child: ChildProcess | undefined;
  let control: QuiesceEndpoint;
  const topic = uniqueName('bound-at-once');

  beforeAll(async () => {
    await createTopics(harnessKafka(projectDir, 'target'), [{ topic, numPartitions: 1 }]);
    let release: string;
    ({ dir, listen, child, control, release } = await startStandby([]));
    await eventually(async () => (existsSync(`${release}.ready`) ? true : undefined), 120_000, 'the standby loaded');
    writeFileSync(release, 'go\n');
    await eventually(async () => (existsSync(`${release}.bound`) ? true : undefined), 30_000, 'the standby bound');
  }, 180_000);

  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it("forwards a Fetch on a broker's port as soon as it says it is bound, with no Metadata through it first: no connection restricted, none closed by Kroxylicious's learner", async () => {
    // what a consumer that reconnects at the switch sends first on its broker's port
    const fetched = await exchange(listen + 1, fetchRequest(topic), 2_000);
    expect(fetched.answer, 'the Fetch answered').toBeDefined();
    expect(fetchError(fetched.answer!, topic)).toBe(0);
    expect(fetched.closed).toBe(false);
    expect((await control.state()).restrictedAnswered ?? 0).toBe(0);
    const log = readFileSync(join(dir, 'proxy.log'), 'utf8');
    expect(log).toMatch(/zdp: bound the ports of 1 broker\(s\) on 1 gateway\(s\) to their brokers \d+ ms after the bind/);
    expect(log).not.toMatch(/Closing upstream bootstrap connection/);
  });
});

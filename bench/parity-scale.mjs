#!/usr/bin/env node
/**
 * Benchmark: `zdp parity` over many partitions and groups, beside Kafka's own
 * `kafka-consumer-groups.sh --describe --all-groups` on the same clusters.
 *
 *   npm run build && node bench/parity-scale.mjs [--topics 200] [--partitions 50] [--groups 50] [--records 5] [--brokers 1] [--keep]
 *
 * Starts its own local clusters with `zdp dev up`, creates topics x partitions on both, writes the
 * same records (same keys, values, headers and timestamps) to both so the target is a faithful
 * copy, commits offsets for each group on every partition of some topics (groups spread over all
 * topics), then times `zdp parity --json` (exact translation of every group offset plus a tail
 * fingerprint check of every partition) and ConsumerGroupCommand (which only reads offsets and
 * lag on one cluster). Prints one JSON object; stops everything it started.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { arg, log, machine, repo, run as runIn, zdp as zdpIn } from './lib.mjs';

const { Kafka, logLevel } = await import('kafkajs');
const { commitAsAdmin } = await import(join(repo, 'dist/kafka/offset-commit.js'));
const { freshCluster } = await import(join(repo, 'dist/kafka/reader.js'));

const TOPICS = Number(arg('topics', '200'));
const PARTITIONS = Number(arg('partitions', '50'));
const GROUPS = Number(arg('groups', '50'));
const RECORDS = Number(arg('records', '5'));
// brokers per cluster: partitions spread over them (replication factor 1), e.g. 20,000 partitions past one process's open-file limit
const BROKERS = Number(arg('brokers', '1'));
const zdp = (args) => zdpIn(dir, args);
const run = (cmd, args) => runIn(dir, cmd, args);

const topics = Array.from({ length: TOPICS }, (_, i) => `scale.t${String(i).padStart(4, '0')}`);
// a broker keeps every partition's active segment open: one file descriptor each, plus sockets and the JVM's own
const openFiles = (() => {
  try {
    return Number(/Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? Infinity);
  } catch {
    return Infinity;
  }
})();
if (Math.ceil((TOPICS * PARTITIONS) / BROKERS) * 1.2 + 2_000 > openFiles) {
  log(`${TOPICS * PARTITIONS} partitions on ${BROKERS} broker(s) need more than this machine's ${openFiles} open files per process (ulimit -n): spread them with --brokers ${Math.ceil((TOPICS * PARTITIONS * 1.2) / Math.max(1, openFiles - 2_000))}, raise the limit (ulimit -Hn needs root with CAP_SYS_RESOURCE) or use fewer partitions`);
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'zdp-bench-parity-'));
try {
  log('starting clusters');
  const up = await zdp(['dev', 'up', '--brokers', String(BROKERS)]);
  if (up.code !== 0) throw new Error(up.stderr);
  const profiles = parse(readFileSync(join(dir, '.zdp/dev/profiles.yaml'), 'utf8')).clusters;
  const ts = Date.now() - 3_600_000; // recent: older timestamps fall to the 7-day retention
  for (const side of ['source', 'target']) {
    const kafka = new Kafka({ brokers: profiles[side].bootstrapServers, logLevel: logLevel.NOTHING, requestTimeout: 120_000 });
    const admin = kafka.admin();
    await admin.connect();
    for (let i = 0; i < topics.length; i += 20) {
      // a single broker creating thousands of partitions answers "not host this topic-partition" for a while
      for (let attempt = 0; ; attempt++) {
        try {
          await admin.createTopics({ topics: topics.slice(i, i + 20).map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: false, timeout: 120_000 });
          break;
        } catch (e) {
          if (/already exists/i.test(e.message)) break;
          if (attempt > 30) throw e;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    }
    // one broker loading tens of thousands of new partitions takes minutes to lead them all: wait on a deadline, not a count
    const leadersBy = Date.now() + 30 * 60_000;
    for (const topic of topics) {
      for (;;) {
        try {
          await admin.fetchTopicOffsets(topic);
          break;
        } catch (e) {
          if (Date.now() > leadersBy) throw e;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    }
    log(`${side}: ${TOPICS * PARTITIONS} partitions created`);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 20, maxRetryTime: 5_000 } });
    await producer.connect();
    for (const topic of topics) {
      await producer.send({ topic, messages: Array.from({ length: PARTITIONS * RECORDS }, (_, i) => ({ partition: i % PARTITIONS, key: `k${i}`, value: `{"topic":"${topic}","i":${i}}`, headers: { n: String(i) }, timestamp: String(ts + i) })) });
    }
    await producer.disconnect();
    if (side === 'source') {
      // group g commits on topics g, g+G, g+2G, ... at an offset inside each partition
      for (let g = 0; g < GROUPS; g++) {
        const offsets = [];
        for (let t = g % TOPICS; t < TOPICS; t += GROUPS) for (let p = 0; p < PARTITIONS; p++) offsets.push({ topic: topics[t], partition: p, offset: BigInt((g + p) % (RECORDS + 1)) });
        await commitAsAdmin(freshCluster(kafka), `scale-group-${g}`, offsets);
      }
    }
    await admin.disconnect();
  }
  log('zdp parity');
  const parity = await zdp(['parity', '--from', 'source', '--to', 'target', '--topic', 'scale.*', '--json']);
  const report = parity.code === 0 || parity.code === 7 ? JSON.parse(parity.stdout) : undefined;
  if (!report) throw new Error(`zdp parity exited ${parity.code}: ${parity.stderr.slice(-2000)}`);
  log('kafka-consumer-groups --describe --all-groups');
  // Kafka's own tool (kafka-tools 3.9.2 from Maven Central; 4.4.0's is not served here), on the source
  writeFileSync(join(dir, 'pom.xml'), '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>bench</groupId><artifactId>tools</artifactId><version>1</version><packaging>pom</packaging><dependencies><dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>3.9.2</version></dependency><dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>1.7.36</version></dependency></dependencies></project>');
  const mvn = await run('mvn', ['-q', 'dependency:build-classpath', `-Dmdep.outputFile=${join(dir, 'cp.txt')}`]);
  if (mvn.code !== 0) throw new Error(`mvn: ${mvn.stdout.slice(-1000)}`);
  const cgc = await run('java', ['-Xmx512m', '-cp', readFileSync(join(dir, 'cp.txt'), 'utf8').trim(), 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', '--bootstrap-server', profiles.source.bootstrapServers[0], '--describe', '--all-groups']);
  if (cgc.code !== 0) log(`ConsumerGroupCommand: ${cgc.stderr.slice(-500)}`);
  const out = {
    benchmark: 'parity-scale',
    machine: machine(),
    partitions: TOPICS * PARTITIONS,
    brokersPerCluster: BROKERS,
    groups: GROUPS,
    groupPartitions: report.summary.groupPartitions,
    recordsPerPartition: RECORDS,
    zdpParity: { ms: Math.round(parity.ms), peakRssMB: Math.round(parity.peakRss / 2 ** 20), exit: parity.code, ok: report.summary.ok, mismatch: report.summary.mismatch },
    consumerGroupCommand: { ms: Math.round(cgc.ms), peakRssMB: Math.round(cgc.peakRss / 2 ** 20), exit: cgc.code, lines: cgc.stdout.split('\n').filter((l) => l.startsWith('scale-group')).length },
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  // --keep leaves the clusters up to profile zdp against them (cd <dir>; zdp parity ...); `zdp dev down --purge` there stops them
  if (process.argv.includes('--keep')) log(`clusters left running in ${dir}`);
  else await zdp(['dev', 'down', '--purge', '--yes']);
}
process.exit(0);

/** `zdp dev up|down|status|logs|fetch`: local Apache Kafka clusters as real processes. */
import { resolveMirrorMaker, MM2_VERSION } from '../processes/mirror-maker.js';
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { Option, type Command } from 'commander';
import type { CommandContext } from '../cli/main.js';
import { renderTable } from '../cli/render/table.js';
import { NotFoundError, UsageError, isZdpError, type ZdpError } from '../errors.js';
import { clientProtocol } from '../core/broker-config.js';
import {
  assertDevName,
  DEFAULT_DEV_CLUSTERS,
  defaultVersionSpec,
  devDir,
  isRunning,
  lastLogLines,
  listRecords,
  logFile,
  prepareDists,
  purgeDevCluster,
  readRecord,
  startDevCluster,
  stopDevCluster,
  type DevClusterRecord,
  type DevClusterSpec,
  type StartResult,
} from '../processes/dev-clusters.js';
import { DEFAULT_SOURCE_LINE, DEFAULT_TARGET_LINE, resolveKafkaDist } from '../processes/kafka-dist.js';
import { findJava } from '../processes/java.js';
import { resolveRegistryDist } from '../processes/registry.js';
import { KROXYLICIOUS_VERSION, resolveKroxylicious } from '../processes/kroxylicious.js';
import { ZDP_VERSION } from '../version.js';

interface UpOptions {
  kafkaVersion?: string;
  auth: 'none' | 'scram';
  tls: boolean;
  port?: string;
  timeout: string;
  registry: boolean;
}

function security(r: Pick<DevClusterRecord, 'auth' | 'tls'>): string {
  const p = clientProtocol(r);
  return r.auth === 'scram' ? `${p} (SCRAM-SHA-512/256)` : p;
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--port ${value} is not a port number (1-65535)`, { code: 'BAD_PORT' });
  return n;
}

export function registerDev(program: Command, ctx: CommandContext): void {
  const dev = program
    .command('dev')
    .description('run local Apache Kafka clusters (KRaft, loopback) for trying and testing zdp')
    .addHelpText('after', `
By default \`zdp dev up\` starts two clusters: "source" on Apache Kafka ${DEFAULT_SOURCE_LINE}.x and "target" on the newest
Apache Kafka ${DEFAULT_TARGET_LINE}.x, and adds them as profiles that later commands find by name. Jars come from KAFKA_HOME
when set, otherwise from Maven Central (once, cached in $ZDP_CACHE_DIR or ~/.cache/zdp).`);

  dev
    .command('up')
    .description('start local clusters (default: source and target); harmless when they already run')
    .argument('[names...]', 'cluster names (default: source target)')
    .option('--kafka-version <version>', `Apache Kafka release or line for the named clusters (default: source ${DEFAULT_SOURCE_LINE}, others ${DEFAULT_TARGET_LINE})`)
    .addOption(new Option('--auth <mode>', 'client authentication').choices(['none', 'scram']).default('none'))
    .option('--tls', 'serve clients over TLS with a locally generated CA', false)
    .option('--port <port>', 'client port (one cluster only; default: a free port)')
    .option('--registry', 'also run a schema registry (Apicurio Registry, Confluent-compatible API) for each cluster', false)
    .option('--timeout <seconds>', 'how long a broker may take to start', '120')
    .addHelpText('after', '\nExamples:\n  zdp dev up\n  zdp dev up secure --auth scram --tls\n  zdp dev up legacy --kafka-version 3.9.2 --port 19092')
    .action(async (names: string[], opts: UpOptions) => {
      const rt = ctx.runtime();
      const list = names.length > 0 ? [...new Set(names)] : [...DEFAULT_DEV_CLUSTERS];
      list.forEach(assertDevName);
      const port = parsePort(opts.port);
      if (port !== undefined && list.length > 1) throw new UsageError('--port applies to one cluster; name exactly one', { code: 'BAD_PORT' });
      const timeoutS = Number(opts.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError(`--timeout ${opts.timeout} is not a number of seconds`);
      const { stateDir } = rt.config();
      const specs: DevClusterSpec[] = list.map((name) => ({ name, versionSpec: opts.kafkaVersion ?? defaultVersionSpec(name), auth: opts.auth, tls: opts.tls, port, registry: opts.registry }));
      const devCtx = { stateDir, env: rt.env, log: (l: string) => rt.io.info(l), startTimeoutMs: timeoutS * 1000 };
      const prepared = await prepareDists(specs, devCtx);

      const startedNow: string[] = [];
      rt.onInterrupt(async () => {
        for (const name of startedNow) await stopDevCluster(stateDir, name);
      });
      const spinner = await rt.io.spinner(`starting ${list.join(', ')}…`);
      const results = await Promise.allSettled(
        specs.map(async (spec) => {
          const r = await startDevCluster(spec, devCtx, prepared);
          if (!r.alreadyRunning) startedNow.push(spec.name);
          return r;
        }),
      );
      spinner.stop();
      const ok = results.filter((r): r is PromiseFulfilledResult<StartResult> => r.status === 'fulfilled').map((r) => r.value);
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);

      if (rt.globals.json) {
        rt.io.outJson({
          kind: 'DevUp',
          version: 1,
          zdpVersion: ZDP_VERSION,
          stateDir,
          clusters: ok.map(({ record, alreadyRunning, startedMs }) => ({
            name: record.name,
            kafkaVersion: record.kafkaVersion,
            clusterId: record.clusterId,
            bootstrapServers: [`127.0.0.1:${record.ports.client}`],
            securityProtocol: clientProtocol(record),
            ...(record.registry ? { schemaRegistryUrl: `http://127.0.0.1:${record.registry.port}/apis/ccompat/v7` } : {}),
            pid: record.pid,
            alreadyRunning,
            startedMs: Math.round(startedMs),
          })),
          failed: failed.map((e) => (isZdpError(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: String(e) })),
        });
      } else if (ok.length > 0) {
        rt.io.out(renderTable(
          ['NAME', 'KAFKA', 'BOOTSTRAP', 'SECURITY', 'REGISTRY', 'STATE'],
          ok.map(({ record, alreadyRunning, startedMs }) => [
            record.name,
            record.kafkaVersion,
            `127.0.0.1:${record.ports.client}`,
            security(record),
            record.registry ? `127.0.0.1:${record.registry.port}` : '-',
            alreadyRunning ? 'already running' : `started in ${(startedMs / 1000).toFixed(1)}s`,
          ]),
        ));
      }
      if (failed.length > 0) throw failed[0] as ZdpError;
      rt.io.info(`Profiles written to ${relative(rt.cwd, devDir(stateDir)) || '.'}/profiles.yaml. Next: \`zdp cluster check ${list[0]}\``);
    });

  dev
    .command('down')
    .description('stop local clusters that zdp started (default: all); --purge also deletes their data')
    .argument('[names...]', 'cluster names (default: all)')
    .option('--purge', 'delete data, logs, certificates and profiles too (asks first)', false)
    .action(async (names: string[], opts: { purge: boolean }) => {
      const rt = ctx.runtime();
      const { stateDir } = rt.config();
      const records = listRecords(stateDir);
      const targets = names.length > 0 ? names : records.map((r) => r.name);
      for (const n of names) {
        if (!readRecord(stateDir, n)) {
          throw new NotFoundError('DEV_CLUSTER_NOT_FOUND', `there is no local cluster named "${n}"`, {
            hint: records.length ? `local clusters: ${records.map((r) => r.name).join(', ')}` : 'none exist: start them with `zdp dev up`',
          });
        }
      }
      if (opts.purge && targets.length > 0) {
        const yes = await rt.io.confirm(`Delete the data of ${targets.join(', ')}?`);
        if (!yes) {
          rt.io.info('nothing deleted');
          return;
        }
      }
      const stopped: string[] = [];
      for (const name of targets) {
        if (await stopDevCluster(stateDir, name)) stopped.push(name);
        if (opts.purge) purgeDevCluster(stateDir, name);
      }
      if (rt.globals.json) {
        rt.io.outJson({ kind: 'DevDown', version: 1, zdpVersion: ZDP_VERSION, stopped, purged: opts.purge ? targets : [] });
        return;
      }
      if (stopped.length === 0 && !opts.purge) {
        rt.io.out(`nothing to stop: no local clusters are running (state in ${relative(rt.cwd, devDir(stateDir)) || devDir(stateDir)})`);
        return;
      }
      if (stopped.length > 0) rt.io.out(`stopped ${stopped.join(', ')}`);
      if (opts.purge && targets.length > 0) rt.io.out(`deleted the data of ${targets.join(', ')}`);
    });

  dev
    .command('status')
    .description('list local clusters and whether they run')
    .action(() => {
      const rt = ctx.runtime();
      const { stateDir } = rt.config();
      const rows = listRecords(stateDir).map((r) => ({ record: r, running: isRunning(stateDir, r) }));
      if (rt.globals.json) {
        rt.io.outJson({
          kind: 'DevStatus',
          version: 1,
          zdpVersion: ZDP_VERSION,
          clusters: rows.map(({ record, running }) => ({
            name: record.name,
            kafkaVersion: record.kafkaVersion,
            state: running ? 'running' : 'stopped',
            bootstrapServers: [`127.0.0.1:${record.ports.client}`],
            securityProtocol: clientProtocol(record),
            pid: running ? record.pid : null,
            logFile: logFile(stateDir, record.name),
          })),
        });
        return;
      }
      if (rows.length === 0) {
        rt.io.out('no local clusters: start them with `zdp dev up`');
        return;
      }
      rt.io.out(renderTable(
        ['NAME', 'KAFKA', 'STATE', 'BOOTSTRAP', 'SECURITY', 'PID'],
        rows.map(({ record, running }) => [record.name, record.kafkaVersion, running ? 'running' : 'stopped', `127.0.0.1:${record.ports.client}`, security(record), running ? String(record.pid) : '-']),
      ));
    });

  dev
    .command('logs')
    .description('print the last lines of a local cluster\'s broker log')
    .argument('<name>', 'cluster name')
    .option('-n, --lines <n>', 'how many lines', '50')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C', false)
    .action(async (name: string, opts: { lines: string; follow: boolean }) => {
      const rt = ctx.runtime();
      const { stateDir } = rt.config();
      if (!readRecord(stateDir, name)) {
        throw new NotFoundError('DEV_CLUSTER_NOT_FOUND', `there is no local cluster named "${name}"`, { hint: 'see `zdp dev status`' });
      }
      const file = logFile(stateDir, name);
      const text = lastLogLines(stateDir, name, Math.max(1, Number(opts.lines) || 50));
      if (text) rt.io.out(text);
      if (!opts.follow || !existsSync(file)) return;
      let offset = statSync(file).size;
      while (!rt.signal.aborted) {
        await new Promise((r) => setTimeout(r, 500));
        const size = statSync(file).size;
        if (size > offset) {
          const fd = openSync(file, 'r');
          const buf = Buffer.alloc(size - offset);
          readSync(fd, buf, 0, buf.length, offset);
          closeSync(fd);
          rt.io.stdout.write(buf.toString('utf8'));
          offset = size;
        }
      }
    });

  dev
    .command('fetch')
    .description('download the Apache Kafka jars the local clusters need (once), e.g. in CI before tests')
    .option('--kafka-version <version...>', 'releases or lines to fetch', [DEFAULT_SOURCE_LINE, DEFAULT_TARGET_LINE])
    .option('--no-registry', 'do not build the local schema registry (Apicurio)')
    .option('--no-gateway', 'do not fetch the local gateway (Kroxylicious)')
    .option('--no-mirror-maker', 'do not fetch MirrorMaker 2 (connect-mirror and connect-runtime)')
    .action(async (opts: { kafkaVersion: string[]; registry: boolean; gateway: boolean; mirrorMaker: boolean }) => {
      const rt = ctx.runtime();
      await findJava(rt.env);
      const fetched = [];
      for (const spec of opts.kafkaVersion) {
        const dist = await resolveKafkaDist(spec, { env: rt.env, log: (l) => rt.io.info(l) });
        fetched.push({ requested: spec, version: dist.version, libDir: dist.libDir, source: dist.source });
      }
      if (opts.registry) {
        const reg = await resolveRegistryDist(rt.env, (l) => rt.io.info(l));
        fetched.push({ requested: 'registry', version: `apicurio ${reg.version}`, libDir: reg.jar, source: 'cache' as const });
      }
      if (opts.gateway) {
        const lib = await resolveKroxylicious(rt.env, (l) => rt.io.info(l));
        fetched.push({ requested: 'gateway', version: `kroxylicious ${KROXYLICIOUS_VERSION}`, libDir: lib, source: 'cache' as const });
      }
      if (opts.mirrorMaker) {
        const lib = await resolveMirrorMaker(rt.env, (l) => rt.io.info(l));
        fetched.push({ requested: 'mirror-maker', version: `connect-mirror ${MM2_VERSION}`, libDir: lib, source: 'cache' as const });
      }
      if (rt.globals.json) {
        rt.io.outJson({ kind: 'DevFetch', version: 1, zdpVersion: ZDP_VERSION, distributions: fetched });
        return;
      }
      rt.io.out(renderTable(['REQUESTED', 'KAFKA', 'FROM', 'JARS'], fetched.map((f) => [f.requested, f.version, f.source, f.libDir])));
    });
}

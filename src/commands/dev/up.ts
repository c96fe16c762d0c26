/** `zdp dev up [names...]`: start local Apache Kafka clusters (KRaft, loopback). */
import { relative } from 'node:path';
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parsePort, parseSeconds } from '../../cli/flags.js';
import { renderTable } from '../../cli/render/table.js';
import type { Runtime } from '../../cli/runtime.js';
import { UsageError, isZdpError, type ZdpError } from '../../errors.js';
import { clientProtocol } from '../../core/broker-config.js';
import { bootstrapOf, DEFAULT_DEV_CLUSTERS, defaultVersionSpec, devDir, prepareDists, startDevCluster, stopDevCluster, type DevClusterSpec, type StartResult } from '../../processes/dev-clusters.js';
import { parseDevNames, parseKafkaVersion, security, stateDirOf } from './shared.js';

export interface UpFlags {
  kafkaVersion?: string;
  auth: 'none' | 'scram';
  tls: boolean;
  port?: string;
  timeout: string;
  registry: boolean;
  brokers: string;
}

export interface UpOptions {
  stateDir: string;
  specs: DevClusterSpec[];
  startTimeoutMs: number;
}

export function parseUpOptions(names: string[], flags: UpFlags, rt: ParseContext): UpOptions {
  const list = names.length > 0 ? parseDevNames(names) : [...DEFAULT_DEV_CLUSTERS];
  const port = flags.port === undefined ? undefined : parsePort(flags.port, '--port');
  if (port !== undefined && list.length > 1) throw new UsageError('--port applies to one cluster; name exactly one', { code: 'BAD_PORT' });
  const startTimeoutMs = parseSeconds(flags.timeout, '--timeout', { min: 1, max: 3600 });
  if (flags.kafkaVersion !== undefined) parseKafkaVersion(flags.kafkaVersion);
  const brokers = flags.brokers === undefined ? undefined : Number(flags.brokers);
  if (brokers !== undefined && (!/^\d+$/.test(flags.brokers) || brokers < 1 || brokers > 5)) throw new UsageError(`--brokers must be a whole number from 1 to 5, not "${flags.brokers}"`, { code: 'BAD_FLAG' });
  const specs = list.map((name) => ({ name, versionSpec: flags.kafkaVersion ?? defaultVersionSpec(name), auth: flags.auth, tls: flags.tls, port, registry: flags.registry, ...(brokers !== undefined && brokers > 1 ? { brokers } : {}) }));
  return { stateDir: stateDirOf(rt), specs, startTimeoutMs };
}

export async function runUp(options: UpOptions, rt: Runtime): Promise<View> {
  const { stateDir, specs } = options;
  const devCtx = { stateDir, env: rt.env, log: (l: string) => rt.io.info(l), startTimeoutMs: options.startTimeoutMs };
  const prepared = await prepareDists(specs, devCtx);
  const startedNow: string[] = [];
  rt.onInterrupt(async () => {
    for (const name of startedNow) await stopDevCluster(stateDir, name);
  });
  const spinner = await rt.io.spinner(`starting ${specs.map((s) => s.name).join(', ')}…`);
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
  return {
    kind: 'DevUp',
    data: {
      stateDir,
      clusters: ok.map(({ record, alreadyRunning, startedMs }) => ({
        name: record.name,
        kafkaVersion: record.kafkaVersion,
        clusterId: record.clusterId,
        bootstrapServers: bootstrapOf(record),
        brokers: 1 + (record.extraBrokers?.length ?? 0),
        securityProtocol: clientProtocol(record),
        ...(record.registry ? { schemaRegistryUrl: `http://127.0.0.1:${record.registry.port}/apis/ccompat/v7` } : {}),
        pid: record.pid,
        alreadyRunning,
        startedMs: Math.round(startedMs),
      })),
      failed: failed.map((e) => (isZdpError(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: String(e) })),
    },
    text: ok.length === 0 ? '' : renderTable(
      ['NAME', 'KAFKA', 'BOOTSTRAP', 'SECURITY', 'REGISTRY', 'STATE'],
      ok.map(({ record, alreadyRunning, startedMs }) => [
        record.name,
        record.kafkaVersion,
        bootstrapOf(record).join(','),
        security(record),
        record.registry ? `127.0.0.1:${record.registry.port}` : '-',
        alreadyRunning ? 'already running' : `started in ${(startedMs / 1000).toFixed(1)}s`,
      ]),
    ),
    ...(failed.length > 0 ? { failure: failed[0] as ZdpError } : { notes: [`Profiles written to ${relative(rt.cwd, devDir(stateDir)) || '.'}/profiles.yaml. Next: \`zdp cluster check ${specs[0]!.name}\``] }),
  };
}

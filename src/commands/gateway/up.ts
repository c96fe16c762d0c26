/** `zdp gateway up`: Kroxylicious locally in front of a cluster, one bootstrap address that survives a backend switch. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parseHostPort, parseNodeIds, parsePort } from '../../cli/flags.js';

function parseCount(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${value}"`, { code: 'BAD_FLAG' });
  return n;
}
import type { Runtime } from '../../cli/runtime.js';
import { UsageError } from '../../errors.js';
import { getCluster } from '../../config/load.js';
import type { ClusterProfile } from '../../config/types.js';
import { nodeIdRanges } from '../../gateway/kroxylicious.js';
import { findJava } from '../../processes/java.js';
import { gatewayRunning, instanceAddresses, instanceStateDir, readGateway, resolveKroxylicious, startGateway, stopGateway, writeGateway, type GatewayRecord } from '../../processes/kroxylicious.js';
import { gatewayView, instanceView, nodeIdsOf } from './shared.js';

export interface UpFlags {
  cluster?: string;
  cover: string[];
  listen: string;
  managementPort: string;
  nodeIds?: string;
  /** commander's --no-filter */
  filter: boolean;
  replicas: string;
}

export interface UpOptions {
  stateDir: string;
  /** undefined: the cluster the gateway last fronted */
  profile?: ClusterProfile;
  cover: ClusterProfile[];
  listenPort: number;
  managementPort: number;
  nodeIds?: number[];
  /** load zdp's quiesce filter (default); without it a cutover fences by restarting the proxy */
  filter: boolean;
  /** proxy instances, each with its own bootstrap address; a cutover moves them as one */
  replicas: number;
}

export function parseUpOptions(flags: UpFlags, rt: ParseContext): UpOptions {
  const listen = parseHostPort(flags.listen, '--listen');
  if (listen.host !== '127.0.0.1' && listen.host !== 'localhost') throw new UsageError('--listen: the local gateway binds to loopback only (127.0.0.1)', { code: 'BAD_FLAG' });
  const config = rt.config();
  // the cutover drives the fleet zdp.yaml names: a local gateway beside it would carry no clients it moves
  if (config.gateway) {
    throw new UsageError(`zdp.yaml lists a gateway fleet (gateway.instances: ${config.gateway.instances.map((i) => i.name).join(', ')}) that zdp does not start; \`zdp gateway status\` shows it`, { code: 'GATEWAY_MANAGED_ELSEWHERE', hint: 'to run a local gateway instead, use a project without gateway.instances' });
  }
  const options: UpOptions = {
    stateDir: config.stateDir,
    cover: flags.cover.map((c) => getCluster(config, c)),
    listenPort: listen.port,
    managementPort: parsePort(flags.managementPort, '--management-port'),
    filter: flags.filter !== false,
    replicas: parseCount(flags.replicas, '--replicas', 1, 16),
  };
  if (flags.cluster !== undefined) options.profile = getCluster(config, flags.cluster);
  if (flags.nodeIds !== undefined) options.nodeIds = parseNodeIds(flags.nodeIds);
  return options;
}

export async function runUp(options: UpOptions, rt: Runtime): Promise<View> {
  const config = rt.config();
  const existing = readGateway(options.stateDir);
  const profile = options.profile ?? (existing ? getCluster(config, existing.cluster) : config.defaultCluster !== undefined ? getCluster(config, config.defaultCluster) : undefined);
  if (!profile) throw new UsageError('which cluster should the gateway front? pass --cluster <name>, or set a default with `zdp config use <profile>`');
  if (existing && gatewayRunning(options.stateDir, existing)) {
    if (existing.cluster !== profile.name) throw new UsageError(`the gateway already runs in front of ${existing.cluster}`, { hint: `move it with \`zdp gateway switch --to ${profile.name}\`` });
    return { kind: 'GatewayUp', data: { alreadyRunning: true, ...gatewayView(existing, true) }, text: `the gateway already runs: ${existing.bootstrapAddress} -> ${existing.cluster}` };
  }
  const covered = [profile, ...options.cover];
  const ids = options.nodeIds ?? (await Promise.all(covered.map((p) => nodeIdsOf(p, rt.env)))).flat();
  const range = nodeIdRanges(ids)[0]!;
  const java = await findJava(rt.env);
  const lib = await resolveKroxylicious(rt.env, (l) => rt.io.info(l));
  const base: GatewayRecord = {
    formatVersion: 1,
    cluster: profile.name,
    bootstrapServers: profile.bootstrapServers,
    bootstrapAddress: `127.0.0.1:${options.listenPort}`,
    managementPort: options.managementPort,
    nodeIds: { start: range.start, end: range.end },
    ...(options.filter ? {} : { filter: false }),
  };
  // every instance at once: each is a JVM that takes seconds to load
  const settled = await Promise.allSettled(Array.from({ length: options.replicas }, async (_, i) => {
    const dir = instanceStateDir(options.stateDir, i);
    const record: GatewayRecord = { ...base, ...instanceAddresses(options.listenPort, options.managementPort, base.nodeIds, i), ...(i === 0 && options.replicas > 1 ? { replicas: options.replicas } : {}) };
    const started = await startGateway(dir, record, java, lib, rt.env);
    record.pid = started.pid;
    if (started.controlPort !== undefined) record.controlPort = started.controlPort;
    writeGateway(dir, record);
    return { record, readyMs: started.readyMs };
  }));
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) {
    // a fleet starts whole or not at all
    await Promise.all(settled.map((r, i) => (r.status === 'fulfilled' ? stopGateway(instanceStateDir(options.stateDir, i)) : undefined)));
    throw failed.reason;
  }
  const records = settled.map((r) => (r as PromiseFulfilledResult<{ record: GatewayRecord; readyMs: number }>).value);
  const record = records[0]!.record;
  const readyMs = Math.max(...records.map((r) => r.readyMs));
  return {
    kind: 'GatewayUp',
    data: { alreadyRunning: false, readyMs: Math.round(readyMs), ...gatewayView(record, true), instances: records.map((r) => instanceView(r.record, true)) },
    text: `gateway up in ${(readyMs / 1000).toFixed(1)}s: clients bootstrap at ${records.map((r) => r.record.bootstrapAddress).join(', ')} -> ${profile.name} (${profile.bootstrapServers.join(',')})`,
    ...(profile.sasl ? { notes: ['SASL passes through the proxy: clients use their own credentials on the backend cluster.'] } : {}),
  };
}

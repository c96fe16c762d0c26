/** `zdp gateway switch --to <cluster>`: point the running gateway at another cluster and report the cut-off. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import type { Runtime } from '../../cli/runtime.js';
import { CheckFailedError, NotFoundError, UsageError } from '../../errors.js';
import { getCluster } from '../../config/load.js';
import type { ClusterProfile, ExternalGateway } from '../../config/types.js';
import { ExternalFleetControl } from '../../gateway/fleet.js';
import { KroxyliciousControl, type GatewayControl } from '../../gateway/control.js';
import { gatewayRunning, instanceStateDirs, readGateway } from '../../processes/kroxylicious.js';
import { gatewayView, nodeIdsOf } from './shared.js';

export interface SwitchOptions {
  stateDir: string;
  to: ClusterProfile;
  dryRun: boolean;
  /** zdp.yaml's gateway.instances: a fleet zdp did not start, switched in place through its control endpoints */
  fleet?: ExternalGateway;
}

export function parseSwitchOptions(flags: { to: string; dryRun: boolean }, rt: ParseContext): SwitchOptions {
  const fleet = rt.config().gateway;
  return { stateDir: rt.config().stateDir, to: getCluster(rt.config(), flags.to), dryRun: flags.dryRun, ...(fleet ? { fleet } : {}) };
}

/**
 * Producers are held before the old backend goes, when the gateway runs zdp's filter: nothing is
 * in flight at the switch. A send cut off midway by a closed connection, some of its requests
 * answered and the others not, is retried by a kafkajs producer at its defaults without the
 * partitions that moved to a broker that had answered: acknowledged, never written
 * (tulios/kafkajs#1303). Held requests die with the old backend unanswered, whole, and go again to
 * the new one. Consumers are not drained: they reconnect and read on from their committed offsets.
 */
export async function holdProducersForSwitch(control: Pick<GatewayControl, 'quiesce' | 'cancelSwitch'>): Promise<number | undefined> {
  const quiesce = await control.quiesce?.();
  if (!quiesce) return undefined;
  const started = performance.now();
  try {
    await quiesce.holdProducers(10_000);
  } catch (e) {
    await control.cancelSwitch?.().catch(() => {});
    if (e instanceof CheckFailedError && e.code === 'GATEWAY_NOT_QUIESCED') {
      throw new CheckFailedError('GATEWAY_NOT_QUIESCED', e.message, { hint: 'the gateway serves the old cluster again and nothing changed for clients; run `zdp gateway switch` again', retriable: true });
    }
    throw e;
  }
  return Math.round(performance.now() - started);
}

function heldPhrase(heldMs: number | undefined): string {
  return heldMs === undefined ? '' : ` (producers held first, ${(heldMs / 1000).toFixed(2)}s, so that no send was cut in two)`;
}

/** A fleet listed in zdp.yaml: every instance switches in place (the consumers reconnect and rejoin), then serves. */
async function switchFleet(fleet: ExternalGateway, profile: ClusterProfile, dryRun: boolean, env: NodeJS.ProcessEnv): Promise<View> {
  const control = new ExternalFleetControl(fleet, env);
  const before = await control.state();
  if (!before.serving) throw new NotFoundError('GATEWAY_NOT_RUNNING', before.problem ?? 'the gateway fleet does not answer', { hint: '`zdp gateway status` lists the instances zdp.yaml names' });
  // fail before cutting clients off: every instance must know the cluster
  await control.prepareSwitch(profile);
  const names = fleet.instances.map((i) => i.name).join(', ');
  if (dryRun) return { kind: 'GatewaySwitch', data: { dryRun: true, from: before.cluster, to: profile.name, managedBy: 'zdp.yaml' }, text: `dry run: the gateway fleet (${names}) would move from ${before.cluster} to ${profile.name}; nothing changed` };
  const cutStarted = performance.now();
  const heldMs = await holdProducersForSwitch(control);
  await control.switchTo(profile);
  await control.release();
  const cutOffMs = Math.round(performance.now() - cutStarted);
  return {
    kind: 'GatewaySwitch',
    data: { from: before.cluster, to: profile.name, cutOffMs, ...(heldMs === undefined ? {} : { heldMs }), managedBy: 'zdp.yaml' },
    text: `gateway fleet (${names}) switched from ${before.cluster} to ${profile.name} in place in ${(cutOffMs / 1000).toFixed(2)}s${heldPhrase(heldMs)}; clients reconnect through ${fleet.instances.map((i) => i.bootstrap).join(', ')}`,
    notes: ['Consumers rejoin their groups on the new cluster: their committed offsets there must exist (see `zdp cutover`).'],
  };
}

export async function runSwitch(options: SwitchOptions, rt: Runtime): Promise<View> {
  const { stateDir, to: profile } = options;
  if (options.fleet) return switchFleet(options.fleet, profile, options.dryRun, rt.env);
  const record = readGateway(stateDir);
  if (!record || !gatewayRunning(stateDir, record)) throw new NotFoundError('GATEWAY_NOT_RUNNING', 'no gateway is running', { hint: 'start one with `zdp gateway up --cluster <name>`' });
  // fail before cutting clients off: the new backend must answer and fit the node-id range
  const ids = await nodeIdsOf(profile, rt.env);
  const outside = ids.filter((id) => id < record.nodeIds.start || id > record.nodeIds.end);
  if (outside.length > 0) {
    throw new UsageError(`cluster ${profile.name} has node ids ${outside.join(', ')} outside the gateway's range ${record.nodeIds.start}-${record.nodeIds.end}`, { hint: `restart it covering both: zdp gateway down && zdp gateway up --cluster ${record.cluster} --cover ${profile.name}` });
  }
  const from = record.cluster;
  if (options.dryRun) {
    return { kind: 'GatewaySwitch', data: { dryRun: true, from, to: profile.name, ...gatewayView(record, true) }, text: `dry run: the gateway at ${record.bootstrapAddress} would move from ${from} to ${profile.name} (node ids ${ids.join(', ')} fit its range); nothing changed` };
  }
  // every instance loads a standby proxy for the new cluster while clients are still served (as a
  // cutover does): the cut-off is then a bind, not a JVM start. The standby guards producer ids
  // (see GatewayRecord.guardProducers)
  const control = new KroxyliciousControl(stateDir, rt.env, (l) => rt.io.info(l));
  await control.prepareSwitch(profile);
  const cutStarted = performance.now();
  const heldMs = await holdProducersForSwitch(control);
  await control.switchTo(profile);
  await control.release();
  const records = instanceStateDirs(stateDir).map((dir) => readGateway(dir)!);
  const cutOffMs = Math.round(performance.now() - cutStarted);
  const next = records[0]!;
  return {
    kind: 'GatewaySwitch',
    data: { from, to: profile.name, cutOffMs, ...(heldMs === undefined ? {} : { heldMs }), ...gatewayView(next, true) },
    text: `gateway switched from ${from} to ${profile.name}: clients were cut off for ${(cutOffMs / 1000).toFixed(2)}s${heldPhrase(heldMs)} and reconnect through ${records.map((r) => r.bootstrapAddress).join(', ')}`,
    notes: ['Consumers rejoin their groups on the new cluster: their committed offsets there must exist (see `zdp cutover`).'],
  };
}

/** `zdp gateway status`: is the local gateway running, and in front of which cluster. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { gatewayLogFile, gatewayRunning, instanceStateDirs, readControlToken, readGateway } from '../../processes/kroxylicious.js';
import { QuiesceEndpoint } from '../../gateway/quiesce.js';
import { ExternalFleetControl } from '../../gateway/fleet.js';
import type { ExternalGateway } from '../../config/types.js';
import { gatewayView, instanceView } from './shared.js';

export interface StatusOptions {
  stateDir: string;
  /** zdp.yaml's gateway.instances: a fleet zdp did not start */
  fleet?: ExternalGateway;
}

export function parseStatusOptions(rt: ParseContext): StatusOptions {
  const fleet = rt.config().gateway;
  return { stateDir: rt.config().stateDir, ...(fleet ? { fleet } : {}) };
}

/** A fleet listed in zdp.yaml: what each instance's control endpoint says. */
async function fleetStatus(fleet: ExternalGateway, env: NodeJS.ProcessEnv): Promise<View> {
  const all = await new ExternalFleetControl(fleet, env).instances();
  const instances = all.map((i) => ({ name: i.name, bootstrap: i.bootstrap, control: i.control, answering: i.state !== undefined, cluster: i.state?.cluster ?? null, phase: i.state?.phase ?? null, bound: i.state ? i.state.bound !== false : null, ...(i.error ? { error: i.error } : {}) }));
  const serving = instances.every((i) => i.answering && i.bound);
  return {
    kind: 'GatewayStatus',
    data: { managedBy: 'zdp.yaml', running: serving, live: serving, instances },
    text: [`gateway fleet from zdp.yaml (${instances.length} instance${instances.length === 1 ? '' : 's'}, not started by zdp):`, ...instances.map((i) => `  ${i.name}: ${i.bootstrap} ${i.answering ? `-> ${i.cluster ?? '?'}, ${i.phase}${i.bound ? '' : ', NOTHING BOUND (a switch failed: its log says why)'}` : `not answering (${i.error ?? ''})`}`)].join('\n'),
  };
}

export async function runStatus(options: StatusOptions, rt?: { env: NodeJS.ProcessEnv }): Promise<View> {
  if (options.fleet) return fleetStatus(options.fleet, rt?.env ?? process.env);
  const { stateDir } = options;
  const record = readGateway(stateDir);
  const running = gatewayRunning(stateDir, record);
  let live = false;
  if (record && running) live = await fetch(`http://127.0.0.1:${record.managementPort}/livez`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
  const instances = record
    ? await Promise.all(instanceStateDirs(stateDir).map(async (dir) => {
        const r = readGateway(dir);
        if (!r) return undefined;
        const up = gatewayRunning(dir, r);
        // the filter's phase, when the instance answers (null: no filter, or no answer)
        const phase = up && r.controlPort !== undefined ? await new QuiesceEndpoint(`http://127.0.0.1:${r.controlPort}`, readControlToken(dir)).state(2_000).then((s) => s.phase, () => null) : null;
        return instanceView(r, up, phase);
      }))
    : [];
  return {
    kind: 'GatewayStatus',
    data: { ...(record ? gatewayView(record, running) : { running: false }), live, instances: instances.filter((i) => i !== undefined), log: gatewayLogFile(stateDir) },
    text: !record
      ? 'no gateway: start one with `zdp gateway up --cluster <name>`'
      : `${running ? (live ? 'running' : 'running (not live)') : 'stopped'}: ${record.bootstrapAddress} -> ${record.cluster} (${record.bootstrapServers.join(',')}), node ids ${record.nodeIds.start}-${record.nodeIds.end}, /livez on ${record.managementPort}${instances.length > 1 ? instances.map((i, n) => (i ? `\n  instance ${n}: ${i.bootstrap} ${i.running ? `pid ${i.pid}` : 'stopped'}${i.phase ? `, ${i.phase}` : ''}` : '')).join('') : ''}`,
  };
}

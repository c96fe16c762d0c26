/** `zdp gateway down`: stop the local gateway. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { instanceStateDirs, stopGateway } from '../../processes/kroxylicious.js';

export function parseDownOptions(rt: ParseContext): { stateDir: string } {
  return { stateDir: rt.config().stateDir };
}

export async function runDown(options: { stateDir: string }): Promise<View> {
  // every instance of the fleet, instance 0 last (its record says how many there are)
  const dirs = instanceStateDirs(options.stateDir);
  const stopped = (await Promise.all(dirs.slice(1).map((d) => stopGateway(d)))).filter(Boolean).length + ((await stopGateway(options.stateDir)) ? 1 : 0);
  return { kind: 'GatewayDown', data: { stopped: stopped > 0, instances: stopped }, text: stopped > 0 ? `gateway stopped${stopped > 1 ? ` (${stopped} instances)` : ''}` : 'nothing to stop: no gateway is running' };
}

/** `zdp gateway down`: stop the local gateway. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { stopGateway } from '../../processes/kroxylicious.js';

export function parseDownOptions(rt: ParseContext): { stateDir: string } {
  return { stateDir: rt.config().stateDir };
}

export async function runDown(options: { stateDir: string }): Promise<View> {
  const stopped = await stopGateway(options.stateDir);
  return { kind: 'GatewayDown', data: { stopped }, text: stopped ? 'gateway stopped' : 'nothing to stop: no gateway is running' };
}

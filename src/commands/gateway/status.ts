/** `zdp gateway status`: is the local gateway running, and in front of which cluster. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { gatewayLogFile, gatewayRunning, readGateway } from '../../processes/kroxylicious.js';
import { gatewayView } from './shared.js';

export function parseStatusOptions(rt: ParseContext): { stateDir: string } {
  return { stateDir: rt.config().stateDir };
}

export async function runStatus(options: { stateDir: string }): Promise<View> {
  const { stateDir } = options;
  const record = readGateway(stateDir);
  const running = gatewayRunning(stateDir, record);
  let live = false;
  if (record && running) live = await fetch(`http://127.0.0.1:${record.managementPort}/livez`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
  return {
    kind: 'GatewayStatus',
    data: { ...(record ? gatewayView(record, running) : { running: false }), live, log: gatewayLogFile(stateDir) },
    text: !record
      ? 'no gateway: start one with `zdp gateway up --cluster <name>`'
      : `${running ? (live ? 'running' : 'running (not live)') : 'stopped'}: ${record.bootstrapAddress} -> ${record.cluster} (${record.bootstrapServers.join(',')}), node ids ${record.nodeIds.start}-${record.nodeIds.end}, /livez on ${record.managementPort}`,
  };
}

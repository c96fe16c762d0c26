/** `zdp dev status`: local clusters and whether they run. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { renderTable } from '../../cli/render/table.js';
import { clientProtocol } from '../../core/broker-config.js';
import { bootstrapOf, isRunning, listRecords, logFile } from '../../processes/dev-clusters.js';
import { security, stateDirOf } from './shared.js';

export function parseStatusOptions(rt: ParseContext): { stateDir: string } {
  return { stateDir: stateDirOf(rt) };
}

export function runStatus(options: { stateDir: string }): View {
  const { stateDir } = options;
  const rows = listRecords(stateDir).map((r) => ({ record: r, running: isRunning(stateDir, r) }));
  return {
    kind: 'DevStatus',
    data: {
      clusters: rows.map(({ record, running }) => ({
        name: record.name,
        kafkaVersion: record.kafkaVersion,
        state: running ? 'running' : 'stopped',
        bootstrapServers: bootstrapOf(record),
        brokers: 1 + (record.extraBrokers?.length ?? 0),
        securityProtocol: clientProtocol(record),
        pid: running ? record.pid : null,
        logFile: logFile(stateDir, record.name),
      })),
    },
    text: rows.length === 0
      ? 'no local clusters: start them with `zdp dev up`'
      : renderTable(['NAME', 'KAFKA', 'STATE', 'BOOTSTRAP', 'SECURITY', 'PID'], rows.map(({ record, running }) => [record.name, record.kafkaVersion, running ? 'running' : 'stopped', bootstrapOf(record).join(','), security(record), running ? String(record.pid) : '-'])),
  };
}

/** What the dev verbs share: the security column and the name check of local clusters. */
import type { ParseContext } from '../../cli/command.js';
import { parseName } from '../../cli/flags.js';
import { UsageError } from '../../errors.js';
import { printable } from '../../core/names.js';
import { clientProtocol } from '../../core/broker-config.js';
import type { DevClusterRecord } from '../../processes/dev-clusters.js';

export function security(r: Pick<DevClusterRecord, 'auth' | 'tls'>): string {
  const p = clientProtocol(r);
  return r.auth === 'scram' ? `${p} (SCRAM-SHA-512/256)` : p;
}

/** Local cluster names: each is a directory under <state>/dev, so each passes the one name rule. */
export function parseDevNames(names: readonly string[]): string[] {
  return [...new Set(names.map((n) => parseName(n, 'cluster name', 'dev cluster')))];
}

export function stateDirOf(rt: ParseContext): string {
  return rt.config().stateDir;
}

/** An Apache Kafka release or line: 3.9, 3.9.2, 4. */
export function parseKafkaVersion(value: string, flag = '--kafka-version'): string {
  if (!/^\d{1,2}(\.\d{1,3}){0,2}$/.test(value)) {
    throw new UsageError(`${flag} ${JSON.stringify(printable(value))}: expected an Apache Kafka release or line, like 3.9, 3.9.2 or 4`, { code: 'BAD_FLAG' });
  }
  return value;
}

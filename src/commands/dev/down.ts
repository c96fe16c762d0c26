/** `zdp dev down [names...] [--purge]`: stop local clusters zdp started; --purge deletes their data. */
import { relative } from 'node:path';
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import type { Runtime } from '../../cli/runtime.js';
import { NotFoundError } from '../../errors.js';
import { devDir, listRecords, purgeDevCluster, readRecord, stopDevCluster } from '../../processes/dev-clusters.js';
import { parseDevNames, stateDirOf } from './shared.js';

export interface DownOptions {
  stateDir: string;
  /** named clusters; empty: all */
  names: string[];
  purge: boolean;
  dryRun: boolean;
}

export function parseDownOptions(names: string[], flags: { purge: boolean; dryRun: boolean }, rt: ParseContext): DownOptions {
  return { stateDir: stateDirOf(rt), names: parseDevNames(names), purge: flags.purge, dryRun: flags.dryRun };
}

export async function runDown(options: DownOptions, rt: Runtime): Promise<View> {
  const { stateDir, names } = options;
  const records = listRecords(stateDir);
  for (const n of names) {
    if (!readRecord(stateDir, n)) {
      throw new NotFoundError('DEV_CLUSTER_NOT_FOUND', `there is no local cluster named "${n}"`, {
        hint: records.length ? `local clusters: ${records.map((r) => r.name).join(', ')}` : 'none exist: start them with `zdp dev up`',
      });
    }
  }
  const targets = names.length > 0 ? names : records.map((r) => r.name);
  if (options.dryRun) {
    return {
      kind: 'DevDown',
      data: { dryRun: true, stopped: [], purged: [], wouldStop: targets, wouldPurge: options.purge ? targets : [] },
      text: targets.length === 0 ? 'dry run: no local clusters' : `dry run: would stop ${targets.join(', ')}${options.purge ? ` and delete their data in ${relative(rt.cwd, devDir(stateDir)) || devDir(stateDir)}` : ''}`,
    };
  }
  if (options.purge && targets.length > 0 && !(await rt.io.confirm(`Delete the data of ${targets.join(', ')}?`))) {
    return { kind: 'DevDown', data: { stopped: [], purged: [] }, text: '', notes: ['nothing deleted'] };
  }
  const stopped: string[] = [];
  for (const name of targets) {
    if (await stopDevCluster(stateDir, name)) stopped.push(name);
    if (options.purge) purgeDevCluster(stateDir, name);
  }
  const lines: string[] = [];
  if (stopped.length === 0 && !options.purge) lines.push(`nothing to stop: no local clusters are running (state in ${relative(rt.cwd, devDir(stateDir)) || devDir(stateDir)})`);
  if (stopped.length > 0) lines.push(`stopped ${stopped.join(', ')}`);
  if (options.purge && targets.length > 0) lines.push(`deleted the data of ${targets.join(', ')}`);
  return { kind: 'DevDown', data: { stopped, purged: options.purge ? targets : [] }, text: lines.join('\n') };
}

/** `zdp migrate stop --from a --to b`: stop the MirrorMaker 2 zdp started for this migration. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parseName } from '../../cli/flags.js';
import type { Runtime } from '../../cli/runtime.js';
import { UsageError } from '../../errors.js';
import { engineOf } from './shared.js';

export interface StopOptions {
  from: string;
  to: string;
}

/** Only the names: a migration can be stopped after its profiles are gone. */
export function parseStopOptions(flags: { from: string; to: string }, _rt: ParseContext): StopOptions {
  const from = parseName(flags.from, '--from', 'cluster');
  const to = parseName(flags.to, '--to', 'cluster');
  if (from === to) throw new UsageError('--from and --to name the same cluster', { code: 'SAME_CLUSTER' });
  return { from, to };
}

export async function runStop(options: StopOptions, rt: Runtime): Promise<View> {
  const stopped = (await engineOf(rt, options.from, options.to)?.stop()) ?? false;
  return { kind: 'MigrationStop', data: { stopped }, text: stopped ? 'MirrorMaker 2 stopped' : 'nothing to stop: MirrorMaker 2 is not running for this migration' };
}

/** Offsets written on the source into empty groups, and read back. */
import type { CutoverStep } from '../types.js';
import { waitGroupsEmpty, writeAndReadBack } from './shared.js';

export const rollbackWriteOffsets: CutoverStep<'rollback-write-offsets'> = {
  name: 'rollback-write-offsets',
  does: 'Offsets written on the source into empty groups, and read back.',
  summary: (d, { options }) => `offsets written for ${String(d.groups)} groups on ${options.from}`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { source } = deps;
    const results = ctx.out('rollback-translate').offsets ?? [];
    await waitGroupsEmpty(source, [...new Set(results.map((r) => r.group))], Math.max(options.groupWaitMs, 60_000), deps.log);
    return { groups: await writeAndReadBack(source, results, deps.log) };
  },
};

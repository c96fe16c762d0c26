/** Offsets written on the target into empty groups, and read back. */
import type { CutoverStep } from '../types.js';
import { waitGroupsEmpty, writeAndReadBack } from './shared.js';

export const writeOffsets: CutoverStep<'write-offsets'> = {
  name: 'write-offsets',
  does: 'Offsets written on the target into empty groups, and read back.',
  summary: (d) => `offsets written for ${String(d.groups)} groups`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { target } = deps;
    const results = ctx.out('translate').offsets ?? [];
    const groups = [...new Set(results.map((r) => r.group))];
    await waitGroupsEmpty(target, groups, options.groupWaitMs, deps.log);
    return { groups: await writeAndReadBack(target, results, deps.log) };
  },
};

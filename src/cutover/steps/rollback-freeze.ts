/** The target's end offsets, unchanged over two reads. */
import type { CutoverStep } from '../types.js';
import { ends, stableEnds } from './shared.js';

export const rollbackFreeze: CutoverStep<'rollback-freeze'> = {
  name: 'rollback-freeze',
  does: "The target's end offsets, unchanged over two reads.",
  summary: (d) => `target ends frozen on ${Object.keys(d.targetEnds as object).length} partitions`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { target } = deps;
    const topics = ctx.header.topics;
return ({ targetEnds: ends(await stableEnds(target, topics, `the target ${options.to}`)) });
  },
};

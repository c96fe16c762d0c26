/** The source's end offsets, unchanged over two reads. */
import type { CutoverStep } from '../types.js';
import { ends, stableEnds } from './shared.js';

export const freeze: CutoverStep<'freeze'> = {
  name: 'freeze',
  does: "The source's end offsets, unchanged over two reads.",
  summary: (d) => `source ends frozen on ${Object.keys(d.sourceEnds as object).length} partitions`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { source } = deps;
    const topics = ctx.header.topics;
    // the filter's hold is in force only once every produce request forwarded before it was
    // answered: nothing is on its way to the source, so a short quiet window is enough
    const quietMs = ctx.out('fence').via === 'filter' ? 50 : 150;
    return { sourceEnds: ends(await stableEnds(source, topics, `the source ${options.from}`, quietMs)) };
  },
};

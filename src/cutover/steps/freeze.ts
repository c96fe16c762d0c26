/** The source's end offsets once producers are held (without the filter, unchanged over two reads). */
import { endOffsets } from '../../offsets/translation.js';
import type { CutoverStep } from '../types.js';
import { ends, frozenEnds, stableEnds } from './shared.js';

export const freeze: CutoverStep<'freeze'> = {
  name: 'freeze',
  does: "The source's end offsets once producers are held (the drain reads them again); without the filter, unchanged over two reads.",
  summary: (d) => `source ends frozen on ${Object.keys(d.sourceEnds as object).length} partitions`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { source } = deps;
    const topics = ctx.header.topics;
    // the filter's hold is in force only once every produce request forwarded before it was
    // answered: nothing is on its way to the source, so one read is enough here. The drain's first
    // check reads the ends again and goes on only when they still agree with these (the second
    // read, 0.1-0.3 s of every client's pause on a loaded host, is not read twice)
    if (ctx.out('fence').via === 'filter') {
      const read = await endOffsets(source, topics);
      frozenEnds.set(deps, read);
      return { sourceEnds: ends(read) };
    }
    return { sourceEnds: ends(await stableEnds(source, topics, `the source ${options.from}`, 150)) };
  },
};

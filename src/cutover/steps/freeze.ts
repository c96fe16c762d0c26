/** The source's end offsets: with zdp's filter one read (the drain's first is the second), without it unchanged over two reads. */
import { endOffsets } from '../../offsets/translation.js';
import type { CutoverStep } from '../types.js';
import { ends, stableEnds } from './shared.js';

export const freeze: CutoverStep<'freeze'> = {
  name: 'freeze',
  does: "The source's end offsets: with zdp's filter one read (the drain's first read is the second), without it unchanged over two reads.",
  summary: (d) => `source ends frozen on ${Object.keys(d.sourceEnds as object).length} partitions`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { source } = deps;
    const topics = ctx.header.topics;
    // the filter's hold is in force only once every produce request forwarded before it was
    // answered (and every transaction it waited for ended): nothing is on its way to the source.
    // One read, then: the drain's first read of the source is the second (it takes the source for
    // stable when that read still holds these ends, else once two of its reads agree), and what
    // lies between the two reads is a quiet window as long as a read. It is on every client's pause
    // (a 50 ms window and a second read, 0.09-0.24 s in fleet runs). Without the filter the proxy
    // was killed: requests it had forwarded may still land, so two reads 150 ms apart
    if (ctx.out('fence').via === 'filter') return { sourceEnds: ends(await endOffsets(source, topics)) };
    return { sourceEnds: ends(await stableEnds(source, topics, `the source ${options.from}`, 150)) };
  },
};

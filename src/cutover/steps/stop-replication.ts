/** MirrorMaker 2 stopped; the target's end offsets recorded. */
import type { CutoverStep } from '../types.js';
import { ends, stableEnds } from './shared.js';

export const stopReplication: CutoverStep<'stop-replication'> = {
  name: 'stop-replication',
  does: "MirrorMaker 2 stopped; the target's end offsets recorded.",
  summary: (d) => `MirrorMaker 2 ${d.stopped ? 'stopped' : 'was not running'}; target ends recorded`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { target } = deps;
    const topics = ctx.header.topics;
    // no grace: the target already holds every record, and with exactly-once an unfinished MM2 transaction is never visible
    const wasRunning = (await deps.engine?.stop(0)) ?? false;
    // once MirrorMaker 2 stopped nothing writes the target (the gateway routes to the source until the
    // switch): a short quiet window is enough, as the freeze's with the filter; it is on the clients' pause
    return { stopped: wasRunning, targetEnds: ends(await stableEnds(target, topics, `the target ${options.to}`, 50)) };
  },
};

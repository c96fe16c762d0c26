/** MirrorMaker 2 stopped; the target's end offsets recorded. */
import type { GroupOffset } from '../../kafka/groups.js';
import { endOffsets, type PartitionEnds } from '../../offsets/translation.js';
import type { CutoverDeps, CutoverStep } from '../types.js';
import { ends, scopeGroups, stableEnds } from './shared.js';

/**
 * What translate reads, read by this step in the same process: the source's committed offsets and
 * ends (frozen and drained since the hold: read while MirrorMaker 2 stops and the target settles),
 * and the target's ends this step found stable. Translate, next, then waits only for what is still
 * on its way; its reads were a round of their own on every client's pause (listing the groups, then
 * reading their offsets: 0.12-0.24 s in fleet runs; the two steps together took 0.20-0.31 s in five
 * runs before, 0.14 and 0.25 s in two after). A cutover resumed in another process reads them in
 * translate, as before.
 */
export interface TranslateReads {
  committed: Promise<GroupOffset[]>;
  sourceEnds: Promise<Map<string, PartitionEnds>>;
  targetEnds?: Map<string, PartitionEnds>;
}
export const translateReads = new WeakMap<CutoverDeps, TranslateReads>();

export const stopReplication: CutoverStep<'stop-replication'> = {
  name: 'stop-replication',
  does: "MirrorMaker 2 stopped; the target's end offsets recorded.",
  summary: (d) => `MirrorMaker 2 ${d.stopped ? 'stopped' : 'was not running'}; target ends recorded`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { source, target } = deps;
    const topics = ctx.header.topics;
    const reads: TranslateReads = { committed: scopeGroups(source, topics, options.groupPatterns), sourceEnds: endOffsets(source, topics) };
    // a read that fails is read again by translate
    reads.committed.catch(() => {});
    reads.sourceEnds.catch(() => {});
    translateReads.set(deps, reads);
    // no grace: the target already holds every record, and with exactly-once an unfinished MM2 transaction is never visible
    const wasRunning = (await deps.engine?.stop(0)) ?? false;
    // once MirrorMaker 2 stopped nothing writes the target (the gateway routes to the source until the
    // switch): a short quiet window is enough, as the freeze's with the filter; it is on the clients' pause
    const settled = await stableEnds(target, topics, `the target ${options.to}`, 50);
    reads.targetEnds = settled;
    return { stopped: wasRunning, targetEnds: ends(settled) };
  },
};

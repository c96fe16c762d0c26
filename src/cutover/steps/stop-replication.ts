/** MirrorMaker 2 stopped; the target's end offsets recorded. */
import type { GroupOffset } from '../../kafka/groups.js';
import { endOffsets, type PartitionEnds } from '../../offsets/translation.js';
import type { CutoverDeps, CutoverStep } from '../types.js';
import { ends, scopeGroups } from './shared.js';

/**
 * What translate reads, read in the same process by the drain or by this step: the source's
 * committed offsets and ends (frozen and drained since the hold), and the target's ends this step
 * read. Translate, next, then waits only for what is still
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

/**
 * Begins translate's reads of the source in this process (once): its groups' committed offsets, and
 * its ends. The drain begins them when every active group drained at the gateway: those offsets are
 * final then (their consumers get no records, so a commit can only say again what they committed),
 * and the read had been 0.3-0.45 s of translate on the clients' pause in fleet runs. The drain
 * gives its own last read of the ends (see drain), so they are read once.
 */
export function beginTranslateReads(deps: CutoverDeps, topics: string[], groupPatterns: string[]): TranslateReads {
  const begun = translateReads.get(deps);
  if (begun) return begun;
  const reads: TranslateReads = { committed: scopeGroups(deps.source, topics, groupPatterns), sourceEnds: endOffsets(deps.source, topics) };
  // a read that fails is read again by translate
  reads.committed.catch(() => {});
  reads.sourceEnds.catch(() => {});
  translateReads.set(deps, reads);
  return reads;
}

export const stopReplication: CutoverStep<'stop-replication'> = {
  name: 'stop-replication',
  does: "MirrorMaker 2 stopped; the target's end offsets recorded.",
  summary: (d) => `MirrorMaker 2 ${d.stopped ? 'stopped' : 'was not running'}; target ends recorded`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { target } = deps;
    const topics = ctx.header.topics;
    const reads = beginTranslateReads(deps, topics, options.groupPatterns);
    // no grace: the target already holds every record, and with exactly-once an unfinished MM2 transaction is never visible
    const stopping = deps.engine?.stop(0) ?? Promise.resolve(false);
    // The target's ends are read beside the stop, once: the drain found every source record on it,
    // committed, and the source held, so MirrorMaker 2 has nothing left to write (and nothing else
    // writes the target: the gateway routes to the source until the switch). A second read 50 ms
    // later cost 0.1-0.3 s of every client's pause on a loaded host. Translate, if it runs in
    // another process (a resumed cutover), reads them again and refuses a target that moved.
    const [wasRunning, settled] = await Promise.all([stopping, endOffsets(target, topics)]);
    reads.targetEnds = settled;
    return { stopped: wasRunning, targetEnds: ends(settled) };
  },
};

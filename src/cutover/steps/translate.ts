/** Every group's committed offset translated exactly (MirrorMaker 2's translation beside it); a row translated during the consumer drain whose offset did not move is kept. */
import { groupTpKey, requestsFor, stillValid } from '../../core/cutover/ahead.js';
import { CheckFailedError } from '../../errors.js';
import { endOffsets, translateOffsets } from '../../offsets/translation.js';
import type { CutoverStep, GroupResult } from '../types.js';
import { readAnchors, runningAhead } from './ahead.js';
import { translateReads } from './stop-replication.js';
import { scopeGroups, translationResults } from './shared.js';

export const translate: CutoverStep<'translate'> = {
  name: 'translate',
  does: "Every group's committed offset translated exactly (MirrorMaker 2's translation beside it); what was translated during the consumer drain and did not move is kept.",
  summary: (d) => `${(d.offsets as unknown[]).length} group offsets translated exactly${d.ahead ? ` (${String(d.ahead)} ahead of the hold)` : ''}`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { source, target } = deps;
    const topics = ctx.header.topics;
    const targetEnds = ctx.out('stop-replication').targetEnds ?? {};
    // translated during the consumer drain: what the journal kept, and what this process still
    // translates (waited for beside the reads below, not after them: the hold is on the clients' pause)
    const running = runningAhead.get(deps);
    // read by stop-replication in this process (see TranslateReads); a read of it that failed, read again here
    const reads = translateReads.get(deps);
    translateReads.delete(deps);
    const [[committed, sEnds, tEnds], later] = await Promise.all([
      reads?.targetEnds
        ? Promise.all([reads.committed.catch(() => scopeGroups(source, topics, options.groupPatterns)), reads.sourceEnds.catch(() => endOffsets(source, topics)), reads.targetEnds])
        : Promise.all([scopeGroups(source, topics, options.groupPatterns), endOffsets(source, topics), endOffsets(target, topics)]),
      running ? running.finish(5_000) : Promise.resolve([]),
    ]);
    for (const [k, v] of tEnds) if (targetEnds[k] !== undefined && v.high.toString() !== targetEnds[k]) throw new CheckFailedError('TARGET_MOVED', `the target moved after replication stopped (${k.replace('\u0000', '[')}]): something else writes to it`, { hint: 'stop it, then --resume' });
    const kept = stillValid([...(ctx.out('drain-consumers').ahead ?? []), ...later], committed);
    const rest = committed.filter((c) => !kept.has(groupTpKey(c)));
    let fresh: GroupResult[] = [];
    if (rest.length > 0) {
      // read once per process: the syncs are anchors for the windows read, the checkpoints a comparison
      const read = running?.anchorsRead;
      const { checkpoints, syncs } = read ? await read.catch(() => readAnchors(source, target)) : await readAnchors(source, target);
      fresh = translationResults(rest, await translateOffsets(source, target, requestsFor(rest), { sourceEnds: sEnds, targetEnds: tEnds, syncs }), { checkpoints, syncs });
    }
    const freshByKey = new Map(fresh.map((r) => [groupTpKey(r), r]));
    // in the order the groups' offsets were read, as before
    const results = committed.map((c) => kept.get(groupTpKey(c)) ?? freshByKey.get(groupTpKey(c))!);
    const bad = results.filter((r) => r.kind === 'diverged' || r.kind === 'not-replicated');
    if (bad.length > 0) throw new CheckFailedError('TRANSLATION_FAILED', `no exact target offset for ${bad.map((b) => `${b.group} ${b.topic}[${b.partition}]@${b.sourceOffset} (${b.kind})`).join(', ')}`, { hint: 'run `zdp parity` to see where the logs differ' });
    for (const r of results.filter((x) => x.kind === 'below-log-start' || x.kind === 'beyond-end')) deps.log(`warning: ${r.group} ${r.topic}[${r.partition}] committed ${r.sourceOffset} is ${r.kind}: not written (the consumer resets as it would on the source)`);
    return { offsets: results, ahead: kept.size };
  },
};

/** Every group's committed offset translated exactly (MirrorMaker 2's translation beside it). */
import { CheckFailedError } from '../../errors.js';
import { endOffsets, readCheckpoints, readOffsetSyncs, tpKey, translateOffsets } from '../../offsets/translation.js';
import type { CutoverStep } from '../types.js';
import { scopeGroups, translationResults } from './shared.js';

export const translate: CutoverStep<'translate'> = {
  name: 'translate',
  does: "Every group's committed offset translated exactly (MirrorMaker 2's translation beside it).",
  summary: (d) => `${(d.offsets as unknown[]).length} group offsets translated exactly`,
  async run(ctx) {
    const { deps, options } = ctx;
    const { source, target } = deps;
    const topics = ctx.header.topics;
    const targetEnds = ctx.out('stop-replication').targetEnds ?? {};
    const committed = await scopeGroups(source, topics, options.groupPatterns);
    const [sEnds, tEnds] = await Promise.all([endOffsets(source, topics), endOffsets(target, topics)]);
    for (const [k, v] of tEnds) if (targetEnds[k] !== undefined && v.high.toString() !== targetEnds[k]) throw new CheckFailedError('TARGET_MOVED', `the target moved after replication stopped (${k.replace('\u0000', '[')}]): something else writes to it`, { hint: 'stop it, then --resume' });
    const requests = [...new Set(committed.map((c) => tpKey(c.topic, c.partition)))].map((k) => {
      const [topic, partition] = k.split('\u0000') as [string, string];
      return { topic, partition: Number(partition), committed: [...new Set(committed.filter((c) => c.topic === topic && c.partition === Number(partition)).map((c) => c.offset))] };
    });
    const [checkpoints, syncs] = await Promise.all([readCheckpoints(target), readOffsetSyncs(source)]);
    const results = translationResults(committed, await translateOffsets(source, target, requests, { sourceEnds: sEnds, targetEnds: tEnds, syncs }), { checkpoints, syncs });
    const bad = results.filter((r) => r.kind === 'diverged' || r.kind === 'not-replicated');
    if (bad.length > 0) throw new CheckFailedError('TRANSLATION_FAILED', `no exact target offset for ${bad.map((b) => `${b.group} ${b.topic}[${b.partition}]@${b.sourceOffset} (${b.kind})`).join(', ')}`, { hint: 'run `zdp parity` to see where the logs differ' });
    for (const r of results.filter((x) => x.kind === 'below-log-start' || x.kind === 'beyond-end')) deps.log(`warning: ${r.group} ${r.topic}[${r.partition}] committed ${r.sourceOffset} is ${r.kind}: not written (the consumer resets as it would on the source)`);
    return { offsets: results };
  },
};

/** What clients produced on the target since the switch, copied back to the source (resumable without duplicating). */
import type { CutoverStep } from '../types.js';
import { copyBack } from './shared.js';

export const rollbackCopy: CutoverStep<'rollback-copy'> = {
  name: 'rollback-copy',
  does: 'What clients produced on the target since the switch, copied back to the source (resumable without duplicating).',
  summary: (d, { options }) => `${String(d.copied)} records produced on ${options.to} after the switch copied back to ${options.from}`,
  async run(ctx) {
    const { deps } = ctx;
    const { source, target } = deps;
    const topics = ctx.header.topics;
    const cut = ctx.out('stop-replication').targetEnds ?? {};
    const frozen = ctx.out('drain').sourceEnds ?? ctx.out('freeze').sourceEnds ?? {};
    // to the high watermark, not the last stable offset: records committed after a transaction a
    // fenced client left open are waited for (copyBack), not left behind
    return { copied: await copyBack(source, target, topics, cut, frozen, await target.highWatermarks(topics), deps.log) };
  },
};

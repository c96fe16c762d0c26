/** With zdp's filter: a standby instance per gateway instance loads for the target, then consumers get no records while producers flow, until every active group committed what it was given (or --drain-consumers-timeout); the offsets of groups already drained are translated meanwhile (./ahead.ts). */
import type { CutoverStep, DrainOutput } from '../types.js';
import { readOffsetSyncs } from '../../offsets/translation.js';
import { AheadTranslator, runningAhead } from './ahead.js';
import { activeGroupsNow, drainConsumersOn, quiesceOf } from './shared.js';

function drainSummary(d: DrainOutput): string {
  if (d.via !== 'filter') return 'no filter in the gateway: consumers are fenced with producers, by restarting it';
  const late = d.groups.filter((g) => !g.complete);
  const ahead = new Set((d.ahead ?? []).map((r) => r.group)).size;
  // the group the drain waited for longest, when all got there
  const last = late.length === 0 ? [...d.groups].filter((g) => g.completeAfterMs !== undefined).sort((a, b) => b.completeAfterMs! - a.completeAfterMs! || (a.group < b.group ? -1 : 1))[0] : undefined;
  return `consumers drained at the gateway: ${d.groups.length - late.length} of ${d.groups.length} active groups committed everything delivered${last ? ` (the last, ${last.group}, ${(last.completeAfterMs! / 1000).toFixed(1)} s after the first cut-off)` : ''}${late.length ? `; ${late.map((g) => `${g.group} ${g.uncommitted} uncommitted`).join(', ')}` : ''}${ahead ? `; offsets of ${ahead} group${ahead === 1 ? '' : 's'} translated and written on the target meanwhile` : ''}`;
}

export const drainConsumers: CutoverStep<'drain-consumers'> = {
  name: 'drain-consumers',
  does: "With zdp's filter: a standby instance per gateway instance loads for the target, then consumers get no records while producers flow, until every active group committed what it was given (or --drain-consumers-timeout); meanwhile the offsets of groups already drained are translated and written on the target.",
  summary: (d) => drainSummary(d),
  async run(ctx) {
    const { deps, options } = ctx;
    const { source, target, gateway } = deps;
    const topics = ctx.header.topics;
    const quiesce = await quiesceOf(deps);
    if (!quiesce) return { via: 'restart', groups: [], clients: [] };
    // what the hold's drain reads of MirrorMaker 2 (its offset syncs, the anchors of the tails it
    // looks for) is read meanwhile, every half second from the start of this step: the hold then
    // reads only what was appended since, or nothing. MirrorMaker 2's own committed offsets were
    // read so too while the drain's checks used them (with exactly-once source support it writes
    // them with every transaction, 380 records/s in the fleet benchmark); the checks no longer do,
    // and only a drain that fails reads them, for its message
    let warming: Promise<unknown> | undefined;
    const warm = () => {
      if (warming) return;
      warming = readOffsetSyncs(source)
        .catch(() => {})
        .finally(() => (warming = undefined));
    };
    warm();
    const warmer = setInterval(warm, 500);
    try {
      // while clients are still served: whatever the switch needs that takes time (a proxy JVM to load)
      await gateway.prepareSwitch?.(target.profile);
      const { groupIds = [], activeGroups = [] } = ctx.out('preflight');
      const active = await activeGroupsNow(source, topics, options.groupPatterns, activeGroups);
      const translator = new AheadTranslator(source, target, topics, deps.log);
      runningAhead.set(deps, translator);
      return await drainConsumersOn(source, quiesce, active, topics, options.drainConsumersTimeoutMs, deps.log, { translator, idle: groupIds.filter((g) => !active.includes(g)) });
    } finally {
      clearInterval(warmer);
    }
  },
};

/** With zdp's filter: a standby instance per gateway instance loads for the target, then consumers get no records while producers flow, until every active group committed what it was given (or --drain-consumers-timeout). */
import type { CutoverStep, DrainOutput } from '../types.js';
import { drainConsumersOn } from './shared.js';

function drainSummary(d: DrainOutput): string {
  if (d.via !== 'filter') return 'no filter in the gateway: consumers are fenced with producers, by restarting it';
  const late = d.groups.filter((g) => !g.complete);
  return `consumers drained at the gateway: ${d.groups.length - late.length} of ${d.groups.length} active groups committed everything delivered${late.length ? `; ${late.map((g) => `${g.group} ${g.uncommitted} uncommitted`).join(', ')}` : ''}`;
}

export const drainConsumers: CutoverStep<'drain-consumers'> = {
  name: 'drain-consumers',
  does: "With zdp's filter: a standby instance per gateway instance loads for the target, then consumers get no records while producers flow, until every active group committed what it was given (or --drain-consumers-timeout).",
  summary: (d) => drainSummary(d),
  async run(ctx) {
    const { deps, options } = ctx;
    const { source, target, gateway } = deps;
    const topics = ctx.header.topics;
    const quiesce = await gateway.quiesce?.();
    if (!quiesce) return { via: 'restart', groups: [], clients: [] };
    // while clients are still served: whatever the switch needs that takes time (a proxy JVM to load)
    await gateway.prepareSwitch?.(target.profile);
    return drainConsumersOn(source, quiesce, ctx.out('preflight').activeGroups ?? [], topics, options.drainConsumersTimeoutMs, deps.log);
  },
};

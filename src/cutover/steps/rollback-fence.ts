/** The quiesce of the forward cutover, on the target: consumers drained, producers held (or the proxy stopped without the filter). */
import { selectGroups } from '../../core/sampling.js';
import type { CutoverStep } from '../types.js';
import { drainConsumersOn } from './shared.js';

export const rollbackFence: CutoverStep<'rollback-fence'> = {
  name: 'rollback-fence',
  does: 'The quiesce of the forward cutover, on the target: consumers drained, producers held (or the proxy stopped without the filter).',
  summary: (d) => (d.via === 'filter' ? `consumers drained and producers held at the gateway (zdp's filter)${(d.groups as { complete: boolean }[]).some((g) => !g.complete) ? `; not drained in time: ${(d.groups as { group: string; complete: boolean }[]).filter((g) => !g.complete).map((g) => g.group).join(', ')}` : ''}` : 'clients fenced at the gateway (by stopping it)'),
  async run(ctx) {
    const { deps, options } = ctx;
    const { source, target, gateway } = deps;
    const topics = ctx.header.topics;
    const forward = ctx.out('translate').offsets ?? [];
    await gateway.prepareSwitch?.(source.profile);
    const quiesce = await gateway.quiesce?.();
    if (quiesce) {
      // the same quiesce as forward: consumers commit what they were given on the target, then producers are held
      const groups = [...new Set([...forward.map((f) => f.group), ...selectGroups(await target.listGroupIds(), options.groupPatterns)])].sort();
      const active = (await target.groupStates(groups)).filter((g) => g.members > 0).map((g) => g.group);
      const drained = await drainConsumersOn(target, quiesce, active, topics, options.drainConsumersTimeoutMs, deps.log);
      const fencedAt = Date.now();
      await quiesce.holdProducers(10_000);
      return { ...drained, fencedAt };
    }
    const fencedAt = Date.now();
    await gateway.fenceProducers();
    await gateway.fenceConsumers();
    return { fencedAt, via: 'restart', groups: [], clients: [] };
  },
};

/** Producers held at the filter (requests already forwarded are answered first); without the filter, the proxy is stopped. */
import { CheckFailedError } from '../../errors.js';
import type { CutoverStep } from '../types.js';
import { runningAhead } from './ahead.js';
import { quiesceOf } from './shared.js';

export const fence: CutoverStep<'fence'> = {
  name: 'fence',
  does: 'Producers held at the filter (requests already forwarded are answered first); without the filter, the proxy is stopped.',
  summary: (out, { deps: { gateway } }) => (out.via === 'filter' ? `producers held at the gateway (${gateway.kind}, zdp's filter): what was already forwarded is answered` : `producers and consumers fenced at the gateway (${gateway.kind}, by stopping it)`),
  async run(ctx) {
    const { deps } = ctx;
    const { target, gateway } = deps;
    const filtered = ctx.out('drain-consumers').via === 'filter';
    // the control the drain went through (consumers wait meanwhile)
    const quiesce = filtered ? await quiesceOf(deps) : undefined;
    if (filtered && !quiesce) throw new CheckFailedError('GATEWAY_FILTER_LOST', `the gateway's filter drained consumers but does not answer any more`, { hint: '`zdp gateway status`; then --resume, or --rollback to release the gateway on the source' });
    if (quiesce) {
      const fencedAt = Date.now();
      const holding = quiesce.holdProducers(10_000);
      // the groups drained last are translated once the hold was asked for, not before (see AheadTranslator.defer)
      runningAhead.get(deps)?.release();
      await holding;
      return { fencedAt, via: 'filter' };
    }
    // while clients are still served: whatever the switch needs that takes time (a proxy JVM to load)
    await gateway.prepareSwitch?.(target.profile);
    const fencedAt = Date.now();
    await gateway.fenceProducers();
    await gateway.fenceConsumers();
    return { fencedAt, via: 'restart' };
  },
};

/** The gateway routes to the target (a standby binds); consumers of the drained groups get no records until they rejoined there. */
import type { CutoverStep } from '../types.js';

export const switchStep: CutoverStep<'switch'> = {
  name: 'switch',
  does: 'The gateway routes to the target (a standby binds); consumers of the drained groups get no records until they rejoined there.',
  summary: (d, { options }) => `gateway now routes to ${options.to} (ready in ${String(d.readyMs)} ms)`,
  async run(ctx) {
    const { deps } = ctx;
    const { target, gateway } = deps;
    const drainConsumers = ctx.out('drain-consumers');
    // consumers that were in a group read from the offsets zdp wrote, not from where they were: they get no records until they rejoined
    await gateway.switchTo(target.profile, { gate: drainConsumers.clients ?? [] });
    const { readyMs } = await gateway.release();
    return { releasedAt: Date.now(), readyMs: Math.round(readyMs) };
  },
};

/** The gateway routes to the target (bound early: the bind finished, the held requests go out; else a standby binds now); consumers of the drained groups get no records until they rejoined there. */
import type { CutoverStep } from '../types.js';
import { bindings } from './bind.js';

export const switchStep: CutoverStep<'switch'> = {
  name: 'switch',
  does: 'The gateway routes to the target (bound early: the bind finished, the held requests go out; else a standby binds now); consumers of the drained groups get no records until they rejoined there.',
  summary: (d, { options }) => `gateway now routes to ${options.to} (ready in ${String(d.readyMs)} ms)`,
  async run(ctx) {
    const { deps } = ctx;
    const { target, gateway } = deps;
    const gate = ctx.out('drain-consumers').clients ?? [];
    // bound early: the bind begun after the fence, finished (by this process, or begun again: it is idempotent); then the switch changes nothing and the release lets the held requests go
    const bound = ctx.out('bind').early ? await (bindings.get(deps) ?? gateway.bindEarly?.(target.profile, { gate })) : undefined;
    // consumers that were in a group read from the offsets zdp wrote, not from where they were: they get no records until they rejoined
    await gateway.switchTo(target.profile, { gate });
    const { readyMs } = await gateway.release();
    return { releasedAt: Date.now(), readyMs: Math.round(readyMs), ...(bound ? { boundReadyMs: Math.round(bound.readyMs) } : {}) };
  },
};

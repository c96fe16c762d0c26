/** The gateway routes to the source again: before the switch, the gateway is just released there (nothing reached the target); after it, once the groups were written back. */
import type { CutoverStep } from '../types.js';

export const releaseBeforeSwitch: CutoverStep<'rollback-switch'> = {
  name: 'rollback-switch',
  does: 'The gateway released on the source: the standby goes, held requests go out; nothing reached the target.',
  summary: (_out, { options }) => `gateway released on ${options.from}`,
  async run(ctx) {
    const { source, gateway } = ctx.deps;
    // before the point of no return: nothing reached the target; the standby goes, the gateway serves the source again
    await gateway.cancelSwitch?.();
    await gateway.switchTo(source.profile);
    const { readyMs } = await gateway.release();
    return { releasedAt: Date.now(), readyMs: Math.round(readyMs), beforeSwitch: true };
  },
};

export const rollbackSwitch: CutoverStep<'rollback-switch'> = {
  name: 'rollback-switch',
  does: 'The gateway routes to the source again; consumers drained on the target rejoin there before they read.',
  summary: (_out, { options }) => `gateway routes to ${options.from} again`,
  async run(ctx) {
    const { source, gateway } = ctx.deps;
    // consumers drained on the target read from the offsets written back, not from where they were
    await gateway.switchTo(source.profile, { gate: ctx.out('rollback-fence').clients ?? [] });
    const { readyMs } = await gateway.release();
    return { releasedAt: Date.now(), readyMs: Math.round(readyMs) };
  },
};

/** The gateway routes to the source again: before the switch, the gateway is just released there (nothing reached the target); after it, once the groups were written back. */
import type { CutoverStep } from '../types.js';

export const releaseBeforeSwitch: CutoverStep<'rollback-switch'> = {
  name: 'rollback-switch',
  does: 'The gateway released on the source (bound early in front of the target: it binds there again): the standby goes, held requests go out; nothing reached the target.',
  summary: (_out, { options }) => `gateway released on ${options.from}`,
  async run(ctx) {
    const { source, gateway } = ctx.deps;
    // before the point of no return: nothing reached the target; the standby goes, the gateway serves the source again
    await gateway.cancelSwitch?.();
    // bound early, the instances front the target, holding their clients: the source's are loaded
    // while they still hold them, so that clients wait held, not refused while a proxy starts
    if (ctx.out('bind').early) await gateway.prepareSwitch?.(source.profile);
    await gateway.switchTo(source.profile);
    const { readyMs } = await gateway.release();
    // a standby the bind had not reached (it stopped before the old instance went) is not left running
    await gateway.cancelSwitch?.();
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

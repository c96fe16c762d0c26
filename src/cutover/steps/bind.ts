/**
 * With zdp's filter, right after the fence: the gateway's new instances begin to bind in front of
 * the target, holding producers and every group request until the switch releases them. The bind
 * (the old instances' consumers told, the old instances gone, the new ones bound) runs beside the
 * freeze, the drain and the offsets' translation: clients reconnect, and a kafkajs producer waits
 * out its retry backoff, while the cutover still reads and writes the clusters. The switch waits
 * for it. Resumed in another process, the bind is begun again at once (it is idempotent).
 */
import type { CutoverDeps, CutoverStep, StepContext } from '../types.js';

/** the bind begun by this process, awaited by the switch (and by the runner before it exits) */
export const bindings = new WeakMap<CutoverDeps, Promise<{ readyMs: number } | undefined>>();

function begin(ctx: StepContext): void {
  const { target, gateway } = ctx.deps;
  // the consumers that were in a group read from the offsets zdp writes: gated until they rejoined, and their rejoin waits in the hold
  const binding = gateway.bindEarly!(target.profile, { gate: ctx.out('drain-consumers').clients ?? [] });
  // a failure is the switch's to report (it binds again)
  binding.catch(() => {});
  bindings.set(ctx.deps, binding);
}

export const bind: CutoverStep<'bind'> = {
  name: 'bind',
  does: "With zdp's filter: the gateway's new instances begin to bind in front of the target, holding producers and every group request (joins, offset reads and commits) until the switch; clients reconnect there while the cutover freezes, drains and writes the offsets.",
  summary: (d, { options }) => (d.early ? `gateway binding in front of ${options.to}, clients held there until the switch` : 'gateway binds at the switch'),
  async run(ctx) {
    const { gateway } = ctx.deps;
    // without the filter the proxy was stopped at the fence: it starts at the switch
    if (ctx.out('drain-consumers').via !== 'filter' || !gateway.bindEarly) return { early: false };
    begin(ctx);
    return { early: true, begunAt: Date.now() };
  },
  resumed(out, ctx) {
    // a cutover resumed after the bind began: its clients wait for the new instances, so the bind goes on at once, not at the switch
    if (out.early && ctx.deps.gateway.bindEarly && ctx.out('switch').releasedAt === undefined) begin(ctx);
  },
};

/**
 * The early bind (src/cutover/steps/bind.ts) and the switch that finishes it, with a stand-in
 * gateway: the bind step only begins the bind and returns, the switch waits for it before it
 * releases, a resumed cutover begins it again at once, and without the filter nothing binds early.
 * test/integration/cutover.test.ts and cutover-fleet.test.ts drive the real proxies.
 */
import { describe, expect, it } from 'vitest';
import { bind, bindings } from '../../src/cutover/steps/bind.js';
import { switchStep } from '../../src/cutover/steps/switch.js';
import type { CutoverDeps, StepContext, StepOutputs } from '../../src/cutover/types.js';
import type { GatewayControl } from '../../src/gateway/control.js';

function gateway(calls: string[], binding: Promise<{ readyMs: number } | undefined>): GatewayControl {
  return {
    kind: 'stand-in',
    capabilities: { separateProduceFence: true, seamlessSwitch: false },
    state: async () => ({ cluster: 'source', serving: true, address: '' }),
    fenceProducers: async () => {},
    fenceConsumers: async () => {},
    bindEarly: (cluster, options) => {
      calls.push(`bindEarly ${cluster.name} ${(options?.gate ?? []).join(',')}`);
      return binding;
    },
    switchTo: async (cluster) => void calls.push(`switchTo ${cluster.name}`),
    release: async () => {
      calls.push('release');
      return { readyMs: 3 };
    },
  };
}

function context(gw: GatewayControl, outs: Partial<{ [S in keyof StepOutputs]: Partial<StepOutputs[S]> }>): StepContext {
  const deps = { gateway: gw, target: { profile: { name: 'target', bootstrapServers: ['127.0.0.1:1'] } }, source: { profile: { name: 'source', bootstrapServers: ['127.0.0.1:2'] } }, log: () => {} } as unknown as CutoverDeps;
  return {
    deps,
    options: { from: 'source', to: 'target' } as StepContext['options'],
    header: { cutoverId: 'c', from: 'source', to: 'target', sourceClusterId: 's', targetClusterId: 't', topics: [], groups: [], startedAt: '' },
    out: ((step: keyof StepOutputs) => outs[step] ?? {}) as StepContext['out'],
  };
}

describe('the early bind', () => {
  it('is begun by the bind step and finished by the switch, before the release', async () => {
    const calls: string[] = [];
    let bound!: (v: { readyMs: number }) => void;
    const binding = new Promise<{ readyMs: number }>((r) => (bound = r));
    const gw = gateway(calls, binding);
    const outs: Parameters<typeof context>[1] = { 'drain-consumers': { via: 'filter', clients: ['kafkajs', 'consumer-java-1'] } };
    const ctx = context(gw, outs);
    // the step returns while the bind goes on (the steps after it run beside it)
    const out = await bind.run(ctx);
    expect(out).toMatchObject({ early: true, begunAt: expect.any(Number) });
    expect(calls).toEqual(['bindEarly target kafkajs,consumer-java-1']);
    expect(bindings.get(ctx.deps)).toBe(binding);
    outs.bind = out;
    const switching = switchStep.run(ctx);
    await new Promise((r) => setTimeout(r, 20));
    // nothing is released until the bind finished
    expect(calls).toEqual(['bindEarly target kafkajs,consumer-java-1']);
    bound({ readyMs: 42 });
    expect(await switching).toMatchObject({ readyMs: 3, boundReadyMs: 42 });
    expect(calls).toEqual(['bindEarly target kafkajs,consumer-java-1', 'switchTo target', 'release']);
  });

  it('is begun again at once by a resumed cutover (not at its switch), and not after the switch', async () => {
    const calls: string[] = [];
    const gw = gateway(calls, Promise.resolve({ readyMs: 1 }));
    const ctx = context(gw, { 'drain-consumers': { via: 'filter', clients: ['kafkajs'] } });
    bind.resumed!({ early: true, begunAt: 1 }, ctx);
    expect(calls).toEqual(['bindEarly target kafkajs']);
    // the switch of the resumed process waits for that bind, and does not begin another
    const later = context(gw, { 'drain-consumers': { via: 'filter', clients: ['kafkajs'] }, bind: { early: true } });
    expect(await switchStep.run({ ...later, deps: ctx.deps })).toMatchObject({ boundReadyMs: 1 });
    expect(calls).toEqual(['bindEarly target kafkajs', 'switchTo target', 'release']);
    // a switch in a process that has no bind under way (resumed at the switch) binds early first: idempotent
    await switchStep.run(later);
    expect(calls.slice(3)).toEqual(['bindEarly target kafkajs', 'switchTo target', 'release']);
    const after: string[] = [];
    const done = context(gateway(after, Promise.resolve({ readyMs: 1 })), { 'drain-consumers': { via: 'filter', clients: [] }, switch: { releasedAt: 5, readyMs: 1 } });
    bind.resumed!({ early: true }, done);
    bind.resumed!({ early: false }, context(gateway(after, Promise.resolve({ readyMs: 1 })), { 'drain-consumers': { via: 'filter', clients: [] } }));
    expect(after).toEqual([]);
  });

  it('binds nothing early without the filter (the fence stopped the proxy), nor for a gateway that cannot', async () => {
    const calls: string[] = [];
    const gw = gateway(calls, Promise.resolve({ readyMs: 1 }));
    expect(await bind.run(context(gw, { 'drain-consumers': { via: 'restart', clients: [] } }))).toEqual({ early: false });
    const { bindEarly: _, ...cannot } = gw;
    expect(await bind.run(context(cannot as GatewayControl, { 'drain-consumers': { via: 'filter', clients: [] } }))).toEqual({ early: false });
    expect(calls).toEqual([]);
    // the switch then binds, as without the early bind
    await switchStep.run(context(gw, { 'drain-consumers': { via: 'restart', clients: [] }, bind: { early: false } }));
    expect(calls).toEqual(['switchTo target', 'release']);
  });
});

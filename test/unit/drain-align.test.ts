/**
 * A fleet's drain ends brought together once every instance planned (alignDrainEnds): the filter's
 * side (POST /v1/drain-plan) is driven by a real proxy in test/integration/gateway-quiesce.test.ts;
 * here the rounds, against instances that answer as the filter does.
 */
import { describe, expect, it } from 'vitest';
import { alignDrainEnds, DRAIN_ALIGN_SLACK_MS } from '../../src/gateway/control.js';
import type { QuiesceState } from '../../src/gateway/quiesce.js';

/** An instance draining with its plan's end; aligned to a later end it takes that end, or (timer clients) its own next commit at or after it. */
function instance(end: number | undefined, commits: number[] = [], opts: { cutOff?: boolean; planAfterPolls?: number } = {}) {
  let polls = 0;
  const calls: number[] = [];
  return {
    calls,
    get end() {
      return end;
    },
    async state() {
      polls++;
      const planned = polls > (opts.planAfterPolls ?? 0);
      return { phase: planned ? 'drain-consumers' : 'serve', ...(planned && end !== undefined ? { drainEndsAt: end } : {}) } as QuiesceState;
    },
    async alignDrain(notBefore: number) {
      calls.push(notBefore);
      if (end === undefined || opts.cutOff || notBefore <= end + DRAIN_ALIGN_SLACK_MS) return end;
      end = commits.find((c) => c >= notBefore - DRAIN_ALIGN_SLACK_MS) ?? notBefore;
      return end;
    },
  };
}

describe('a fleet drain: ends brought together before anyone is cut off', () => {
  it('gives the latest end to an instance that planned one 5 s earlier, and asks nothing of one within the slack', async () => {
    const kafkajsOnly = instance(10_000);
    const java = instance(15_000);
    const near = instance(14_700);
    expect(await alignDrainEnds([kafkajsOnly, java, near], () => false)).toBe(15_000);
    expect(kafkajsOnly.calls).toEqual([15_000]);
    expect(kafkajsOnly.end).toBe(15_000);
    expect(java.calls).toEqual([]);
    expect(near.calls).toEqual([]);
  });

  it('follows an instance whose own consumers commit later than the end it was given, in a second round', async () => {
    // the Java instance's consumers commit at 13 s and 18 s: given 16 s, it moves to 18 s, and the other follows
    const kafkajsOnly = instance(16_000);
    const java = instance(13_000, [13_000, 18_000]);
    expect(await alignDrainEnds([kafkajsOnly, java], () => false)).toBe(18_000);
    expect(java.calls).toEqual([16_000]);
    expect(kafkajsOnly.calls).toEqual([18_000]);
  });

  it('waits until every instance has planned, and agrees on nothing when one has its consumers cut off already', async () => {
    const late = instance(20_000, [], { planAfterPolls: 2 });
    const cut = instance(10_000, [], { cutOff: true });
    expect(await alignDrainEnds([late, cut], () => false)).toBeUndefined();
    // asked each round, and left as it was
    expect(cut.calls).toEqual([20_000, 20_000, 20_000]);
  });

  it('does nothing once the phase requests settled, or when an instance does not say', async () => {
    const a = instance(10_000);
    expect(await alignDrainEnds([a, instance(15_000)], () => true)).toBeUndefined();
    expect(a.calls).toEqual([]);
    const silent = { state: async () => Promise.reject(new Error('no answer')), alignDrain: async () => undefined };
    expect(await alignDrainEnds([instance(10_000), silent], () => false, 200)).toBeUndefined();
  });
});

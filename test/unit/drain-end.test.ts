/** fleetDrainEnd: a fleet's drain ends at the timer clients' commit that keeps the longest wait least, over every instance's clients. */
import { describe, expect, it } from 'vitest';
import { fleetDrainEnd } from '../../src/core/cutover/drain-end.js';

describe('fleetDrainEnd', () => {
  it('is undefined without timer clients', () => {
    expect(fleetDrainEnd([], 1_000)).toBeUndefined();
  });

  it("ends at one client's next commit", () => {
    expect(fleetDrainEnd([[4_000, 5_000]], 1_000)).toBe(4_000);
  });

  it('ends where two groups out of step wait least: 1 s for the one ahead, not 4 s', () => {
    // instance A's Java group commits at 1.5, 6.5, 11.5 s; instance B's at 5.5, 10.5 s: ending at
    // B's 5.5 s commit, A's group waits 4 s from its 1.5 s commit; ending at A's 6.5 s, B's waits 1 s
    expect(fleetDrainEnd([[1_500, 5_000], [5_500, 5_000]], 0)).toBe(6_500);
  });

  it('is never before the latest first commit, nor beyond the horizon', () => {
    expect(fleetDrainEnd([[900, 5_000], [2_000, 5_000]], 0)).toBe(2_000);
    // a timer beyond the horizon is left out
    expect(fleetDrainEnd([[900, 5_000], [20_000, 5_000]], 0)).toBe(900);
  });

  it('takes the earlier of two equal choices', () => {
    expect(fleetDrainEnd([[1_000, 2_000], [1_000, 2_000]], 0)).toBe(1_000);
  });

  it('ignores malformed timers from an instance', () => {
    expect(fleetDrainEnd([[Number.NaN, 5_000], [3_000, 0], [3_000, 5_000]], 0)).toBe(3_000);
  });
});

import { describe, expect, it } from 'vitest';
import { longestGapAcross } from '../../src/demo/workload.js';

describe('longestGapAcross: a producer pause is the gap that overlaps the hold, not its slowest send elsewhere', () => {
  const times = [0, 100, 1_600, 1_700, 1_800, 3_000, 3_100];

  it('takes the longest gap overlapping the window, however long the gaps outside it', () => {
    // 100 -> 1,600 lies before the window; 1,800 -> 3,000 spans its start
    expect(longestGapAcross(times, 2_000, 2_500)).toBe(1_200);
    expect(longestGapAcross(times, 1_650, 1_750)).toBe(100);
    expect(longestGapAcross(times, 50, 3_050)).toBe(1_500);
  });

  it('counts a gap that only touches the window from outside as not overlapping it', () => {
    expect(longestGapAcross(times, 1_600, 1_700)).toBe(100);
  });

  it('is undefined with no progress after the window opens', () => {
    expect(longestGapAcross(times, 3_200, 4_000)).toBeUndefined();
    expect(longestGapAcross([], 0, 10)).toBeUndefined();
    expect(longestGapAcross([5], 0, 10)).toBeUndefined();
  });
});

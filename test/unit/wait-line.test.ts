import { describe, expect, it } from 'vitest';
import { waitLine, type PartitionProgress } from '../../src/core/migration/lag.js';

const row = (topic: string, partition: number, lag: bigint) => ({ topic, partition, lag }) as unknown as PartitionProgress;

describe('zdp migrate status --wait progress line', () => {
  it('gives the lag per lagging topic, the copy rate and the time left', () => {
    const rows = [row('b', 0, 300n), row('a', 0, 100n), row('a', 1, 100n), row('c', 0, 0n)];
    expect(waitLine(rows, 500n, { total: 1500n, at: 0 }, 2_000, 62_000)).toBe('lag 500 records (a 200, b 300), 500 records/s ≈1s to go; gives up in 60s');
  });

  it('says when nothing moves, and folds many topics', () => {
    const rows = ['t1', 't2', 't3', 't4', 't5'].map((t) => row(t, 0, 10n));
    expect(waitLine(rows, 50n, { total: 50n, at: 0 }, 1_000, 500)).toBe('lag 50 records (t1 10, t2 10, t3 10, +2 more), not moving; gives up in 0s');
  });
});

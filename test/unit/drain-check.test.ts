import { describe, expect, it } from 'vitest';
import { sourceView } from '../../src/core/cutover/drain-check.js';

describe("the replication drain's view of the source's ends", () => {
  const frozen = { 'a\u00000': '10', 'a\u00001': '7' };

  it('is stable and current when the read finds the frozen ends and the tails were looked for there', () => {
    expect(sourceView({ ...frozen }, frozen, undefined, frozen)).toEqual({ stable: true, current: true });
  });

  it('is neither when the source moved since the ends whose tails were looked for', () => {
    const moved = { 'a\u00000': '12', 'a\u00001': '7' };
    expect(sourceView(moved, frozen, undefined, frozen)).toEqual({ stable: false, current: false });
    // the next check looks for the tails of the moved ends: stable once two reads agree
    expect(sourceView(moved, frozen, moved, moved)).toEqual({ stable: true, current: true });
  });

  it('is not current when the tails came from other ends than the read, even on a stable source', () => {
    // a read agreeing with the check before, while the tails looked for were older: found tails say nothing of these ends
    const later = { 'a\u00000': '12', 'a\u00001': '7' };
    expect(sourceView(later, frozen, later, frozen)).toEqual({ stable: true, current: false });
    // a partition the looked-for ends lack (a topic's partitions added)
    expect(sourceView({ ...frozen, 'a\u00002': '0' }, frozen, undefined, frozen).current).toBe(false);
  });
});

/**
 * The window planner of offset translation, without a cluster: which windows it asks for first,
 * what it answers at once, and how it grows a window (or moves to the next anchor) after a read.
 */
import { describe, expect, it } from 'vitest';
import { advanceWindows, planWindows } from '../../src/core/offsets/window-planner.js';
import { tpKey, type FpRecord, type PartitionEnds } from '../../src/core/offsets/translate.js';

const ends = (low: bigint, high: bigint): PartitionEnds => ({ topic: 't', partition: 0, low, high });
const key = tpKey('t', 0);
const records = (from: number, to: number, fp = (i: number) => `r${i}`): FpRecord[] => Array.from({ length: to - from }, (_, i) => ({ offset: BigInt(from + i), fp: fp(from + i) }));

describe('translation window planner', () => {
  it('starts from the newest offset sync below the committed offset, then the partition start', () => {
    const { pending, done } = planWindows([{ topic: 't', partition: 0, committed: [500n] }], {
      sourceEnds: new Map([[key, ends(0n, 1000n)]]),
      targetEnds: new Map([[key, ends(0n, 1000n)]]),
      syncs: new Map([[key, [{ topic: 't', partition: 0, upstream: 100n, downstream: 100n }, { topic: 't', partition: 0, upstream: 400n, downstream: 402n }, { topic: 't', partition: 0, upstream: 600n, downstream: 601n }]]]),
      slack: 16n,
    });
    expect(done).toEqual([]);
    expect(pending).toHaveLength(1);
    expect(pending[0]!.anchors).toEqual([{ kind: 'offset-sync', source: 400n, target: 402n }, { kind: 'partition-start', source: 0n, target: 0n }]);
    // the source window reaches past the committed offset; the target window twice that from the anchor
    expect(pending[0]!.sourceTo).toBe(516n);
    expect(pending[0]!.targetTo).toBe(402n + (516n - 400n) * 2n + 16n);
  });

  it('answers at once what needs no records: a committed offset at the end of the log', () => {
    const { pending, done } = planWindows([{ topic: 't', partition: 0, committed: [10n] }], {
      sourceEnds: new Map([[key, ends(0n, 10n)]]),
      targetEnds: new Map([[key, ends(0n, 12n)]]),
      syncs: new Map(),
      slack: 16n,
    });
    expect(pending).toEqual([]);
    expect(done).toHaveLength(1);
    expect(done[0]!.results.get(10n)).toMatchObject({ kind: 'caught-up', target: 12n });
  });

  it('says what to read next: a longer source window when the committed offset was not reached, then the exact answer', () => {
    const { pending } = planWindows([{ topic: 't', partition: 0, committed: [40n] }], {
      sourceEnds: new Map([[key, ends(0n, 100n)]]),
      targetEnds: new Map([[key, ends(0n, 100n)]]),
      syncs: new Map(),
      slack: 8n,
    });
    const st = pending[0]!;
    expect(st.sourceTo).toBe(48n);
    // the read came back short (a fetch limit): nothing at or after 40 yet
    st.srcRecords.push(...records(0, 30));
    st.tgtRecords.push(...records(0, 30));
    const first = advanceWindows(pending, 8n, false);
    expect(first.done).toEqual([]);
    expect(first.next).toHaveLength(1);
    expect(first.next[0]!.sourceTo).toBe(96n);
    // the next read holds the record after the commit on both sides
    st.srcRecords.splice(0, st.srcRecords.length, ...records(0, 96));
    st.tgtRecords.splice(0, st.tgtRecords.length, ...records(0, 100));
    const second = advanceWindows(first.next, 8n, false);
    expect(second.next).toEqual([]);
    expect(second.done[0]!.results.get(40n)).toMatchObject({ kind: 'exact', target: 40n });
  });

  it('drops an anchor that leads nowhere and tries the next one', () => {
    const { pending } = planWindows([{ topic: 't', partition: 0, committed: [20n] }], {
      sourceEnds: new Map([[key, ends(0n, 40n)]]),
      targetEnds: new Map([[key, ends(0n, 40n)]]),
      syncs: new Map([[key, [{ topic: 't', partition: 0, upstream: 10n, downstream: 30n }]]]),
      slack: 64n,
    });
    const st = pending[0]!;
    expect(st.anchors.map((a) => a.kind)).toEqual(['offset-sync', 'partition-start']);
    st.srcRecords.push(...records(10, 40));
    st.tgtRecords.push(...records(30, 40, (i) => `other${i}`));
    const step = advanceWindows(pending, 64n, false);
    expect(step.next).toHaveLength(1);
    expect(step.next[0]!.anchors.map((a) => a.kind)).toEqual(['partition-start']);
  });

  it('answers everything on the last round with what was read', () => {
    const { pending } = planWindows([{ topic: 't', partition: 0, committed: [40n] }], {
      sourceEnds: new Map([[key, ends(0n, 100n)]]),
      targetEnds: new Map([[key, ends(0n, 100n)]]),
      syncs: new Map(),
      slack: 8n,
    });
    pending[0]!.srcRecords.push(...records(0, 30));
    const step = advanceWindows(pending, 8n, true);
    expect(step.next).toEqual([]);
    expect(step.done).toHaveLength(1);
    expect(step.done[0]!.results.has(40n)).toBe(false);
  });
});

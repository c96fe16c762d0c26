import { describe, expect, it } from 'vitest';
import { groupTpKey, requestsFor, stillValid } from '../../src/core/cutover/ahead.js';

describe('offsets translated ahead of the hold', () => {
  const ahead = [
    { group: 'g1', topic: 't', partition: 0, sourceOffset: '10', targetOffset: '12', kind: 'exact' },
    { group: 'g1', topic: 't', partition: 1, sourceOffset: '7', targetOffset: '7', kind: 'exact' },
    { group: 'g2', topic: 't', partition: 0, sourceOffset: '4', targetOffset: '5', kind: 'exact' },
  ];

  it('keeps a row only while the group still commits the offset that was translated', () => {
    const kept = stillValid(ahead, [
      { group: 'g1', topic: 't', partition: 0, offset: 10n },
      // committed again after the translation: translated again in the hold
      { group: 'g1', topic: 't', partition: 1, offset: 9n },
      // a group that was not translated ahead
      { group: 'g3', topic: 't', partition: 0, offset: 4n },
    ]);
    expect([...kept.keys()]).toEqual([groupTpKey({ group: 'g1', topic: 't', partition: 0 })]);
    expect(kept.get(groupTpKey({ group: 'g1', topic: 't', partition: 0 }))?.targetOffset).toBe('12');
    // a group no longer committed at all is not kept either
    expect(stillValid(ahead, []).size).toBe(0);
  });

  it('asks once per partition, with each distinct committed offset', () => {
    expect(requestsFor([
      { topic: 't', partition: 0, offset: 10n },
      { topic: 't', partition: 0, offset: 10n },
      { topic: 't', partition: 0, offset: 4n },
      { topic: 'u', partition: 2, offset: 1n },
    ])).toEqual([
      { topic: 't', partition: 0, committed: [10n, 4n] },
      { topic: 'u', partition: 2, committed: [1n] },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { activeGroupsNow } from '../../src/cutover/steps/shared.js';
import type { Side } from '../../src/offsets/translation.js';

/** Only what activeGroupsNow reads of a cluster: its group ids and their members' assignments. */
function cluster(groups: Record<string, { topic: string; partition: number }[][]>): Side {
  return {
    listGroupIds: async () => Object.keys(groups),
    groupStates: async (ids: readonly string[]) =>
      ids.map((group) => ({ group, state: groups[group]!.length > 0 ? 'Stable' : 'Empty', members: groups[group]!.length, clients: groups[group]!.map((assignment) => ({ clientId: 'kafkajs', assignment })) })),
  } as unknown as Side;
}

describe('the groups a cutover drains', () => {
  const side = cluster({
    billing: [[{ topic: 'orders', partition: 0 }]],
    // started after preflight: not committed yet, assigned an in-scope partition
    late: [[{ topic: 'orders', partition: 1 }], []],
    // started after preflight on a topic out of scope
    elsewhere: [[{ topic: 'audit', partition: 0 }]],
    // no members
    idle: [],
  });

  it('adds a group that started since preflight on an in-scope topic, committed or not', async () => {
    expect(await activeGroupsNow(side, ['orders'], [], ['billing'])).toEqual(['billing', 'late']);
  });

  it('leaves out a group --group does not name', async () => {
    expect(await activeGroupsNow(side, ['orders'], ['bill*'], ['billing'])).toEqual(['billing']);
  });

  it('keeps the groups active at preflight even when they have no members now', async () => {
    expect(await activeGroupsNow(cluster({ billing: [] }), ['orders'], [], ['billing'])).toEqual(['billing']);
  });
});

import { describe, expect, it } from 'vitest';
import { drainProgress, latestCommitted } from '../../src/core/cutover/drain.js';

const member = (clientId: string, ...tps: [string, number][]) => ({ clientId, assignment: tps.map(([topic, partition]) => ({ topic, partition })) });

describe('drainProgress: what the gateway delivered against what each group committed', () => {
  it('a group is drained when every partition it was given is committed past the last record delivered', () => {
    const out = drainProgress(
      [
        { client: 'consumer-a-1', topic: 't', partition: 0, offset: 41 },
        { client: 'consumer-a-1', topic: 't', partition: 1, offset: 9 },
      ],
      [{ group: 'a', members: [member('consumer-a-1', ['t', 0], ['t', 1])] }],
      [
        { group: 'a', topic: 't', partition: 0, offset: 42n },
        { group: 'a', topic: 't', partition: 1, offset: 12n },
      ],
    );
    expect(out).toEqual([{ group: 'a', partitions: 2, uncommitted: 0, complete: true, behind: [] }]);
  });

  it('counts records delivered but not committed, and a partition never committed from zero', () => {
    const out = drainProgress(
      [
        { client: 'c', topic: 't', partition: 0, offset: 99 },
        { client: 'c', topic: 't', partition: 1, offset: 4 },
      ],
      [{ group: 'g', members: [member('c', ['t', 0], ['t', 1])] }],
      [{ group: 'g', topic: 't', partition: 0, offset: 90n }],
    );
    expect(out[0]).toMatchObject({ complete: false, uncommitted: 10 + 5 });
    expect(out[0]!.behind).toEqual([
      { topic: 't', partition: 0, delivered: 99, committed: '90' },
      { topic: 't', partition: 1, delivered: 4, committed: null },
    ]);
  });

  it('only partitions assigned to the member count: what the same client read for another group or topic does not', () => {
    const out = drainProgress(
      [
        { client: 'kafkajs', topic: 'orders', partition: 0, offset: 10 },
        { client: 'kafkajs', topic: 'payments', partition: 0, offset: 500 },
      ],
      [
        { group: 'orders-app', members: [member('kafkajs', ['orders', 0])] },
        { group: 'idle', members: [member('other')] },
      ],
      [{ group: 'orders-app', topic: 'orders', partition: 0, offset: 11n }],
    );
    expect(out).toEqual([
      { group: 'idle', partitions: 0, uncommitted: 0, complete: true, behind: [] },
      { group: 'orders-app', partitions: 1, uncommitted: 0, complete: true, behind: [] },
    ]);
  });

  it('two members of one group given the same partition across a rebalance: the furthest delivery counts', () => {
    const out = drainProgress(
      [
        { client: 'x', topic: 't', partition: 3, offset: 20 },
        { client: 'y', topic: 't', partition: 3, offset: 25 },
      ],
      [{ group: 'g', members: [member('x', ['t', 3]), member('y', ['t', 3])] }],
      [{ group: 'g', topic: 't', partition: 3, offset: 21n }],
    );
    expect(out[0]).toMatchObject({ complete: false, uncommitted: 5 });
  });

  it('a group with no delivery through the gateway is drained (it read nothing)', () => {
    expect(drainProgress([], [{ group: 'g', members: [member('c', ['t', 0])] }], [])).toEqual([{ group: 'g', partitions: 0, uncommitted: 0, complete: true, behind: [] }]);
  });
});

describe('drainProgress with clients that share a client id (kafkajs\'s default "kafkajs")', () => {
  it('a connection that committed for a group belongs to it; one that spoke for another group does not', () => {
    const out = drainProgress(
      [
        { client: 'kafkajs', connection: 1, groups: ['app-1'], topic: 't', partition: 0, offset: 933 },
        { client: 'kafkajs', connection: 2, groups: ['app-4'], topic: 't', partition: 0, offset: 940 },
      ],
      [
        { group: 'app-1', members: [member('kafkajs', ['t', 0])] },
        { group: 'app-4', members: [member('kafkajs', ['t', 0])] },
      ],
      [
        { group: 'app-1', topic: 't', partition: 0, offset: 934n },
        { group: 'app-4', topic: 't', partition: 0, offset: 941n },
      ],
    );
    expect(out.map((g) => [g.group, g.complete, g.uncommitted])).toEqual([
      ['app-1', true, 0],
      ['app-4', true, 0],
    ]);
  });

  it('without a link (the fetch went to another broker than the coordinator), the furthest unlinked delivery counts: the safe side', () => {
    const out = drainProgress(
      [
        { client: 'kafkajs', connection: 1, groups: [], topic: 't', partition: 0, offset: 933 },
        { client: 'kafkajs', connection: 2, groups: [], topic: 't', partition: 0, offset: 940 },
      ],
      [{ group: 'app-1', members: [member('kafkajs', ['t', 0])] }],
      [{ group: 'app-1', topic: 't', partition: 0, offset: 934n }],
    );
    expect(out[0]).toMatchObject({ complete: false, uncommitted: 7 });
  });
});

describe('drainProgress with kafkajs, which fetches on a connection apart from its commits', () => {
  it("a fetch connection tied to a group by its commits is not another group's, on a transactional topic too (the position passed the commit marker)", () => {
    // measured in a fleet run: app-1 committed 434 after 433 (434 is a commit marker, its position
    // 435); app-4's connection was given up to 446. Untied, app-1 waited out the drain timeout
    const delivered = [
      { client: 'kafkajs', connection: 17, groups: ['app-1'], topic: 't', partition: 0, offset: 433, position: 435 },
      { client: 'kafkajs', connection: 43, groups: ['app-4'], topic: 't', partition: 0, offset: 446, position: 447 },
    ];
    const members = [
      { group: 'app-1', members: [member('kafkajs', ['t', 0])] },
      { group: 'app-4', members: [member('kafkajs', ['t', 0])] },
    ];
    const committed = [
      { group: 'app-1', topic: 't', partition: 0, offset: 434n },
      { group: 'app-4', topic: 't', partition: 0, offset: 447n },
    ];
    expect(drainProgress(delivered, members, committed).map((g) => [g.group, g.complete, g.uncommitted])).toEqual([
      ['app-1', true, 0],
      ['app-4', true, 0],
    ]);
    // the same connections untied: one connection per group there, and each is covered by a commit
    // of its own (446 by app-4's 447, 433 by app-1's 434), whichever is whose
    const untied = drainProgress(delivered.map((d) => ({ ...d, groups: [] })), members, committed);
    expect(untied.map((g) => [g.group, g.complete, g.uncommitted])).toEqual([
      ['app-1', true, 0],
      ['app-4', true, 0],
    ]);
  });

  it('groups reading one topic in step, their fetch connections untied: each drained group is drained (a fleet run waited out 10 s)', () => {
    // measured: app-1 committed 650 and app-4 643; their untied connections were given 649 and 642.
    // Counted for both, app-1's 649 kept app-4 behind until the drain timed out (app-4's connection
    // to another broker was tied, so its position did not single its consumer out either)
    const members = [
      { group: 'app-1', members: [member('kafkajs', ['t', 11], ['t', 5])] },
      { group: 'app-4', members: [member('kafkajs', ['t', 11], ['t', 5])] },
    ];
    const delivered = [
      { client: 'kafkajs', connection: 3, groups: [], topic: 't', partition: 11, offset: 649, position: 650 },
      { client: 'kafkajs', connection: 8, groups: [], topic: 't', partition: 11, offset: 642, position: 643 },
      { client: 'kafkajs', connection: 4, groups: ['app-1'], topic: 't', partition: 5, offset: 700, position: 701 },
      { client: 'kafkajs', connection: 9, groups: ['app-4'], topic: 't', partition: 5, offset: 690, position: 691 },
    ];
    const committed = [
      { group: 'app-1', topic: 't', partition: 11, offset: 650n },
      { group: 'app-4', topic: 't', partition: 11, offset: 643n },
      { group: 'app-1', topic: 't', partition: 5, offset: 701n },
      { group: 'app-4', topic: 't', partition: 5, offset: 691n },
    ];
    expect(drainProgress(delivered, members, committed).map((g) => [g.group, g.complete, g.uncommitted])).toEqual([
      ['app-1', true, 0],
      ['app-4', true, 0],
    ]);
    // in step and given the same records, one group committed them and the other not yet: whichever
    // connection is whose, one of them is not covered, so both wait (the safe side)
    const inStep = drainProgress(
      delivered.map((d) => (d.partition === 11 ? { ...d, offset: 648, position: 643 } : d)),
      members,
      [
        { group: 'app-1', topic: 't', partition: 11, offset: 649n },
        { group: 'app-4', topic: 't', partition: 11, offset: 643n },
        ...committed.filter((c) => c.partition === 5),
      ],
    );
    expect(inStep.map((g) => [g.group, g.complete, g.uncommitted])).toEqual([
      ['app-1', true, 0],
      ['app-4', false, 6],
    ]);
  });

  /** two groups of one client id ("kafkajs") reading partition t/0 */
  const appOneAndFour = [
    { group: 'app-1', members: [member('kafkajs', ['t', 0])] },
    { group: 'app-4', members: [member('kafkajs', ['t', 0])] },
  ];

  it('more untied connections on a partition than groups to pair them with: the furthest delivery counts for each', () => {
    // a third connection (another group's, or one left from a consumer that reconnected) cannot be
    // paired: app-4 waits for the furthest, as before
    const out = drainProgress(
      [
        { client: 'kafkajs', connection: 3, groups: [], topic: 't', partition: 0, offset: 649 },
        { client: 'kafkajs', connection: 8, groups: [], topic: 't', partition: 0, offset: 642 },
        { client: 'kafkajs', connection: 9, groups: [], topic: 't', partition: 0, offset: 600 },
      ],
      appOneAndFour,
      [
        { group: 'app-1', topic: 't', partition: 0, offset: 650n },
        { group: 'app-4', topic: 't', partition: 0, offset: 643n },
      ],
    );
    expect(out.map((g) => [g.group, g.complete, g.uncommitted])).toEqual([
      ['app-1', true, 0],
      ['app-4', false, 7],
    ]);
  });

  it("a group tied to its connection on a partition is not paired with another group's untied one there", () => {
    // app-1's connection is tied (given 648, committed 643: behind); app-4's untied 642 is app-4's
    // alone, so app-1's commit cannot cover it: app-4 (committed 600) is behind too
    const out = drainProgress(
      [
        { client: 'kafkajs', connection: 3, groups: ['app-1'], topic: 't', partition: 0, offset: 648 },
        { client: 'kafkajs', connection: 8, groups: [], topic: 't', partition: 0, offset: 642 },
      ],
      appOneAndFour,
      [
        { group: 'app-1', topic: 't', partition: 0, offset: 643n },
        { group: 'app-4', topic: 't', partition: 0, offset: 600n },
      ],
    );
    expect(out.map((g) => [g.group, g.complete, g.uncommitted])).toEqual([
      ['app-1', false, 6],
      ['app-4', false, 43],
    ]);
  });

  it("a member whose fetch connection is not tied yet still counts beside a member whose connection is", () => {
    // two consumers of one group, both "kafkajs": partition 0's connection is tied, partition 1's not
    const out = drainProgress(
      [
        { client: 'kafkajs', connection: 1, groups: ['app'], topic: 't', partition: 0, offset: 99, position: 100 },
        { client: 'kafkajs', connection: 2, groups: [], topic: 't', partition: 1, offset: 59, position: 60 },
      ],
      [{ group: 'app', members: [member('kafkajs', ['t', 0]), member('kafkajs', ['t', 1])] }],
      [
        { group: 'app', topic: 't', partition: 0, offset: 100n },
        { group: 'app', topic: 't', partition: 1, offset: 50n },
      ],
    );
    expect(out[0]).toMatchObject({ complete: false, uncommitted: 10, behind: [{ topic: 't', partition: 1, delivered: 59, committed: '50' }] });
  });

  it('a connection asking to fetch from exactly the group\'s committed offset, given nothing past it, is that group\'s drained consumer', () => {
    const out = drainProgress(
      [
        // app-0's fetch connection: delivered up to 2344, asks for 2345 (committed 2345); app-3's: delivered 2339, asks 2340
        { client: 'kafkajs', connection: 7, groups: [], topic: 't', partition: 0, offset: 2344, position: 2345 },
        { client: 'kafkajs', connection: 9, groups: [], topic: 't', partition: 0, offset: 2339, position: 2340 },
      ],
      [
        { group: 'app-0', members: [member('kafkajs', ['t', 0])] },
        { group: 'app-3', members: [member('kafkajs', ['t', 0])] },
      ],
      [
        { group: 'app-0', topic: 't', partition: 0, offset: 2345n },
        { group: 'app-3', topic: 't', partition: 0, offset: 2340n },
      ],
    );
    expect(out.map((g) => [g.group, g.complete, g.uncommitted])).toEqual([
      ['app-0', true, 0],
      ['app-3', true, 0],
    ]);
  });

  it('a group whose consumer was given records it has not committed is still behind', () => {
    const out = drainProgress(
      [{ client: 'kafkajs', connection: 9, groups: [], topic: 't', partition: 0, offset: 2344, position: 2345 }],
      [{ group: 'app-3', members: [member('kafkajs', ['t', 0])] }],
      [{ group: 'app-3', topic: 't', partition: 0, offset: 2340n }],
    );
    expect(out[0]).toMatchObject({ complete: false, uncommitted: 5 });
  });
});

describe('latestCommitted: the cluster as last read, and the commits the gateway saw answered since', () => {
  it('takes the furthest per group and partition, keeping what only one of them knows', () => {
    const out = latestCommitted(
      [
        { group: 'a', topic: 't', partition: 0, offset: 40n },
        { group: 'a', topic: 't', partition: 1, offset: 12n },
        { group: 'b', topic: 't', partition: 0, offset: 7n },
      ],
      [
        { group: 'a', topic: 't', partition: 0, offset: 42n },
        { group: 'a', topic: 't', partition: 1, offset: 11n },
        { group: 'c', topic: 'u', partition: 3, offset: 5n },
      ],
    );
    const at = (group: string, topic: string, partition: number) => out.find((c) => c.group === group && c.topic === topic && c.partition === partition)?.offset;
    expect(out).toHaveLength(4);
    expect(at('a', 't', 0)).toBe(42n);
    expect(at('a', 't', 1)).toBe(12n);
    expect(at('b', 't', 0)).toBe(7n);
    expect(at('c', 'u', 3)).toBe(5n);
  });

  it('finds a group drained from a commit the gateway saw before the cluster was read again', () => {
    const delivered = [{ client: 'consumer-a-1', topic: 't', partition: 0, offset: 41 }];
    const members = [{ group: 'a', members: [member('consumer-a-1', ['t', 0])] }];
    const cluster = [{ group: 'a', topic: 't', partition: 0, offset: 30n }];
    expect(drainProgress(delivered, members, cluster)[0]).toMatchObject({ complete: false, uncommitted: 12 });
    expect(drainProgress(delivered, members, latestCommitted(cluster, [{ group: 'a', topic: 't', partition: 0, offset: 42n }]))[0]).toMatchObject({ complete: true, uncommitted: 0 });
  });
});

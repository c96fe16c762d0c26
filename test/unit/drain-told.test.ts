/**
 * The cutover's consumer drain when the filter cuts the others (kafkajs) off only when told
 * (drainConsumersOn with a QuiesceControl whose drain has othersWhenTold): the others are told once
 * every timer client (Java) committed after its cut-off, not before; a group found drained before
 * then is neither counted nor translated ahead (it may be given more) unless its members all are
 * timer clients cut off; the drain ends once they are
 * cut off and every group committed what it was given. The filter and the cluster are stand-ins
 * here; test/integration/gateway-quiesce.test.ts drives the real filter.
 */
import { describe, expect, it } from 'vitest';
import { drainConsumersOn } from '../../src/cutover/steps/shared.js';
import type { AheadTranslator } from '../../src/cutover/steps/ahead.js';
import type { QuiesceControl } from '../../src/gateway/control.js';
import type { Side } from '../../src/offsets/translation.js';

const topic = 'orders';

/** a cluster whose groups `java` and `kjs` have one member each, on partition 0, and commit what `committed` says */
function cluster(committed: Map<string, bigint>): Side {
  return {
    groupStates: async (groups: readonly string[]) => groups.map((group) => ({ group, state: 'Stable', members: 1, clients: [{ clientId: group === 'java' ? 'consumer-java-1' : 'kafkajs', assignment: [{ topic, partition: 0 }] }] })),
    committedOffsets: async (groups: readonly string[]) => groups.flatMap((group) => (committed.has(group) ? [{ group, topic, partition: 0, offset: committed.get(group)!, metadata: null }] : [])),
  } as unknown as Side;
}

describe('drain: the others cut off when told', () => {
  it('tells the instances once every timer client committed after its cut-off, and ends once the others committed too', async () => {
    const committed = new Map<string, bigint>([
      ['java', 10n],
      // the kafkajs group committed what it was given so far: drained for a moment, not final
      ['kjs', 20n],
    ]);
    let timersWaiting = 1;
    let told = 0;
    let othersCut = false;
    const delivered = () => [
      { client: 'consumer-java-1', topic, partition: 0, offset: 14 },
      { client: 'kafkajs', topic, partition: 0, offset: othersCut ? 24 : 19 },
    ];
    const seenWhileNotCut: string[] = [];
    const quiesce: QuiesceControl = {
      instances: 1,
      drainConsumers: async () => ({ from: Date.now(), endsAt: Date.now() + 200, othersWhenTold: true }),
      // the Java consumer is cut off from the start; the filter saw its commit answered
      drainState: async () => ({ delivered: delivered(), committed: timersWaiting === 0 ? [{ group: 'java', topic, partition: 0, offset: 15n }] : [], timersWaiting, timersCut: ['consumer-java-1'], othersCut }),
      cutOthers: async () => {
        told++;
        othersCut = true;
      },
      holdProducers: async () => {},
    };
    const added: { groups: string[]; othersCut: boolean; deferred?: true }[] = [];
    const started = new Set<string>();
    const take = (groups: string[], deferred: boolean) => {
      const fresh = groups.filter((g) => !started.has(g));
      for (const g of fresh) started.add(g);
      if (fresh.length > 0) added.push({ groups: fresh, othersCut, ...(deferred ? { deferred: true as const } : {}) });
    };
    const translator = {
      add: (groups: string[]) => take(groups, false),
      defer: (groups: string[]) => take(groups, true),
      written: [],
    } as unknown as AheadTranslator;
    // the Java consumer commits after its cut-off 150 ms in; the kafkajs consumer 100 ms after it was told
    setTimeout(() => {
      committed.set('java', 15n);
      timersWaiting = 0;
      if (!othersCut) seenWhileNotCut.push('java committed');
    }, 150);
    const waitCut = async () => {
      while (!othersCut) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 100));
      committed.set('kjs', 25n);
    };
    void waitCut();
    const out = await drainConsumersOn(cluster(committed), quiesce, ['java', 'kjs'], [topic], 5_000, () => {}, { translator, idle: [] });
    expect(told).toBe(1);
    expect(seenWhileNotCut).toEqual(['java committed']);
    expect(out.groups.map((g) => [g.group, g.complete, g.uncommitted])).toEqual([
      ['java', true, 0],
      ['kjs', true, 0],
    ]);
    // the Java group, its member cut off, was translated once it had committed, before the others
    // were cut off; the kafkajs group, drained for a moment at 20, only once it was (it read on to
    // 25), and, drained last, once the hold is asked for (the fence releases it)
    expect(added).toEqual([
      { groups: ['java'], othersCut: false },
      { groups: ['kjs'], othersCut: true, deferred: true },
    ]);
  });

  it('does not tell twice when an instance did not take it, and ends at the timeout naming the group', async () => {
    let told = 0;
    const quiesce: QuiesceControl = {
      instances: 2,
      drainConsumers: async () => ({ from: Date.now(), endsAt: Date.now(), othersWhenTold: true }),
      // one instance was not reached: its others stay uncut (until its own latest)
      drainState: async () => ({ delivered: [{ client: 'kafkajs', topic, partition: 0, offset: 30 }], committed: [], timersWaiting: 0, othersCut: false }),
      cutOthers: async () => void told++,
      holdProducers: async () => {},
    };
    const out = await drainConsumersOn(cluster(new Map([['kjs', 31n]])), quiesce, ['kjs'], [topic], 400, () => {});
    expect(told).toBe(1);
    // committed what it was given, but not cut off: not counted as drained
    expect(out.groups).toEqual([{ group: 'kjs', uncommitted: 0, complete: true, behind: [] }]);
  });
});

/**
 * Parity's comparison is a pure function of two gathered snapshots and the translations read for
 * them: no cluster here. A partition whose gathering failed is reported as such, and the others
 * keep their rows.
 */
import { describe, expect, it } from 'vitest';
import { compareParity, parityRequests, type ParitySnapshot } from '../../src/core/offsets/parity.js';
import { tpKey, type PartitionEnds, type PartitionTranslation, type Translation } from '../../src/core/offsets/translate.js';

const ends = (topic: string, partition: number, low: bigint, high: bigint): PartitionEnds => ({ topic, partition, low, high });

function snapshot(over: Partial<ParitySnapshot> = {}): ParitySnapshot {
  return {
    topics: ['orders', 'audit'],
    groups: ['billing'],
    targetTopics: new Set(['orders']),
    sourceEnds: new Map([
      [tpKey('orders', 0), ends('orders', 0, 0n, 100n)],
      [tpKey('orders', 1), ends('orders', 1, 0n, 50n)],
      [tpKey('audit', 0), ends('audit', 0, 0n, 10n)],
    ]),
    targetEnds: new Map([
      [tpKey('orders', 0), ends('orders', 0, 0n, 104n)],
      [tpKey('orders', 1), ends('orders', 1, 0n, 50n)],
    ]),
    committed: [
      { group: 'billing', topic: 'orders', partition: 0, offset: 40n },
      { group: 'billing', topic: 'orders', partition: 1, offset: 50n },
      { group: 'billing', topic: 'audit', partition: 0, offset: 3n },
    ],
    targetCommitted: new Map(),
    syncs: new Map(),
    checkpoints: new Map([[`billing\u0000${tpKey('orders', 0)}`, { group: 'billing', topic: 'orders', partition: 0, upstream: 40n, downstream: 40n, metadata: '' }]]),
    ...over,
  };
}

function translation(topic: string, partition: number, results: Array<[bigint, Translation]>, over: Partial<PartitionTranslation> = {}): PartitionTranslation {
  return {
    topic,
    partition,
    source: ends(topic, partition, 0n, 100n),
    target: ends(topic, partition, 0n, 104n),
    anchor: { kind: 'partition-start', source: 0n, target: 0n },
    results: new Map(results),
    tail: { checked: 5, matched: 5 },
    targetOffsets: Array.from({ length: 104 }, (_, i) => BigInt(i)),
    ...over,
  };
}

describe('parity as a pure comparison', () => {
  it('asks to translate every partition both sides have, with the distinct committed offsets', () => {
    const requests = parityRequests(snapshot(), 20);
    expect(requests).toEqual([
      { topic: 'orders', partition: 0, committed: [40n], tail: 20 },
      { topic: 'orders', partition: 1, committed: [50n], tail: 20 },
    ]);
  });

  it('compares partitions and group offsets, and counts what trusting MirrorMaker 2 would re-read', () => {
    const report = compareParity(snapshot(), [
      // MM2's checkpoint says 40, the exact answer is 44: a consumer trusting it reads 4 records twice
      translation('orders', 0, [[40n, { kind: 'exact', target: 44n } as Translation]]),
      translation('orders', 1, [[50n, { kind: 'caught-up', target: 50n } as Translation]], { source: ends('orders', 1, 0n, 50n), target: ends('orders', 1, 0n, 50n), tail: { checked: 5, matched: 3 } }),
    ]);
    expect(report.partitions.map((p) => [p.topic, p.partition, p.status])).toEqual([
      ['audit', 0, 'missing'],
      ['orders', 0, 'ok'],
      ['orders', 1, 'lagging'],
    ]);
    expect(report.partitions[0]!.reason).toBe('topic is missing on the target');
    expect(report.offsets).toHaveLength(2);
    expect(report.offsets[0]).toMatchObject({ group: 'billing', topic: 'orders', partition: 0, sourceCommitted: 40n, exact: 44n, mm2: 40n, mm2From: 'checkpoint', mm2Error: 4, status: 'ok' });
    expect(report.summary).toMatchObject({ partitions: 3, ok: 1, lagging: 1, mismatch: 1, errors: 0, groupPartitions: 2, mm2ReRead: 4, mm2Skipped: 0 });
  });

  it('keeps every other partition when one could not be read', () => {
    const snap = snapshot({ errors: new Map([[tpKey('orders', 1), 'NOT_LEADER_OR_FOLLOWER after 5 tries']]) });
    const requests = parityRequests(snap, 5);
    expect(requests.map((r) => r.partition)).toEqual([0]);
    const report = compareParity(snap, [translation('orders', 0, [[40n, { kind: 'exact', target: 40n } as Translation]])]);
    const byKey = new Map(report.partitions.map((p) => [tpKey(p.topic, p.partition), p]));
    expect(byKey.get(tpKey('orders', 1))).toMatchObject({ status: 'error', reason: 'NOT_LEADER_OR_FOLLOWER after 5 tries' });
    expect(byKey.get(tpKey('orders', 0))!.status).toBe('ok');
    expect(report.offsets.map((o) => o.partition)).toEqual([0]);
    expect(report.summary).toMatchObject({ errors: 1, ok: 1, partitions: 3 });
  });

  it('keeps every other group when one group\'s offsets could not be read', () => {
    const snap = snapshot({
      groups: ['billing', 'audit-reader', 'shipping'],
      committed: [...snapshot().committed, { group: 'shipping', topic: 'orders', partition: 0, offset: 40n }],
      groupErrors: new Map([
        ['audit-reader', 'source: group authorization failed'],
        ['archive', 'target: the coordinator is not available'],
      ]),
    });
    const report = compareParity(snap, [translation('orders', 0, [[40n, { kind: 'exact', target: 40n } as Translation]]), translation('orders', 1, [[50n, { kind: 'caught-up', target: 50n } as Translation]])]);
    expect(report.groupErrors).toEqual([
      { group: 'archive', reason: 'target: the coordinator is not available' },
      { group: 'audit-reader', reason: 'source: group authorization failed' },
    ]);
    expect(report.offsets.map((o) => `${o.group}:${o.partition}`)).toEqual(['billing:0', 'billing:1', 'shipping:0']);
    expect(report.summary).toMatchObject({ errors: 2, groupErrors: 2, groupPartitions: 3 });
  });

  it('is deterministic: the same inputs in another order give the same report', () => {
    const a = compareParity(snapshot(), [translation('orders', 0, [[40n, { kind: 'exact', target: 44n } as Translation]]), translation('orders', 1, [[50n, { kind: 'caught-up', target: 50n } as Translation]])]);
    const b = compareParity(snapshot({ committed: [...snapshot().committed].reverse() }), [translation('orders', 1, [[50n, { kind: 'caught-up', target: 50n } as Translation]]), translation('orders', 0, [[40n, { kind: 'exact', target: 44n } as Translation]])]);
    expect(b).toEqual(a);
  });
});

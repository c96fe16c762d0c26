/**
 * Replication progress of a MirrorMaker 2 flow: per partition, the source's (stable) end offset,
 * the next source offset MM2 will copy (its committed offsets, read from the
 * `mm2-offsets.<source>.internal` topic that dedicated mode keeps on the target) and the lag in
 * committed records still to copy (transaction markers and aborted records do not count).
 */
import { mm2WorkerTopics } from '../core/migration/mm2.js';
import { parseMm2Offset, progress, type PartitionProgress } from '../core/migration/lag.js';
import { countDataRecords, inTurn, tpKey, type Side } from '../offsets/translation.js';

interface OffsetsCursor {
  /** next offset to read, per partition of MM2's offsets topic */
  positions: Map<number, bigint>;
  offsets: Map<string, bigint>;
}

/** the read under way per target (see inTurn) */
const turns = new WeakMap<Side, Promise<unknown>>();

/** What was read of each target's MM2 offsets topic, so repeated reads (a drain loop, --wait) fetch only what is new. */
const cursors = new WeakMap<Side, Map<string, OffsetsCursor>>();

/** MM2's committed source offsets, per topic-partition key. */
export async function mm2CommittedOffsets(target: Side, migrationId: string | undefined): Promise<Map<string, bigint>> {
  return inTurn(turns, target, () => readCommitted(target, migrationId));
}

async function readCommitted(target: Side, migrationId: string | undefined): Promise<Map<string, bigint>> {
  const MM2_OFFSETS_TOPIC = mm2WorkerTopics(migrationId).offsets;
  const perTarget = cursors.get(target) ?? new Map<string, OffsetsCursor>();
  cursors.set(target, perTarget);
  let cursor = perTarget.get(MM2_OFFSETS_TOPIC);
  if (!cursor) {
    const topics = await target.listTopics();
    if (!topics.includes(MM2_OFFSETS_TOPIC)) return new Map();
    cursor = { positions: new Map(), offsets: new Map() };
    perTarget.set(MM2_OFFSETS_TOPIC, cursor);
  }
  const c = cursor;
  const ends = await target.listOffsets([MM2_OFFSETS_TOPIC]);
  const windows = ends
    .map((e) => {
      const from = c.positions.get(e.partition) ?? e.low;
      // a position below the log start (compaction, retention) restarts that partition from its start
      return { partition: e.partition, start: from < e.low ? e.low : from, end: e.high };
    })
    .filter((w) => w.end > w.start);
  if (windows.length > 0) {
    // records of one partition arrive in order, so the last value read for a key is its latest
    const outcome = await target.fetchWindows([{ topic: MM2_OFFSETS_TOPIC, windows }], {
      timeoutMs: 30_000,
      onBatch: (_topic, records) => {
        for (const r of records) {
          if (!r.key) continue;
          const parsed = parseMm2Offset(r.key.toString('utf8'), r.value ? r.value.toString('utf8') : null);
          if (!parsed) continue;
          const key = tpKey(parsed.topic, parsed.partition);
          if (parsed.offset === null) c.offsets.delete(key);
          else c.offsets.set(key, parsed.offset);
        }
      },
    });
    // a window not read to its end is read again from the start next time, not skipped
    if (outcome.timedOut || (outcome.incomplete.get(MM2_OFFSETS_TOPIC)?.length ?? 0) > 0) perTarget.delete(MM2_OFFSETS_TOPIC);
    else for (const w of windows) c.positions.set(w.partition, w.end);
  }
  return new Map(c.offsets);
}

export async function replicationProgress(source: Side, target: Side, topics: readonly string[], engine: { committedOffsets(target: Side): Promise<Map<string, bigint>> } | undefined): Promise<PartitionProgress[]> {
  // gather from both clusters at once, then compute (core/migration/lag.ts)
  const [sourceOffsets, targetOffsets, committed] = await Promise.all([
    source.listOffsets(topics),
    target.listTopics().then((all) => {
      const present = new Set(all);
      return target.listOffsets(topics.filter((x) => present.has(x)));
    }),
    engine ? engine.committedOffsets(target) : Promise.resolve(new Map<string, bigint>()),
  ]);
  const targetEnds = new Map<string, bigint>();
  for (const o of targetOffsets) targetEnds.set(tpKey(o.topic, o.partition), o.high);
  const rows = progress(sourceOffsets, committed, targetEnds);
  const behind = rows.filter((r) => r.lag > 0n && r.lag <= 100_000n);
  if (behind.length > 0) {
    const counts = await countDataRecords(source, behind.map((r) => ({ topic: r.topic, partition: r.partition, start: r.next ?? r.sourceLow, end: r.sourceEnd })));
    for (const r of behind) {
      const n = counts.get(tpKey(r.topic, r.partition));
      if (n !== undefined) r.lag = n;
    }
  }
  return rows;
}

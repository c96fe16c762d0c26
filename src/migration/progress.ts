/**
 * Replication progress of a MirrorMaker 2 flow: per partition, the source's (stable) end offset,
 * the next source offset MM2 will copy (its committed offsets, read from the
 * `mm2-offsets.<source>.internal` topic that dedicated mode keeps on the target) and the lag in
 * committed records still to copy (transaction markers and aborted records do not count).
 */
import { mm2WorkerTopics } from '../core/migration/mm2.js';
import { parseMm2Offset, progress, type PartitionProgress } from '../core/migration/lag.js';
import { fetchWindows } from '../kafka/reader.js';
import { topicOffsets } from '../kafka/topics.js';
import { countDataRecords, tpKey, type Side } from '../offsets/translation.js';

/** MM2's committed source offsets, per topic-partition key. */
export async function mm2CommittedOffsets(target: Side, migrationId: string | undefined): Promise<Map<string, bigint>> {
  const MM2_OFFSETS_TOPIC = mm2WorkerTopics(migrationId).offsets;
  const out = new Map<string, bigint>();
  const topics = await target.admin.listTopics();
  if (!topics.includes(MM2_OFFSETS_TOPIC)) return out;
  const ends = await topicOffsets(target.admin, target.profile, [MM2_OFFSETS_TOPIC]);
  await fetchWindows(target.kafka, target.profile, [{ topic: MM2_OFFSETS_TOPIC, windows: ends.map((e) => ({ partition: e.partition, start: e.low, end: e.high })) }], {
    timeoutMs: 30_000,
    onBatch: (_topic, records) => {
      for (const r of records) {
        if (!r.key) continue;
        const parsed = parseMm2Offset(r.key.toString('utf8'), r.value ? r.value.toString('utf8') : null);
        if (!parsed) continue;
        const key = tpKey(parsed.topic, parsed.partition);
        if (parsed.offset === null) out.delete(key);
        else out.set(key, parsed.offset);
      }
    },
  });
  return out;
}

export async function replicationProgress(source: Side, target: Side, topics: readonly string[], engine: { committedOffsets(target: Side): Promise<Map<string, bigint>> } | undefined): Promise<PartitionProgress[]> {
  const sourceOffsets = await topicOffsets(source.admin, source.profile, topics);
  const present = new Set(await target.admin.listTopics());
  const targetEnds = new Map<string, bigint>();
  for (const o of await topicOffsets(target.admin, target.profile, topics.filter((x) => present.has(x)))) targetEnds.set(tpKey(o.topic, o.partition), o.high);
  const rows = progress(sourceOffsets, engine ? await engine.committedOffsets(target) : new Map<string, bigint>(), targetEnds);
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

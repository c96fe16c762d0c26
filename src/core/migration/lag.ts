/**
 * Replication progress from MirrorMaker 2's own source offsets: per partition, the source end
 * offset against the next offset MM2 will copy. Pure.
 */

export interface PartitionProgress {
  topic: string;
  partition: number;
  sourceLow: bigint;
  sourceEnd: bigint;
  /** next source offset MM2 will copy (its committed offset + 1), undefined before its first commit */
  next?: bigint;
  targetEnd?: bigint;
  lag: bigint;
}

/**
 * Parses one record of MM2's offsets topic: key [connector, {cluster, topic, partition}], value
 * {offset}. Records of the checkpoint connector ([connector, {group, topic, partition}]) are skipped.
 */
export function parseMm2Offset(key: string, value: string | null): { topic: string; partition: number; offset: bigint | null } | undefined {
  try {
    const k = JSON.parse(key) as [string, { cluster?: string; topic?: string; partition?: number }];
    // the checkpoint connector keeps its own progress in the same topic, keyed by group: not ours
    if (!Array.isArray(k) || typeof k[1]?.cluster !== 'string' || typeof k[1]?.topic !== 'string' || typeof k[1]?.partition !== 'number') return undefined;
    const v = value === null ? null : (JSON.parse(value) as { offset?: number });
    return { topic: k[1].topic, partition: k[1].partition, offset: v && typeof v.offset === 'number' ? BigInt(v.offset) : null };
  } catch {
    return undefined;
  }
}

export function progress(
  source: readonly { topic: string; partition: number; low: bigint; high: bigint }[],
  committed: ReadonlyMap<string, bigint>,
  target: ReadonlyMap<string, bigint>,
): PartitionProgress[] {
  return [...source]
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    .map((s) => {
      const key = `${s.topic}\u0000${s.partition}`;
      const c = committed.get(key);
      const next = c === undefined ? undefined : c + 1n;
      const from = next ?? s.low;
      const lag = s.high > from ? s.high - from : 0n;
      const t = target.get(key);
      return { topic: s.topic, partition: s.partition, sourceLow: s.low, sourceEnd: s.high, ...(next !== undefined ? { next } : {}), ...(t !== undefined ? { targetEnd: t } : {}), lag };
    });
}

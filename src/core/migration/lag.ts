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

/** One line of `status --wait` progress: the lag per topic, the copy rate since the last poll, the time left. */
export function waitLine(rows: readonly PartitionProgress[], total: bigint, previous: { total: bigint; at: number }, now: number, deadline: number): string {
  const byTopic = new Map<string, bigint>();
  for (const r of rows) byTopic.set(r.topic, (byTopic.get(r.topic) ?? 0n) + r.lag);
  const lagging = [...byTopic].filter(([, lag]) => lag > 0n).sort(([a], [b]) => a.localeCompare(b));
  const seconds = Math.max(0.001, (now - previous.at) / 1000);
  const rate = Number(previous.total - total) / seconds;
  const eta = rate > 0 ? ` ≈${Math.ceil(Number(total) / rate)}s to go` : '';
  const topics = lagging.slice(0, 3).map(([t, lag]) => `${t} ${lag}`).join(', ') + (lagging.length > 3 ? `, +${lagging.length - 3} more` : '');
  return `lag ${total} records${topics ? ` (${topics})` : ''}, ${rate > 0 ? `${Math.round(rate)} records/s` : 'not moving'}${eta}; gives up in ${Math.max(0, Math.round((deadline - now) / 1000))}s`;
}

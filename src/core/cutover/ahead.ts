/** Offsets translated ahead of the hold, and which of them still hold inside it. Pure. */
import { tpKey } from '../offsets/translate.js';

interface Committed {
  group: string;
  topic: string;
  partition: number;
  offset: bigint;
}

/** One translation request per partition, with every distinct committed offset on it. */
export function requestsFor(committed: readonly Omit<Committed, 'group'>[]): { topic: string; partition: number; committed: bigint[] }[] {
  const byTp = new Map<string, { topic: string; partition: number; committed: Set<bigint> }>();
  for (const c of committed) {
    const k = tpKey(c.topic, c.partition);
    (byTp.get(k) ?? byTp.set(k, { topic: c.topic, partition: c.partition, committed: new Set() }).get(k)!).committed.add(c.offset);
  }
  return [...byTp.values()].map((r) => ({ topic: r.topic, partition: r.partition, committed: [...r.committed] }));
}

export const groupTpKey = (r: { group: string; topic: string; partition: number }) => `${r.group}\u0000${tpKey(r.topic, r.partition)}`;

/**
 * The rows translated ahead that still hold: the group's committed offset is still the one that
 * was translated (a mapping matched record for record between two append-only logs stays true).
 */
export function stillValid<R extends { group: string; topic: string; partition: number; sourceOffset: string }>(ahead: readonly R[], committed: readonly Committed[]): Map<string, R> {
  const byKey = new Map(ahead.map((r) => [groupTpKey(r), r]));
  const out = new Map<string, R>();
  for (const c of committed) {
    const r = byKey.get(groupTpKey(c));
    if (r && r.sourceOffset === c.offset.toString()) out.set(groupTpKey(c), r);
  }
  return out;
}

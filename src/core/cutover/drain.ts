/**
 * The consumer drain, as a pure comparison: what the gateway delivered to each group's members
 * against what the group committed. A group is drained when, on every partition a member was given,
 * its committed offset is past the last record the gateway passed to that member; the rest is what
 * its consumers would read again after the switch.
 */

export interface Delivered {
  client: string;
  topic: string;
  partition: number;
  /** last data offset passed to the client */
  offset: number;
}

export interface GroupMembers {
  group: string;
  members: { clientId: string; assignment: { topic: string; partition: number }[] }[];
}

export interface Committed {
  group: string;
  topic: string;
  partition: number;
  offset: bigint;
}

export interface GroupDrain {
  group: string;
  /** partitions the gateway delivered records of to this group's members */
  partitions: number;
  /** records delivered but not committed (read again after the switch unless committed first) */
  uncommitted: number;
  complete: boolean;
  behind: { topic: string; partition: number; delivered: number; committed: string | null }[];
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export function drainProgress(delivered: readonly Delivered[], groups: readonly GroupMembers[], committed: readonly Committed[]): GroupDrain[] {
  const byClient = new Map<string, Map<string, number>>();
  for (const d of delivered) {
    const m = byClient.get(d.client) ?? byClient.set(d.client, new Map()).get(d.client)!;
    const k = key(d.topic, d.partition);
    m.set(k, Math.max(m.get(k) ?? -1, d.offset));
  }
  const commits = new Map(committed.map((c) => [`${c.group}\u0000${key(c.topic, c.partition)}`, c.offset]));
  return groups
    .map((g) => {
      // per partition: the furthest record any member given that partition received
      const want = new Map<string, { topic: string; partition: number; offset: number }>();
      for (const m of g.members) {
        const got = byClient.get(m.clientId);
        if (!got) continue;
        for (const a of m.assignment) {
          const k = key(a.topic, a.partition);
          const o = got.get(k);
          if (o === undefined) continue;
          if ((want.get(k)?.offset ?? -1) < o) want.set(k, { topic: a.topic, partition: a.partition, offset: o });
        }
      }
      const behind: GroupDrain['behind'] = [];
      let uncommitted = 0;
      for (const [k, w] of [...want].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const c = commits.get(`${g.group}\u0000${k}`);
        const next = BigInt(w.offset) + 1n;
        if (c === undefined || c < next) {
          uncommitted += Number(next - (c ?? 0n));
          behind.push({ topic: w.topic, partition: w.partition, delivered: w.offset, committed: c === undefined ? null : c.toString() });
        }
      }
      return { group: g.group, partitions: want.size, uncommitted, complete: behind.length === 0, behind };
    })
    .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

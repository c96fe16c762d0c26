/**
 * The consumer drain, as a pure comparison: what the gateway delivered to each group's members
 * against what the group committed. A group is drained when, on every partition a member was given,
 * its committed offset is past the last record the gateway passed to that member; the rest is what
 * its consumers would read again after the switch.
 *
 * The gateway knows deliveries per client connection, and a member only by its client id, which
 * clients may share (kafkajs's default is "kafkajs" for every consumer). A connection that also
 * spoke for a group (a commit, a heartbeat), or whose delivery the group's next commit followed
 * (kafkajs fetches on a connection of its own, apart from its commits), belongs to that group;
 * connections tied to another group are not this group's. Connections tied to none count for every
 * group of their client id, except that one whose consumer asks to fetch exactly from the group's
 * committed offset, and was given nothing past it, is this group's drained consumer when no
 * connection is tied to the group. Of what counts, the furthest delivery counts (the safe side).
 *
 * Untied connections are weighed together first, per client id and partition: groups reading one
 * topic in step (every kafkajs consumer is "kafkajs") leave their fetch connections untied, and
 * each would wait for the furthest of them. A consumer fetches a partition on one connection
 * (to its leader), so each untied connection there is at most one group's, among the groups of
 * that client id given the partition and tied to none there. When every one of those connections
 * can be paired with a group of its own whose commit covers it, every group there has committed
 * what it was given, whichever connection is whose; otherwise the safe side holds for all of them.
 * Measured in a fleet run: app-4 committed 643 and app-1 650 on a partition, their untied
 * connections were given 642 and 649, and app-4 waited out the drain's 10 s for app-1's 649.
 */

export interface Delivered {
  client: string;
  /** the gateway's connection it was delivered on, and the groups that connection spoke for */
  connection?: number;
  groups?: string[];
  topic: string;
  partition: number;
  /** last data offset passed to the client */
  offset: number;
  /** the offset the connection last asked to fetch from (its consumer's position), -1 when unknown */
  position?: number;
  /** how long the connection's consumer took to process what one Fetch gave it, the longest of its last few (ms): a consumer that commits after each batch is cut off that much earlier in a drain */
  processingMs?: number;
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

/**
 * What each group has committed as far as anyone knows: the cluster's committed offsets as last
 * read, and the commits the gateway saw answered since (read in a millisecond, where the cluster's
 * took 0.2-0.9 s on a loaded host). The furthest of the two per partition: a consumer that drains
 * commits forward.
 */
export function latestCommitted(fromCluster: readonly Committed[], seenAtGateway: readonly Committed[]): Committed[] {
  const out = new Map<string, Committed>();
  for (const c of [...fromCluster, ...seenAtGateway]) {
    const k = `${c.group}\u0000${key(c.topic, c.partition)}`;
    const known = out.get(k);
    if (!known || known.offset < c.offset) out.set(k, c);
  }
  return [...out.values()];
}
/** a delivery on a connection tied to no group */
const untied = (d: Delivered) => !d.groups || d.groups.length === 0;

export function drainProgress(delivered: readonly Delivered[], groups: readonly GroupMembers[], committed: readonly Committed[]): GroupDrain[] {
  const byClient = new Map<string, Delivered[]>();
  for (const d of delivered) (byClient.get(d.client) ?? byClient.set(d.client, []).get(d.client)!).push(d);
  const commits = new Map(committed.map((c) => [`${c.group}\u0000${key(c.topic, c.partition)}`, c.offset]));
  const settled = settledUntied(delivered, groups, commits);
  return groups
    .map((g) => {
      // per partition: the furthest record delivered to this group's members
      const want = new Map<string, { topic: string; partition: number; offset: number }>();
      const seen = new Set<string>();
      for (const m of g.members) {
        const mine = byClient.get(m.clientId) ?? [];
        // connections tied to this group are its own (they spoke for it, or the gateway saw its
        // commit follow their delivery); connections tied to other groups are not. A connection tied
        // to none may be any group's: it counts too (a member whose fetch connection is not tied yet)
        const linked = mine.filter((d) => d.groups?.includes(g.group));
        const unlinked = mine.filter(untied);
        const candidates = [...linked, ...unlinked];
        const assigned = new Set(m.assignment.map((a) => key(a.topic, a.partition)));
        const drainedAt = new Set<string>();
        if (linked.length === 0) {
          for (const d of unlinked) {
            const c = commits.get(`${g.group}\u0000${key(d.topic, d.partition)}`);
            if (c !== undefined && d.position !== undefined && d.position >= 0 && BigInt(d.position) === c && BigInt(d.offset) < c) drainedAt.add(key(d.topic, d.partition));
          }
        }
        for (const d of candidates) {
          const k = key(d.topic, d.partition);
          if (!assigned.has(k)) continue;
          seen.add(k);
          // an untied delivery paired with a commit that covers it (settledUntied) waits for nothing
          if (drainedAt.has(k) || (untied(d) && settled.has(`${d.client}\u0000${k}`))) continue;
          if ((want.get(k)?.offset ?? -1) < d.offset) want.set(k, { topic: d.topic, partition: d.partition, offset: d.offset });
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
      return { group: g.group, partitions: seen.size, uncommitted, complete: behind.length === 0, behind };
    })
    .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

/**
 * Client id and partition pairs whose untied deliveries are all accounted for: each can be paired
 * with a distinct group of that client id, given the partition and tied to no connection there,
 * whose committed offset is past it. Greedy pairing (the furthest delivery with the furthest
 * commit) finds such a pairing whenever one exists.
 */
function settledUntied(delivered: readonly Delivered[], groups: readonly GroupMembers[], commits: ReadonlyMap<string, bigint>): Set<string> {
  const tied = new Set<string>();
  for (const d of delivered) for (const g of d.groups ?? []) tied.add(`${g}\u0000${key(d.topic, d.partition)}`);
  const pools = new Map<string, { tp: string; rows: number[]; groups: Set<string> }>();
  const pool = (client: string, tp: string) => pools.get(`${client}\u0000${tp}`) ?? pools.set(`${client}\u0000${tp}`, { tp, rows: [], groups: new Set() }).get(`${client}\u0000${tp}`)!;
  for (const g of groups) {
    for (const m of g.members) {
      for (const a of m.assignment) {
        const tp = key(a.topic, a.partition);
        if (!tied.has(`${g.group}\u0000${tp}`)) pool(m.clientId, tp).groups.add(g.group);
      }
    }
  }
  for (const d of delivered) {
    if (!untied(d)) continue;
    const p = pools.get(`${d.client}\u0000${key(d.topic, d.partition)}`);
    if (p) p.rows.push(d.offset);
  }
  const settled = new Set<string>();
  for (const [k, p] of pools) {
    if (p.rows.length === 0 || p.rows.length > p.groups.size) continue;
    const covers = [...p.groups].map((g) => commits.get(`${g}\u0000${p.tp}`) ?? -1n).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    const rows = [...p.rows].sort((a, b) => b - a);
    if (rows.every((offset, i) => BigInt(offset) + 1n <= covers[i]!)) settled.add(k);
  }
  return settled;
}

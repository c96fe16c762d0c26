/**
 * A fleet's gate, shared out among its instances. The drain names every member of the drained groups
 * by its client id (one entry per member); each client speaks through one instance (the brokers an
 * instance advertises are its own addresses), and the standby bound in its place after the switch
 * counts rejoins of that client id through itself only. Gated for the whole fleet's list, an instance
 * whose share of a shared client id (kafkajs names every client "kafkajs") had all rejoined kept it
 * gated until the gate's time ran out (30 s).
 */

/** [group, client id, members] as an instance's filter saw them lately (GET /v1/state `members`) */
export type MembersSeen = readonly (readonly [string, string, number])[];

/**
 * The entries of `clients` that speak through an instance that saw `seen`: each client id as often
 * as named, at most as often as the instance saw members of it. Undefined `seen` (a filter that does
 * not report members): the whole list.
 */
export function gateShare(clients: readonly string[], seen: MembersSeen | undefined): string[] {
  if (!seen) return [...clients];
  const here = new Map<string, number>();
  for (const [, client, n] of seen) here.set(client, (here.get(client) ?? 0) + n);
  const out: string[] = [];
  for (const c of clients) {
    const left = here.get(c) ?? 0;
    if (left <= 0) continue;
    here.set(c, left - 1);
    out.push(c);
  }
  return out;
}

/**
 * Where a fleet's drain ends, chosen from every instance's consumers that commit on a timer (a Java
 * consumer at its defaults: every 5 s). Each instance sees only the clients connected through it;
 * ending each at a commit of its own, two Java groups out of step on two instances made one instance
 * move to the other's next commit and the other to the commit after: the group ahead waited up to
 * an interval with nothing to read. Pure: the filter's own choice for one instance (DrainPlan in
 * java/ZdpKroxylicious.java) made over the union.
 */

/** a timer client as an instance reports it: [its first commit at least the filter's lead from now (epoch ms), its interval (ms)] */
export type CommitTimer = readonly [first: number, every: number];

/** a timer's last commit at or before `end`; `now` when its first is after `end` */
function lastCommit([first, every]: CommitTimer, end: number, now: number): number {
  return end < first ? now : first + every * Math.floor((end - first) / every);
}

/**
 * One of the timers' commits, not before the latest first commit (each must commit after its
 * cut-off) and at most `horizonMs` from now, where the longest any timer waits from its last commit
 * to the end is least (the earlier of two equal). Undefined without timers.
 */
export function fleetDrainEnd(timers: readonly CommitTimer[], now: number, horizonMs = 10_000): number | undefined {
  const usable = timers.filter(([first, every]) => Number.isFinite(first) && Number.isFinite(every) && every > 0 && first - now <= horizonMs);
  if (usable.length === 0) return undefined;
  const firsts = Math.max(now, ...usable.map(([first]) => first));
  let best: number | undefined;
  let least = Infinity;
  for (const [first, every] of usable) {
    for (let e = first; e - now <= horizonMs; e += every) {
      if (e < firsts) continue;
      const worst = Math.max(...usable.map((t) => e - lastCommit(t, e, now)));
      if (worst < least || (worst === least && e < best!)) {
        least = worst;
        best = e;
      }
    }
  }
  return best ?? firsts;
}

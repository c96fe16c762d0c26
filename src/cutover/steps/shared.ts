/** What the cutover's steps share: reads that wait for quiet, group checks, translation rows, the copy back, the consumer drain. */
import { CheckFailedError } from '../../errors.js';
import { drainProgress, latestCommitted, type GroupDrain } from '../../core/cutover/drain.js';
import { mm2Translate } from '../../core/offsets/translate.js';
import type { Checkpoint, OffsetSync } from '../../core/offsets/mm2-types.js';
import { selectGroups, windowsByTopic } from '../../core/sampling.js';
import type { QuiesceControl } from '../../gateway/control.js';
import type { GroupOffset } from '../../kafka/groups.js';
import { recordsBetween } from '../../offsets/parity.js';
import { endOffsets, tpKey, type PartitionEnds, type Side, type translateOffsets } from '../../offsets/translation.js';
import type { CutoverDeps, DrainOutput, GroupResult } from '../types.js';
import type { AheadTranslator } from './ahead.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What `work` settles to, or `otherwise` once `ms` passed first (the work goes on, unwaited for). */
export async function within<T>(work: Promise<T>, ms: number, otherwise: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<T>((r) => (timer = setTimeout(() => r(otherwise), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export function ends(map: Map<string, PartitionEnds>): Record<string, string> {
  return Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.high.toString()]));
}

/**
 * End offsets once two reads `quietMs` apart agree. Called with the gateway fenced: the only writes
 * still landing are requests already at the broker (and transaction markers), which take
 * milliseconds, so a short quiet window is enough; the drain counts anything committed later.
 */
export async function stableEnds(side: Side, topics: string[], what: string, quietMs = 150): Promise<Map<string, PartitionEnds>> {
  let last = await endOffsets(side, topics);
  for (let i = 0; i < Math.ceil(9_000 / quietMs); i++) {
    await sleep(quietMs);
    const now = await endOffsets(side, topics);
    const moved = [...now].filter(([k, v]) => last.get(k)?.high !== v.high);
    if (moved.length === 0) return now;
    last = now;
  }
  throw notFrozen(side, what);
}

/** A side that kept receiving records after the gateway stopped (or held) its clients. */
export function notFrozen(side: Side, what: string): CheckFailedError {
  return new CheckFailedError('NOT_FROZEN', `${what} keeps receiving records after the gateway stopped: a client writes to ${side.profile.name} without going through the gateway`, {
    hint: 'find that client (its writes would be lost by the switch); then `zdp cutover --resume`, or `--rollback` to release the gateway on the source',
  });
}

/** Every (group, topic, partition) committed offset of the groups in scope. */
export async function scopeGroups(side: Side, topics: string[], patterns: string[]): Promise<GroupOffset[]> {
  const groups = selectGroups(await side.listGroupIds(), patterns);
  return side.committedOffsets(groups, topics);
}

/**
 * The groups running on in-scope topics now: those active at preflight, and any that started
 * since (its consumers joined and were assigned an in-scope partition, committed or not). A group
 * left out would not be drained, and its consumers would read again what they had been given.
 */
export async function activeGroupsNow(side: Side, topics: string[], patterns: string[], atPreflight: readonly string[]): Promise<string[]> {
  const inScope = new Set(topics);
  const known = new Set(atPreflight);
  const others = selectGroups(await side.listGroupIds(), patterns).filter((g) => !known.has(g));
  const joined = (await side.groupStates(others)).filter((g) => g.members > 0 && g.clients.some((c) => c.assignment.some((a) => inScope.has(a.topic)))).map((g) => g.group);
  return [...atPreflight, ...joined].sort();
}

/** Resolves once none of `groups` has members on `side`: true when it had to wait for that. */
export async function waitGroupsEmpty(side: Side, groups: string[], waitMs: number, log: (l: string) => void): Promise<boolean> {
  const deadline = performance.now() + waitMs;
  for (let round = 0; ; round++) {
    const existing = new Set(await side.listGroupIds());
    const active = (await side.groupStates(groups.filter((g) => existing.has(g)))).filter((g) => g.members > 0);
    if (active.length === 0) return round > 0;
    if (performance.now() >= deadline) {
      throw new CheckFailedError('GROUP_ACTIVE', `group${active.length === 1 ? '' : 's'} ${active.map((g) => `${g.group} (${g.members} member${g.members === 1 ? '' : 's'}, ${g.state})`).join(', ')} ${active.length === 1 ? 'has' : 'have'} members on ${side.profile.name}: zdp writes offsets only into empty groups`, {
        hint: `stop those consumers (or let their sessions expire), or pass --group-wait <seconds>; then --resume`,
      });
    }
    log(`waiting for ${active.map((g) => g.group).join(', ')} to be empty on ${side.profile.name}…`);
    await sleep(2_000);
  }
}

export function translationResults(groups: GroupOffset[], translated: Awaited<ReturnType<typeof translateOffsets>>, mm2?: { checkpoints: Map<string, Checkpoint>; syncs: Map<string, OffsetSync[]> }): GroupResult[] {
  const byTp = new Map(translated.map((p) => [tpKey(p.topic, p.partition), p]));
  return groups.map((g) => {
    const r = one(g);
    // what MirrorMaker 2's own translation would have given this group (its checkpoint, else its syncs)
    if (mm2 && r.targetOffset !== undefined) {
      const key = tpKey(g.topic, g.partition);
      const cp = mm2.checkpoints.get(`${g.group}\u0000${key}`);
      const theirs = cp && cp.upstream === g.offset ? cp.downstream : mm2Translate(mm2.syncs.get(key) ?? [], g.offset);
      if (theirs !== undefined) {
        r.mm2Offset = theirs.toString();
        r.mm2ReRead = recordsBetween(byTp.get(key)?.targetOffsets ?? [], theirs, BigInt(r.targetOffset));
      }
    }
    return r;
  });
  function one(g: GroupOffset): GroupResult {
    const t = byTp.get(tpKey(g.topic, g.partition))?.results.get(g.offset);
    if (!t) return { group: g.group, topic: g.topic, partition: g.partition, sourceOffset: g.offset.toString(), kind: 'not-replicated' as const };
    const out: GroupResult = { group: g.group, topic: g.topic, partition: g.partition, sourceOffset: g.offset.toString(), kind: t.kind };
    if (t.kind === 'exact') {
      out.targetOffset = t.target.toString();
      out.fingerprint = t.fingerprint;
      out.nextSourceOffset = t.next.toString();
    } else if (t.kind === 'caught-up') out.targetOffset = t.target.toString();
    return out;
  }
}

export async function writeAndReadBack(side: Side, results: GroupResult[], log: (l: string) => void): Promise<number> {
  return writeGroupRows(side, results, async (group, rows) => {
    const back = await side.committedOffsets([group], [...new Set(rows.map((r) => r.topic))]);
    const got = new Map(back.map((b) => [tpKey(b.topic, b.partition), b.offset.toString()]));
    const wrong = rows.filter((r) => got.get(tpKey(r.topic, r.partition)) !== r.targetOffset);
    if (wrong.length > 0) throw new CheckFailedError('OFFSETS_NOT_WRITTEN', `group ${group} on ${side.profile.name} reads back other offsets than zdp wrote (${wrong.map((w) => `${w.topic}[${w.partition}] ${got.get(tpKey(w.topic, w.partition)) ?? 'none'} != ${w.targetOffset}`).join(', ')})`, { hint: 'something else commits for this group there; stop it and --resume' });
    log(`wrote offsets of ${group} on ${side.profile.name} (${rows.length} partition${rows.length === 1 ? '' : 's'})`);
  });
}

/** Commits the rows' target offsets, every group side by side; `after` runs for each group once its commit was answered. Answers how many groups. */
export async function writeGroupRows(side: Side, results: readonly GroupResult[], after?: (group: string, rows: GroupResult[]) => Promise<void>): Promise<number> {
  const byGroup = new Map<string, GroupResult[]>();
  for (const r of results) if (r.targetOffset !== undefined) (byGroup.get(r.group) ?? byGroup.set(r.group, []).get(r.group)!).push(r);
  await Promise.all([...byGroup].sort(([a], [b]) => a.localeCompare(b)).map(async ([group, rows]) => {
    await side.writeGroupOffsets(group, rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: BigInt(r.targetOffset!) })));
    await after?.(group, rows);
  }));
  return byGroup.size;
}

const quiesced = new WeakMap<CutoverDeps, QuiesceControl | undefined>();

/**
 * The ends the freeze read, kept in this process for the drain: its first check looks for their
 * tails on the target while it reads the ends again (a cutover resumed in another process has
 * only the journal's strings, and reads the ends first).
 */
export const frozenEnds = new WeakMap<CutoverDeps, Map<string, PartitionEnds>>();

/**
 * The gateway filters' control, asked for once per cutover process: the drain and the fence go
 * through the same one, instead of asking every instance for its state again (0.2-1.3 s in the
 * fleet benchmark, with consumers drained and waiting). A resumed cutover, in another process,
 * asks again; an ask that fails is not kept.
 */
export async function quiesceOf(deps: CutoverDeps): Promise<QuiesceControl | undefined> {
  if (quiesced.has(deps)) return quiesced.get(deps);
  const quiesce = await deps.gateway.quiesce?.();
  quiesced.set(deps, quiesce);
  return quiesce;
}

/** how long before a drain's planned end its checks begin, when the others are cut off when told: a timer client's commit comes a little early at most */
const WATCH_BEFORE_END_MS = 300;

/**
 * Drains consumers at the gateway's filter and waits (at most `timeoutMs`) until every group in
 * `groups` committed, on `side`, what the gateway delivered to its members; names those that do not.
 */
export async function drainConsumersOn(side: Side, quiesce: QuiesceControl, groups: string[], topics: string[], timeoutMs: number, log: (l: string) => void, ahead?: { translator: AheadTranslator; idle: string[] }): Promise<DrainOutput> {
  // consumers that commit on a timer (Java: every 5 s) are cut off just before their next commit,
  // the others just before the last of those, or when told, below, once all of them were seen (a
  // filter that is not told: earlier, by the time they take to process a fetch, and in force then)
  const draining = quiesce.drainConsumers(20_000);
  const inScope = new Set(topics);
  // groups get timeoutMs to commit from the drain's planned end (the last cut-off): a fleet's end is
  // up to 10 s away, and counted from the start a kafkajs group still committing its last round at
  // that end was named not drained (a fleet run: its end 9.2 s in, three groups cut short)
  let deadline = performance.now() + timeoutMs;
  let progress: GroupDrain[] = [];
  let clients: string[] = [];
  // when each group was first found drained, and how long the checks took: a drain that ends late
  // says whether a group or the checks held it
  const completeAt = new Map<string, number>();
  const checks = { count: 0, longestMs: 0 };
  // groups without members commit nothing more: translated while the active ones drain
  ahead?.translator.add(ahead.idle);
  // the cluster's group states and committed offsets are read again and again on their own (0.2-0.9 s
  // a read on a loaded host); between those reads the gateway's state (what it delivered, the commits
  // it saw answered since the drain began) is read every 40 ms, in a few ms: a group is found drained
  // within that of its last commit, not a cluster read after it (every consumer's pause waited for it)
  let cluster: { states: Awaited<ReturnType<Side['groupStates']>>; committed: Awaited<ReturnType<Side['committedOffsets']>> } | undefined;
  let clusterFailed: { error: unknown } | undefined;
  // the cluster is read while the drain is not in force yet, again and again: once it is, the
  // checks begin from a read at most one read old (commits since the drain began are the gateway's
  // to see) instead of waiting for a first one (0.36 s in a fleet benchmark run, up to 0.9 s on a
  // loaded host), which every consumer's pause waited for. A read that fails before then fails nothing
  let inForce = false;
  let reading: Promise<void> | undefined;
  const readCluster = (): Promise<void> =>
    (reading ??= (async () => {
      const started = performance.now();
      try {
        const [states, committed] = await Promise.all([side.groupStates(groups), side.committedOffsets(groups, topics)]);
        cluster = { states, committed };
        checks.count++;
        checks.longestMs = Math.max(checks.longestMs, Math.round(performance.now() - started));
      } catch (error) {
        if (inForce) clusterFailed = { error };
      } finally {
        reading = undefined;
      }
    })());
  void (async () => {
    while (!inForce) {
      await readCluster();
      if (!inForce) await sleep(100);
    }
  })();
  let drainedAt: number;
  // told once: an instance that was not reached cuts its others itself, just before its end
  let told: number | undefined;
  try {
    const drain = await draining;
    drainedAt = drain.from;
    if (drain.endsAt !== undefined) deadline = Math.max(deadline, performance.now() + timeoutMs + Math.max(0, drain.endsAt - Date.now()));
    // the others are cut off when told: until the timer clients' last commits are near, there is
    // nothing to see (the cluster is read on meanwhile)
    if (drain.othersWhenTold && drain.endsAt !== undefined) await sleep(Math.max(0, Math.min(drain.endsAt - WATCH_BEFORE_END_MS - Date.now(), deadline - performance.now())));
  } finally {
    inForce = true;
  }
  for (;;) {
    const read = readCluster();
    const gatewayState = quiesce.drainState();
    if (!cluster) await read;
    if (clusterFailed) {
      await gatewayState.catch(() => {});
      throw clusterFailed.error;
    }
    const { delivered, committed: seen, timersWaiting = 0, timersCut = [], othersCut = true } = await gatewayState;
    const { states, committed } = cluster!;
    const members = states.map((g) => ({ group: g.group, members: g.clients.map((c) => ({ clientId: c.clientId, assignment: c.assignment.filter((a) => inScope.has(a.topic)) })) }));
    // one entry per member: client ids are shared (kafkajs calls every client "kafkajs"), and after
    // the switch the gate holds a client id back until as many of its members rejoined
    clients = states.flatMap((g) => g.clients.map((c) => c.clientId)).sort();
    progress = drainProgress(delivered, members, latestCommitted(committed, seen));
    // until every consumer is cut off, a group that committed what it was given may be given more,
    // unless its members all commit on a timer and are cut off (Java groups, drained while the others
    // still read: translated then, not in the others' last round)
    const cutClients = new Set(timersCut);
    const final = othersCut ? undefined : new Set(members.filter((g) => g.members.length > 0 && g.members.every((m) => cutClients.has(m.clientId))).map((g) => g.group));
    const drained = progress.filter((g) => g.complete && (final === undefined || final.has(g.group)));
    for (const g of drained) if (!completeAt.has(g.group)) completeAt.set(g.group, Math.max(0, Date.now() - drainedAt));
    // a drained group gets no more records: its committed offsets are final, translated while the
    // others drain (the last ones once the hold was asked for: translate waits for them)
    const last = othersCut && progress.every((g) => g.complete);
    if (last) ahead?.translator.defer(drained.map((g) => g.group));
    else ahead?.translator.add(drained.map((g) => g.group));
    // every timer client committed after its cut-off: the others are cut off now if they are not
    // yet, and commit what they were given in one more round of their own
    if (!othersCut && timersWaiting === 0 && told === undefined && quiesce.cutOthers) {
      told = Math.max(0, Date.now() - drainedAt);
      await quiesce.cutOthers();
      continue;
    }
    if ((othersCut && progress.every((g) => g.complete)) || performance.now() >= deadline) break;
    await sleep(40);
  }
  const translated = ahead?.translator.written;
  const late = progress.filter((g) => !g.complete);
  if (late.length > 0) log(`warning: ${late.map((g) => `${g.group} (${g.uncommitted} record${g.uncommitted === 1 ? '' : 's'} delivered, not committed)`).join(', ')} did not commit within --drain-consumers-timeout; ${late.length === 1 ? 'it continues' : 'they continue'} from ${late.length === 1 ? 'its' : 'their'} committed offsets and read those records again`);
  return { via: 'filter' as const, instances: quiesce.instances, drainedAt, groups: progress.map(({ group, uncommitted, complete, behind }) => ({ group, uncommitted, complete, behind: behind.slice(0, 20), ...(completeAt.has(group) ? { completeAfterMs: completeAt.get(group)! } : {}) })), ...(told === undefined ? {} : { othersToldAfterMs: told }), checks, clients, ...(translated ? { ahead: translated } : {}) };
}

/** A read that stopped before the end of a window (timed out, or held back by an open transaction) copies nothing it cannot vouch for. */
export function incompleteRead(outcome: { incomplete: Map<string, number[]>; timedOut: boolean }, cluster: string, what: string): void {
  if (outcome.incomplete.size === 0 && !outcome.timedOut) return;
  const where = [...outcome.incomplete].map(([t, p]) => `${t}[${p.join(',')}]`).join(', ');
  throw new CheckFailedError('READ_INCOMPLETE', `could not read ${what} on ${cluster} to the end of ${where || 'every partition'}${outcome.timedOut ? ' in time' : ': an open transaction holds the stable offset back'}`, {
    hint: 'wait for the transaction to finish (or time out: transaction.timeout.ms), then run the same command again; it continues where it stopped',
  });
}

/** Copies target records in [from, to) of each partition back to the source, skipping copies made by an earlier, interrupted run. */
export async function copyBack(source: Side, target: Side, topics: string[], cut: Record<string, string>, frozenSource: Record<string, string>, targetNow: Map<string, { topic: string; partition: number; high: bigint }>, log: (l: string) => void): Promise<number> {
  // how many records an earlier run already copied: the source's data records after its frozen end
  const sourceNow = await endOffsets(source, topics);
  const already = new Map<string, number>();
  const windowsSrc = [...sourceNow].filter(([k, v]) => frozenSource[k] !== undefined && v.high > BigInt(frozenSource[k]));
  if (windowsSrc.length > 0) {
    const counted = await source.fetchWindows(windowsByTopic(windowsSrc.map(([k, v]) => ({ topic: v.topic, partition: v.partition, start: BigInt(frozenSource[k]!), end: v.high }))), {
      timeoutMs: 120_000,
      stallMs: 75_000,
      onBatch: (topic, records) => {
        for (const r of records) already.set(tpKey(topic, r.partition), (already.get(tpKey(topic, r.partition)) ?? 0) + 1);
      },
    });
    incompleteRead(counted, source.profile.name, 'what an earlier rollback already copied');
  }
  const toCopy = [...targetNow].filter(([k, v]) => cut[k] !== undefined && v.high > BigInt(cut[k])).map(([k, v]) => ({ topic: v.topic, partition: v.partition, start: BigInt(cut[k]!), end: v.high }));
  if (toCopy.length === 0) return 0;
  const writer = await source.writer();
  let copied = 0;
  const seen = new Map<string, number>();
  try {
    const read = await target.fetchWindows(windowsByTopic(toCopy), {
      timeoutMs: 600_000,
      // a client's transaction the fence left open holds back every record after its first one
      // (read_committed) until its coordinator aborts it: wait out a default transaction.timeout.ms
      stallMs: 75_000,
      onBatch: async (topic, records) => {
        const messages = [];
        for (const r of records) {
          const key = tpKey(topic, r.partition);
          const n = (seen.get(key) ?? 0) + 1;
          seen.set(key, n);
          if (n <= (already.get(key) ?? 0)) continue;
          messages.push({ partition: r.partition, key: r.key, value: r.value, headers: r.headers, timestampMs: r.timestampMs });
        }
        if (messages.length === 0) return;
        await writer.send(topic, messages);
        copied += messages.length;
      },
    });
    incompleteRead(read, target.profile.name, `the records to copy back (${copied} copied so far; --rollback again copies the rest)`);
  } finally {
    await writer.close();
  }
  log(`copied ${copied} records back to ${source.profile.name}`);
  return copied;
}


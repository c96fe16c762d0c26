/**
 * The cutover as an explicit state machine over a journal: preflight → fence → freeze → drain →
 * stop replication → translate → write offsets → switch → verify. Each step is an idempotent
 * "ensure" action whose outputs (source ends, target ends, translated offsets) are journaled, so a
 * cutover killed at any point resumes from the last completed step with the same values. The
 * rollback is the same machine in the other direction: copy back what was produced on the target
 * after the switch, translate the groups back, switch the gateway back to the source.
 */
import { randomBytes } from 'node:crypto';
import { CheckFailedError, ConfigError, NotFoundError, UsageError } from '../errors.js';
import { FORWARD_STEPS, ROLLBACK_STEPS, nextStep, type JournalHeader, type Step } from '../core/cutover/journal.js';
import { mm2Translate, type Translation } from '../core/offsets/translate.js';
import type { Checkpoint, OffsetSync } from '../core/offsets/mm2-types.js';
import { recordsBetween } from '../offsets/parity.js';
import type { GatewayControl, QuiesceControl } from '../gateway/control.js';
import { selectGroups } from '../core/sampling.js';
import type { GroupOffset } from '../kafka/groups.js';
import { windowsByTopic } from '../core/sampling.js';
import { replicationProgress } from '../migration/progress.js';
import { runParity } from '../offsets/parity.js';
import { countDataRecords, endOffsets, heldBackByOpenTransactions, readCheckpoints, readOffsetSyncs, tpKey, translateOffsets, type PartitionEnds, type Side } from '../offsets/translation.js';
import type { ReplicationEngine } from '../migration/engine.js';
import { Journal, takeLease } from './journal-file.js';
import { drainProgress, type GroupDrain } from '../core/cutover/drain.js';

/**
 * Drains consumers at the gateway's filter and waits (at most `timeoutMs`) until every group in
 * `groups` committed, on `side`, what the gateway delivered to its members; names those that do not.
 */
async function drainConsumersOn(side: Side, quiesce: QuiesceControl, groups: string[], topics: string[], timeoutMs: number, log: (l: string) => void): Promise<StepData> {
  const drainedAt = Date.now();
  await quiesce.drainConsumers(10_000);
  const inScope = new Set(topics);
  const deadline = performance.now() + timeoutMs;
  let progress: GroupDrain[] = [];
  let clients: string[] = [];
  for (;;) {
    const [delivered, states, committed] = await Promise.all([quiesce.delivered(), side.groupStates(groups), side.committedOffsets(groups, topics)]);
    const members = states.map((g) => ({ group: g.group, members: g.clients.map((c) => ({ clientId: c.clientId, assignment: c.assignment.filter((a) => inScope.has(a.topic)) })) }));
    clients = [...new Set(states.flatMap((g) => g.clients.map((c) => c.clientId)))].sort();
    progress = drainProgress(delivered, members, committed);
    if (progress.every((g) => g.complete) || performance.now() >= deadline) break;
    await sleep(100);
  }
  const late = progress.filter((g) => !g.complete);
  if (late.length > 0) log(`warning: ${late.map((g) => `${g.group} (${g.uncommitted} record${g.uncommitted === 1 ? '' : 's'} delivered, not committed)`).join(', ')} did not commit within --drain-consumers-timeout; ${late.length === 1 ? 'it continues' : 'they continue'} from ${late.length === 1 ? 'its' : 'their'} committed offsets and read those records again`);
  return { via: 'filter', instances: quiesce.instances, drainedAt, groups: progress.map(({ group, uncommitted, complete, behind }) => ({ group, uncommitted, complete, behind: behind.slice(0, 20) })), clients };
}

function drainSummary(d: StepData): string {
  if (d.via !== 'filter') return 'no filter in the gateway: consumers are fenced with producers, by restarting it';
  const groups = (d.groups as { group: string; uncommitted: number; complete: boolean }[]) ?? [];
  const late = groups.filter((g) => !g.complete);
  return `consumers drained at the gateway: ${groups.length - late.length} of ${groups.length} active groups committed everything delivered${late.length ? `; ${late.map((g) => `${g.group} ${g.uncommitted} uncommitted`).join(', ')}` : ''}`;
}

export interface CutoverOptions {
  from: string;
  to: string;
  topics: string[];
  groupPatterns: string[];
  /** preflight: replication lag (records) above which the cutover does not start */
  maxLag: bigint;
  drainTimeoutMs: number;
  /** with zdp's filter: how long consumers get to commit what they were delivered before producers are held */
  drainConsumersTimeoutMs: number;
  /** wait this long for target groups with members to empty; 0 refuses at once */
  groupWaitMs: number;
  /** after the switch, how long to watch for clients producing and consuming on the target */
  verifyMs: number;
  resume: boolean;
  /** start afresh even though the journal holds a cutover (one the gateway contradicts) */
  newCutover?: boolean;
}

export interface CutoverDeps {
  source: Side;
  target: Side;
  gateway: GatewayControl;
  migrationDir: string;
  /** MirrorMaker 2 of this migration, if it was ever started */
  engine?: ReplicationEngine;
  log: (line: string) => void;
  /** called right after the start of each step is journaled (a test kills the process there) */
  onStep?: (step: Step) => void;
}

export interface GroupResult {
  group: string;
  topic: string;
  partition: number;
  sourceOffset: string;
  targetOffset?: string;
  kind: Translation['kind'];
  /** fingerprint of the record at the source offset, matched on the target */
  fingerprint?: string;
  nextSourceOffset?: string;
  /** MirrorMaker 2's translation of the same committed offset, and the records a consumer would re-read (negative: skip) with it */
  mm2Offset?: string;
  mm2ReRead?: number;
}

export interface StepReport {
  step: Step;
  durationMs: number;
  /** completed by an earlier run of this cutover */
  fromJournal: boolean;
  summary: string;
}

export interface CutoverReport {
  kind: 'CutoverReport' | 'RollbackReport';
  cutoverId: string;
  from: string;
  to: string;
  outcome: 'done' | 'rolled-back' | 'already-done';
  steps: StepReport[];
  pause: { producersMs: number; consumersMs: number };
  /** how clients were quiesced: zdp's filter in the gateway (consumers drained, producers held) or by restarting the proxy */
  quiesce: { via: 'filter' | 'restart'; instances?: number; groups: { group: string; uncommitted: number; complete: boolean }[] };
  records: { sourceRecordsMissingOnTarget: number; duplicatedByTranslation: number; copiedBack?: number; mm2CheckpointsWouldReRead?: number; mm2CheckpointsWouldSkip?: number };
  groups: GroupResult[];
  notes: string[];
  journal: string;
}

type StepData = Record<string, unknown>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ends(map: Map<string, PartitionEnds>): Record<string, string> {
  return Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.high.toString()]));
}

/**
 * End offsets once two reads `quietMs` apart agree. Called with the gateway fenced: the only writes
 * still landing are requests already at the broker (and transaction markers), which take
 * milliseconds, so a short quiet window is enough; the drain counts anything committed later.
 */
async function stableEnds(side: Side, topics: string[], what: string, quietMs = 150): Promise<Map<string, PartitionEnds>> {
  let last = await endOffsets(side, topics);
  for (let i = 0; i < Math.ceil(9_000 / quietMs); i++) {
    await sleep(quietMs);
    const now = await endOffsets(side, topics);
    const moved = [...now].filter(([k, v]) => last.get(k)?.high !== v.high);
    if (moved.length === 0) return now;
    last = now;
  }
  throw new CheckFailedError('NOT_FROZEN', `${what} keeps receiving records after the gateway stopped: a client writes to ${side.profile.name} without going through the gateway`, {
    hint: 'find that client (its writes would be lost by the switch); then `zdp cutover --resume`, or `--rollback` to release the gateway on the source',
  });
}

/** Every (group, topic, partition) committed offset of the groups in scope. */
async function scopeGroups(side: Side, topics: string[], patterns: string[]): Promise<GroupOffset[]> {
  const groups = selectGroups(await side.listGroupIds(), patterns);
  return side.committedOffsets(groups, topics);
}

async function waitGroupsEmpty(side: Side, groups: string[], waitMs: number, log: (l: string) => void): Promise<void> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    const existing = new Set(await side.listGroupIds());
    const active = (await side.groupStates(groups.filter((g) => existing.has(g)))).filter((g) => g.members > 0);
    if (active.length === 0) return;
    if (performance.now() >= deadline) {
      throw new CheckFailedError('GROUP_ACTIVE', `group${active.length === 1 ? '' : 's'} ${active.map((g) => `${g.group} (${g.members} member${g.members === 1 ? '' : 's'}, ${g.state})`).join(', ')} ${active.length === 1 ? 'has' : 'have'} members on ${side.profile.name}: zdp writes offsets only into empty groups`, {
        hint: `stop those consumers (or let their sessions expire), or pass --group-wait <seconds>; then --resume`,
      });
    }
    log(`waiting for ${active.map((g) => g.group).join(', ')} to be empty on ${side.profile.name}…`);
    await sleep(2_000);
  }
}

function translationResults(groups: GroupOffset[], translated: Awaited<ReturnType<typeof translateOffsets>>, mm2?: { checkpoints: Map<string, Checkpoint>; syncs: Map<string, OffsetSync[]> }): GroupResult[] {
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

async function writeAndReadBack(side: Side, results: GroupResult[], log: (l: string) => void): Promise<number> {
  const byGroup = new Map<string, GroupResult[]>();
  for (const r of results) if (r.targetOffset !== undefined) (byGroup.get(r.group) ?? byGroup.set(r.group, []).get(r.group)!).push(r);
  await Promise.all([...byGroup].sort(([a], [b]) => a.localeCompare(b)).map(async ([group, rows]) => {
    await side.writeGroupOffsets(group, rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: BigInt(r.targetOffset!) })));
    const back = await side.committedOffsets([group], [...new Set(rows.map((r) => r.topic))]);
    const got = new Map(back.map((b) => [tpKey(b.topic, b.partition), b.offset.toString()]));
    const wrong = rows.filter((r) => got.get(tpKey(r.topic, r.partition)) !== r.targetOffset);
    if (wrong.length > 0) throw new CheckFailedError('OFFSETS_NOT_WRITTEN', `group ${group} on ${side.profile.name} reads back other offsets than zdp wrote (${wrong.map((w) => `${w.topic}[${w.partition}] ${got.get(tpKey(w.topic, w.partition)) ?? 'none'} != ${w.targetOffset}`).join(', ')})`, { hint: 'something else commits for this group there; stop it and --resume' });
    log(`wrote offsets of ${group} on ${side.profile.name} (${rows.length} partition${rows.length === 1 ? '' : 's'})`);
  }));
  return byGroup.size;
}

async function clusterId(side: Side): Promise<string> {
  return (await side.describeCluster()).clusterId;
}

class Machine {
  readonly journal: Journal;
  readonly steps: StepReport[] = [];

  constructor(
    readonly deps: CutoverDeps,
    readonly header: JournalHeader,
  ) {
    this.journal = new Journal(deps.migrationDir);
  }

  data(step: Step): StepData {
    return this.journal.current.done.get(step) ?? {};
  }

  async run(step: Step, summary: (d: StepData) => string, fn: () => Promise<StepData>): Promise<StepData> {
    const done = this.journal.current.done.get(step);
    if (done) {
      this.steps.push({ step, durationMs: 0, fromJournal: true, summary: summary(done) });
      return done;
    }
    const started = performance.now();
    this.journal.append({ type: 'step', cutoverId: this.header.cutoverId, step, state: 'begin' });
    this.deps.onStep?.(step);
    this.deps.log(`${step}…`);
    let data: StepData;
    try {
      data = await fn();
    } catch (error) {
      this.journal.append({ type: 'step', cutoverId: this.header.cutoverId, step, state: 'failed', error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
    this.journal.append({ type: 'step', cutoverId: this.header.cutoverId, step, state: 'done', data });
    const report = { step, durationMs: Math.round(performance.now() - started), fromJournal: false, summary: summary(data) };
    this.steps.push(report);
    this.deps.log(`${step}: ${report.summary} (${(report.durationMs / 1000).toFixed(1)}s)`);
    return data;
  }
}

/** Opens (or starts) the journal for this migration and checks it belongs to these clusters. */
async function openJournal(deps: CutoverDeps, options: CutoverOptions, rollback: boolean): Promise<{ header: JournalHeader; fresh: boolean }> {
  const state = new Journal(deps.migrationDir, deps.log).current;
  const [sourceClusterId, targetClusterId] = await Promise.all([clusterId(deps.source), clusterId(deps.target)]);
  const h = state.header;
  if (h) {
    if (h.from !== options.from || h.to !== options.to || h.sourceClusterId !== sourceClusterId || h.targetClusterId !== targetClusterId) {
      throw new ConfigError('JOURNAL_MISMATCH', `the cutover journal in ${deps.migrationDir} belongs to another migration (${h.from} ${h.sourceClusterId} -> ${h.to} ${h.targetClusterId}; these clusters are ${sourceClusterId} -> ${targetClusterId})`, {
        hint: 'a cluster was recreated or the profiles point elsewhere: move the journal aside to start over',
      });
    }
  }
  if (rollback) {
    if (!h) throw new NotFoundError('NO_CUTOVER', `no cutover from ${options.from} to ${options.to} to roll back`, { hint: 'nothing changed for clients' });
    return { header: h, fresh: false };
  }
  // nothing changed for clients until the fence began: a cutover that stopped before it starts afresh
  const touched = h && [...state.done.keys(), ...(state.inProgress ? [state.inProgress] : [])].some((s) => s !== 'preflight');
  // the journal never contradicts the world: before trusting a finished or half-finished cutover, ask where the gateway routes
  if (h && state.ended !== 'rolled-back' && (state.ended === 'done' || touched || options.resume) && state.inProgress !== 'switch') {
    const expected = state.ended === 'done' || state.done.has('switch') ? options.to : options.from;
    const gw = await deps.gateway.state();
    if (gw.cluster !== expected) {
      if (options.newCutover && !options.resume) return freshHeader(options, sourceClusterId, targetClusterId);
      const said = state.ended === 'done' ? `says cutover ${h.cutoverId} from ${options.from} to ${options.to} completed` : `says cutover ${h.cutoverId} stopped ${state.done.has('switch') ? 'after' : 'before'} the switch to ${options.to}`;
      throw new CheckFailedError('JOURNAL_CONTRADICTED', `the journal in ${deps.migrationDir} ${said}, but the gateway (${deps.gateway.kind}) routes to ${gw.cluster}${gw.serving ? '' : ' and is not serving'}: clients are not where the journal puts them`, {
        hint: `the gateway was switched outside this cutover; start a new cutover with \`zdp cutover --from ${options.from} --to ${options.to} --new\` (the journal keeps the old one)`,
      });
    }
  } else if (options.newCutover && h && !state.ended && touched) {
    throw new UsageError(`a cutover from ${options.from} to ${options.to} is unfinished and the gateway agrees with its journal: --new would abandon clients mid-way`, { code: 'CUTOVER_UNFINISHED', hint: 'continue it with --resume, or return to the source with --rollback' });
  }
  if (h && state.ended === 'rolled-back') {
    // a rolled-back cutover: a new one starts from scratch
  } else if (h && !state.ended && (touched || options.resume)) {
    if (!options.resume) {
      const at = state.inProgress ?? state.lastFailure?.step ?? nextStep(state, FORWARD_STEPS) ?? 'verify';
      throw new UsageError(`a cutover from ${options.from} to ${options.to} is unfinished (at step ${at}${state.lastFailure ? `, which failed: ${state.lastFailure.error}` : ''})`, {
        code: 'CUTOVER_UNFINISHED',
        hint: 'continue it with --resume, or return to the source with --rollback',
      });
    }
    return { header: h, fresh: false };
  } else if (h && state.ended === 'done' && !options.newCutover) {
    return { header: h, fresh: false };
  }
  if (options.resume) throw new NotFoundError('NO_CUTOVER', `there is no unfinished cutover from ${options.from} to ${options.to} to resume`, { hint: 'start one without --resume' });
  return freshHeader(options, sourceClusterId, targetClusterId);
}

function freshHeader(options: CutoverOptions, sourceClusterId: string, targetClusterId: string): { header: JournalHeader; fresh: boolean } {
  return {
    fresh: true,
    header: { cutoverId: randomBytes(6).toString('hex'), from: options.from, to: options.to, sourceClusterId, targetClusterId, topics: [...options.topics].sort(), groups: [], startedAt: new Date().toISOString() },
  };
}

export async function runCutover(deps: CutoverDeps, options: CutoverOptions): Promise<CutoverReport> {
  const release = takeLease(deps.migrationDir);
  try {
    const { header, fresh } = await openJournal(deps, options, false);
    const m = new Machine(deps, header);
    if (!fresh && m.journal.current.ended === 'done') {
      return report(m, 'already-done', ['this cutover is complete; `zdp cutover --rollback` returns to the source']);
    }
    if (fresh) m.journal.append({ type: 'start', header });
    const { source, target, gateway } = deps;
    const topics = header.topics;

    await m.run('preflight', (d) => `gateway on ${String(d.gatewayCluster)}, ${String(d.groups)} groups, lag ${String(d.lag)}, parity ok`, async () => {
      const gw = await gateway.state();
      if (gw.cluster !== options.from) throw new CheckFailedError('GATEWAY_ELSEWHERE', `the gateway routes to ${gw.cluster}, not to the source ${options.from}`, { hint: 'a cutover starts with clients on the source' });
      if (!gw.serving) throw new CheckFailedError('GATEWAY_DOWN', `the gateway (${gateway.kind}) is not running`, { hint: 'start it with `zdp gateway up`; clients must use it during the cutover' });
      const targetTopics = new Set(await target.listTopics());
      const missing = topics.filter((t) => !targetTopics.has(t));
      if (missing.length > 0) throw new CheckFailedError('TARGET_TOPIC_MISSING', `topic${missing.length === 1 ? '' : 's'} ${missing.join(', ')} missing on ${options.to}`, { hint: `create ${missing.length === 1 ? 'it' : 'them'} with \`zdp migrate --from ${options.from} --to ${options.to}\` and replicate with \`zdp migrate start\`` });
      const committed = await scopeGroups(source, topics, options.groupPatterns);
      const groups = [...new Set(committed.map((c) => c.group))].sort();
      await waitGroupsEmpty(target, groups, options.groupWaitMs, deps.log);
      const rows = await replicationProgress(source, target, topics, deps.engine);
      const lag = rows.reduce((n, r) => n + r.lag, 0n);
      const running = (await deps.engine?.running()) ?? false;
      if (lag > 0n && !running) throw new CheckFailedError('MM2_NOT_RUNNING', `MirrorMaker 2 is not running and the target is ${lag} records behind`, { hint: `start it with \`zdp migrate start --from ${options.from} --to ${options.to}\`` });
      if (lag > options.maxLag) throw new CheckFailedError('LAG_ABOVE_THRESHOLD', `replication lag is ${lag} records, above --max-lag ${options.maxLag}: the fence would last until it is copied`, { hint: `wait with \`zdp migrate status --from ${options.from} --to ${options.to} --wait --max-lag ${options.maxLag}\`` });
      const parity = await runParity(source, target, { topics, groupPatterns: options.groupPatterns, tail: 8 });
      if (parity.summary.errors > 0) {
        // a cutover decided on part of the picture could move a group zdp never read
        const unread = [...parity.partitions.filter((p) => p.status === 'error').map((p) => `${p.topic}[${p.partition}] ${p.reason ?? ''}`), ...parity.groupErrors.map((g) => `group ${g.group}: ${g.reason}`)];
        throw new CheckFailedError('PARITY_PARTIAL', `parity could not read everything before the cutover: ${unread.slice(0, 5).join('; ')}${unread.length > 5 ? `; and ${unread.length - 5} more` : ''}`, { hint: 'give the profiles read access to those topics and groups (or leave them out with --topic/--group), then run again; nothing was changed' });
      }
      if (parity.summary.mismatch > 0) {
        const bad = parity.partitions.filter((p) => p.status === 'mismatch' || p.status === 'missing');
        throw new CheckFailedError('PARITY_MISMATCH', `parity check failed before the cutover: ${bad.map((p) => `${p.topic}[${p.partition}] ${p.reason ?? p.status}`).join('; ') || `${parity.summary.mismatch} group offsets diverge`}`, { hint: 'run `zdp parity` for details; nothing was changed' });
      }
      // the applications running now: after the switch, verify watches for each of them on the target
      const activeGroups = (await source.groupStates(groups)).filter((g) => g.members > 0).map((g) => g.group);
      return { gatewayCluster: gw.cluster, groups: groups.length, groupIds: groups, activeGroups, lag: lag.toString(), mm2Running: running };
    });

    const drainConsumers = await m.run('drain-consumers', drainSummary, async () => {
      const quiesce = await gateway.quiesce?.();
      if (!quiesce) return { via: 'restart', groups: [], clients: [] };
      // while clients are still served: whatever the switch needs that takes time (a proxy JVM to load)
      await gateway.prepareSwitch?.(target.profile);
      return drainConsumersOn(source, quiesce, (m.data('preflight').activeGroups as string[] | undefined) ?? [], topics, options.drainConsumersTimeoutMs, deps.log);
    });
    const filtered = drainConsumers.via === 'filter';

    const fence = await m.run('fence', () => (filtered ? `producers held at the gateway (${gateway.kind}, zdp's filter): what was already forwarded is answered` : `producers and consumers fenced at the gateway (${gateway.kind}, by stopping it)`), async () => {
      const quiesce = filtered ? await gateway.quiesce?.() : undefined;
      if (filtered && !quiesce) throw new CheckFailedError('GATEWAY_FILTER_LOST', `the gateway's filter drained consumers but does not answer any more`, { hint: '`zdp gateway status`; then --resume, or --rollback to release the gateway on the source' });
      if (quiesce) {
        const fencedAt = Date.now();
        await quiesce.holdProducers(10_000);
        return { fencedAt, via: 'filter' };
      }
      // while clients are still served: whatever the switch needs that takes time (a proxy JVM to load)
      await gateway.prepareSwitch?.(target.profile);
      const fencedAt = Date.now();
      await gateway.fenceProducers();
      await gateway.fenceConsumers();
      return { fencedAt, via: 'restart' };
    });

    const freeze = await m.run('freeze', (d) => `source ends frozen on ${Object.keys(d.sourceEnds as object).length} partitions`, async () => {
      return { sourceEnds: ends(await stableEnds(source, topics, `the source ${options.from}`)) };
    });
    const frozen = freeze.sourceEnds as Record<string, string>;

    const drained = await m.run('drain', (d) => `target holds every source record (${String(d.checks)} checks${d.lateRecords ? `; ${String(d.lateRecords)} committed on the source after the fence` : ''})`, async () => {
      const deadline = performance.now() + options.drainTimeoutMs;
      let previous: Record<string, string> | undefined;
      let heldSince: number | undefined;
      for (let checks = 1; ; checks++) {
        const rows = await replicationProgress(source, target, topics, deps.engine);
        const now = Object.fromEntries(rows.map((r) => [tpKey(r.topic, r.partition), r.sourceEnd.toString()]));
        const lag = rows.reduce((n, r) => n + r.lag, 0n);
        // the source is stable when it still holds the frozen ends (no second read needed), or when two reads agree
        const stable = Object.entries(now).every(([k, v]) => frozen[k] === v) || (previous !== undefined && Object.entries(now).every(([k, v]) => previous![k] === v));
        previous = now;
        if (lag === 0n && stable) {
          // committed records a read_committed reader cannot see yet (behind a transaction a fenced
          // client left open) are records MirrorMaker 2 has not copied: wait for them. Read beside
          // the tails, not after them: the drain is on the clients' pause
          const [tails, held] = await Promise.all([translateOffsets(source, target, rows.map((r) => ({ topic: r.topic, partition: r.partition, committed: [], tail: 8 }))), heldBackByOpenTransactions(source, topics)]);
          const behind = tails.filter((t) => t.tail && (t.tail.mismatch || t.tail.matched < t.tail.checked));
          if (behind.length === 0 && held.length > 0) {
            if (heldSince === undefined) {
              heldSince = performance.now();
              deps.log(`waiting: committed records on ${held.map((h) => `${h.topic}[${h.partition}] from offset ${h.firstHeld}`).join(', ')} wait behind a transaction a fenced client left open; its coordinator aborts it after the client's transaction.timeout.ms`);
            }
          } else if (behind.length === 0) {
            // the stable end may lie past the freeze: a transaction that was committing when the gateway stopped
            const late = await countDataRecords(source, rows.filter((r) => BigInt(frozen[tpKey(r.topic, r.partition)] ?? r.sourceEnd) < r.sourceEnd).map((r) => ({ topic: r.topic, partition: r.partition, start: BigInt(frozen[tpKey(r.topic, r.partition)]!), end: r.sourceEnd })));
            const lateRecords = [...late.values()].reduce((n, c) => n + c, 0n);
            if (lateRecords > 0n) deps.log(`warning: ${lateRecords} records were committed on the source after the fence (a transaction committing as the gateway stopped, or a client bypassing it); they are on the target too`);
            return { checks, sourceEnds: now, lateRecords: lateRecords.toString() };
          }
          const diverged = behind.filter((b) => b.tail?.mismatch);
          if (diverged.length > 0) throw new CheckFailedError('DIVERGED', `the target's records differ from the source's on ${diverged.map((d) => `${d.topic}[${d.partition}]`).join(', ')}: ${diverged[0]!.tail!.mismatch}`, { hint: 'something other than MirrorMaker 2 writes to the target; --rollback releases the gateway on the source' });
        } else if (lag > 0n && !((await deps.engine?.running()) ?? false)) {
          throw new CheckFailedError('MM2_STOPPED', `MirrorMaker 2 stopped with ${lag} records not copied yet`, { hint: `start it again with \`zdp migrate start --from ${options.from} --to ${options.to}\`, then \`zdp cutover --resume\`` });
        }
        if (performance.now() > deadline) {
          if (heldSince !== undefined && lag === 0n) throw new CheckFailedError('DRAIN_TIMEOUT', `committed records on ${options.from} still wait behind an open transaction after ${Math.round(options.drainTimeoutMs / 1000)}s: MirrorMaker 2 cannot copy them until it ends`, { hint: 'find the transactional producer (kafka-transactions.sh list / describe-producers) and end it, or wait for its transaction.timeout.ms; then --resume (or --rollback)' });
          throw new CheckFailedError('DRAIN_TIMEOUT', `the target is still ${lag} records behind after ${Math.round(options.drainTimeoutMs / 1000)}s`, { hint: 'check `zdp migrate status`; --resume waits again, --rollback releases the gateway on the source' });
        }
        await sleep(heldSince === undefined ? 100 : 500);
      }
    });
    const drainedEnds = drained.sourceEnds as Record<string, string>;

    const stopped = await m.run('stop-replication', (d) => `MirrorMaker 2 ${d.stopped ? 'stopped' : 'was not running'}; target ends recorded`, async () => {
      // no grace: the target already holds every record, and with exactly-once an unfinished MM2 transaction is never visible
      const wasRunning = (await deps.engine?.stop(0)) ?? false;
      return { stopped: wasRunning, targetEnds: ends(await stableEnds(target, topics, `the target ${options.to}`)) };
    });
    const targetEnds = stopped.targetEnds as Record<string, string>;

    const translated = await m.run('translate', (d) => `${(d.offsets as unknown[]).length} group offsets translated exactly`, async () => {
      const committed = await scopeGroups(source, topics, options.groupPatterns);
      const [sEnds, tEnds] = await Promise.all([endOffsets(source, topics), endOffsets(target, topics)]);
      for (const [k, v] of tEnds) if (targetEnds[k] !== undefined && v.high.toString() !== targetEnds[k]) throw new CheckFailedError('TARGET_MOVED', `the target moved after replication stopped (${k.replace('\u0000', '[')}]): something else writes to it`, { hint: 'stop it, then --resume' });
      const requests = [...new Set(committed.map((c) => tpKey(c.topic, c.partition)))].map((k) => {
        const [topic, partition] = k.split('\u0000') as [string, string];
        return { topic, partition: Number(partition), committed: [...new Set(committed.filter((c) => c.topic === topic && c.partition === Number(partition)).map((c) => c.offset))] };
      });
      const [checkpoints, syncs] = await Promise.all([readCheckpoints(target), readOffsetSyncs(source)]);
      const results = translationResults(committed, await translateOffsets(source, target, requests, { sourceEnds: sEnds, targetEnds: tEnds, syncs }), { checkpoints, syncs });
      const bad = results.filter((r) => r.kind === 'diverged' || r.kind === 'not-replicated');
      if (bad.length > 0) throw new CheckFailedError('TRANSLATION_FAILED', `no exact target offset for ${bad.map((b) => `${b.group} ${b.topic}[${b.partition}]@${b.sourceOffset} (${b.kind})`).join(', ')}`, { hint: 'run `zdp parity` to see where the logs differ' });
      for (const r of results.filter((x) => x.kind === 'below-log-start' || x.kind === 'beyond-end')) deps.log(`warning: ${r.group} ${r.topic}[${r.partition}] committed ${r.sourceOffset} is ${r.kind}: not written (the consumer resets as it would on the source)`);
      return { offsets: results };
    });
    const results = translated.offsets as GroupResult[];

    await m.run('write-offsets', (d) => `offsets written for ${String(d.groups)} groups`, async () => {
      const groups = [...new Set(results.map((r) => r.group))];
      await waitGroupsEmpty(target, groups, options.groupWaitMs, deps.log);
      return { groups: await writeAndReadBack(target, results, deps.log) };
    });

    const switched = await m.run('switch', (d) => `gateway now routes to ${options.to} (ready in ${String(d.readyMs)} ms)`, async () => {
      // consumers that were in a group read from the offsets zdp wrote, not from where they were: they get no records until they rejoined
      await gateway.switchTo(target.profile, { gate: (drainConsumers.clients as string[] | undefined) ?? [] });
      const { readyMs } = await gateway.release();
      return { releasedAt: Date.now(), readyMs: Math.round(readyMs) };
    });

    await m.run('verify', (d) => `source unchanged: ${String(d.sourceUnchanged)}; on ${options.to}: produced ${String(d.producedOnTarget)}, consumed ${String(d.consumedOnTarget)}`, async () => {
      const gw = await gateway.state();
      if (gw.cluster !== options.to || !gw.serving) throw new CheckFailedError('GATEWAY_NOT_SWITCHED', `the gateway is ${gw.serving ? 'serving' : 'not serving'} ${gw.cluster}`);
      // new committed records on the source after the drain mean a client bypasses the gateway
      const sNow = await endOffsets(source, topics);
      const after = await countDataRecords(source, [...sNow.values()].filter((v) => drainedEnds[tpKey(v.topic, v.partition)] !== undefined && v.high > BigInt(drainedEnds[tpKey(v.topic, v.partition)]!)).map((v) => ({ topic: v.topic, partition: v.partition, start: BigInt(drainedEnds[tpKey(v.topic, v.partition)]!), end: v.high })));
      const bypass = [...after].filter(([, n]) => n > 0n).map(([k]) => `${k.replace('\u0000', '[')}]`);
      const deadline = performance.now() + options.verifyMs;
      let produced = false;
      let consumed = results.length === 0;
      const expected = (m.data('preflight').activeGroups as string[] | undefined) ?? [];
      const rejoined = new Set<string>();
      const written = new Map(results.filter((r) => r.targetOffset !== undefined).map((r) => [`${r.group}\u0000${tpKey(r.topic, r.partition)}`, BigInt(r.targetOffset!)]));
      for (;;) {
        const tNow = await endOffsets(target, topics);
        produced ||= [...tNow].some(([k, v]) => targetEnds[k] !== undefined && v.high > BigInt(targetEnds[k]));
        const now = await target.committedOffsets([...new Set(results.map((r) => r.group))], topics);
        const below = now.filter((o) => (written.get(`${o.group}\u0000${tpKey(o.topic, o.partition)}`) ?? 0n) > o.offset);
        if (below.length > 0) throw new CheckFailedError('OFFSETS_WENT_BACK', `group offsets on ${options.to} went below what zdp wrote: ${below.map((b) => `${b.group} ${b.topic}[${b.partition}]`).join(', ')}`, { hint: 'a consumer reset its position; check its auto.offset.reset' });
        consumed ||= now.some((o) => (written.get(`${o.group}\u0000${tpKey(o.topic, o.partition)}`) ?? -1n) < o.offset);
        const states = await target.groupStates(expected.filter((g) => !rejoined.has(g)));
        for (const g of states) if (g.members > 0) rejoined.add(g.group);
        if ((produced && consumed && rejoined.size === expected.length) || performance.now() > deadline) break;
        await sleep(500);
      }
      if (bypass.length > 0) throw new CheckFailedError('BYPASS', `the source received records after the drain on ${bypass.join(', ')}: a client bypasses the gateway and those records are not on ${options.to}`);
      const notRejoined = expected.filter((g) => !rejoined.has(g));
      if (notRejoined.length > 0) deps.log(`warning: ${notRejoined.join(', ')} had members on ${options.from} before the cutover and none on ${options.to} after ${Math.round(options.verifyMs / 1000)}s`);
      return { sourceUnchanged: true, producedOnTarget: produced, consumedOnTarget: consumed, notRejoined };
    });

    m.journal.append({ type: 'end', cutoverId: header.cutoverId, outcome: 'done' });
    const notes: string[] = [];
    const notRejoined = (m.data('verify').notRejoined as string[] | undefined) ?? [];
    if (notRejoined.length > 0) notes.push(`group${notRejoined.length === 1 ? '' : 's'} ${notRejoined.join(', ')} had members on ${options.from} before the cutover and none on ${options.to} within ${Math.round(options.verifyMs / 1000)}s of the switch: ${notRejoined.length === 1 ? 'that application has' : 'those applications have'} not reconnected through the gateway; their offsets on ${options.to} are written and they continue exactly there once they do`);
    if (!filtered && !gateway.capabilities.seamlessSwitch) notes.push(`the ${gateway.kind} gateway ran without zdp's filter and switched by restarting: records a consumer had processed but not committed when it stopped are read again after the switch (zdp cannot see them); consumers that commit after each batch re-read none`);
    return report(m, 'done', notes);
  } finally {
    release();
  }
}

function report(m: Machine, outcome: CutoverReport['outcome'], notes: string[], kind: CutoverReport['kind'] = 'CutoverReport'): CutoverReport {
  const fence = m.data('fence');
  const sw = m.data('switch');
  const drained = m.data('drain-consumers');
  // consumers pause from the drain (they get no records), producers from the hold
  const consumersFrom = Number(drained.drainedAt ?? fence.fencedAt);
  const offsets = (m.data('translate').offsets as GroupResult[] | undefined) ?? [];
  return {
    kind,
    cutoverId: m.header.cutoverId,
    from: m.header.from,
    to: m.header.to,
    outcome,
    steps: m.steps,
    pause: sw.releasedAt && fence.fencedAt ? { producersMs: Number(sw.releasedAt) - Number(fence.fencedAt), consumersMs: Number(sw.releasedAt) - consumersFrom } : { producersMs: 0, consumersMs: 0 },
    quiesce: {
      via: drained.via === 'filter' ? 'filter' : 'restart',
      ...(drained.instances !== undefined ? { instances: Number(drained.instances) } : {}),
      groups: ((drained.groups as CutoverReport['quiesce']['groups'] | undefined) ?? []).map(({ group, uncommitted, complete }) => ({ group, uncommitted, complete })),
    },
    records: {
      sourceRecordsMissingOnTarget: 0,
      duplicatedByTranslation: 0,
      ...(kind === 'CutoverReport' ? { mm2CheckpointsWouldReRead: offsets.reduce((n, o) => n + Math.max(0, o.mm2ReRead ?? 0), 0), mm2CheckpointsWouldSkip: offsets.reduce((n, o) => n + Math.max(0, -(o.mm2ReRead ?? 0)), 0) } : {}),
    },
    groups: offsets,
    notes,
    journal: m.journal.file,
  };
}

/** A read that stopped before the end of a window (timed out, or held back by an open transaction) copies nothing it cannot vouch for. */
function incompleteRead(outcome: { incomplete: Map<string, number[]>; timedOut: boolean }, cluster: string, what: string): void {
  if (outcome.incomplete.size === 0 && !outcome.timedOut) return;
  const where = [...outcome.incomplete].map(([t, p]) => `${t}[${p.join(',')}]`).join(', ');
  throw new CheckFailedError('READ_INCOMPLETE', `could not read ${what} on ${cluster} to the end of ${where || 'every partition'}${outcome.timedOut ? ' in time' : ': an open transaction holds the stable offset back'}`, {
    hint: 'wait for the transaction to finish (or time out: transaction.timeout.ms), then run the same command again; it continues where it stopped',
  });
}

/** Copies target records in [from, to) of each partition back to the source, skipping copies made by an earlier, interrupted run. */
async function copyBack(source: Side, target: Side, topics: string[], cut: Record<string, string>, frozenSource: Record<string, string>, targetNow: Map<string, { topic: string; partition: number; high: bigint }>, log: (l: string) => void): Promise<number> {
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

/** Returns to the source: before the switch, just release the gateway there; after it, copy back and translate back. */
export async function runRollback(deps: CutoverDeps, options: CutoverOptions): Promise<CutoverReport> {
  const release = takeLease(deps.migrationDir);
  try {
    const { header } = await openJournal(deps, options, true);
    const m = new Machine(deps, header);
    const state = m.journal.current;
    const { source, target, gateway } = deps;
    const topics = header.topics;
    if (state.ended === 'rolled-back') return report(m, 'already-done', ['this cutover was already rolled back'], 'RollbackReport');
    if (!state.done.has('switch') && state.inProgress !== 'switch') {
      // before the point of no return: nothing reached the target; release the gateway on the source
      const r = await m.run('rollback-switch', () => `gateway released on ${options.from}`, async () => {
        await gateway.cancelSwitch?.();
        await gateway.switchTo(source.profile);
        const { readyMs } = await gateway.release();
        return { releasedAt: Date.now(), readyMs: Math.round(readyMs), beforeSwitch: true };
      });
      m.journal.append({ type: 'end', cutoverId: header.cutoverId, outcome: 'rolled-back' });
      const fence = m.data('fence');
      const out = report(m, 'rolled-back', [`the cutover stopped before the switch: clients are back on ${options.from} with nothing changed; MirrorMaker 2 was ${m.data('stop-replication').stopped ? 'stopped: start it again with `zdp migrate start`' : 'left as it was'}`], 'RollbackReport');
      const drainedAt = m.data('drain-consumers').drainedAt ?? fence.fencedAt;
      out.pause = { producersMs: fence.fencedAt ? Number(r.releasedAt) - Number(fence.fencedAt) : 0, consumersMs: drainedAt ? Number(r.releasedAt) - Number(drainedAt) : 0 };
      return out;
    }
    const frozen = (m.data('drain').sourceEnds ?? m.data('freeze').sourceEnds) as Record<string, string>;
    const cut = m.data('stop-replication').targetEnds as Record<string, string>;
    const forward = (m.data('translate').offsets as GroupResult[] | undefined) ?? [];

    const fence = await m.run('rollback-fence', (d) => (d.via === 'filter' ? `consumers drained and producers held at the gateway (zdp's filter)${(d.groups as { complete: boolean }[]).some((g) => !g.complete) ? `; not drained in time: ${(d.groups as { group: string; complete: boolean }[]).filter((g) => !g.complete).map((g) => g.group).join(', ')}` : ''}` : 'clients fenced at the gateway (by stopping it)'), async () => {
      await gateway.prepareSwitch?.(source.profile);
      const quiesce = await gateway.quiesce?.();
      if (quiesce) {
        // the same quiesce as forward: consumers commit what they were given on the target, then producers are held
        const groups = [...new Set([...forward.map((f) => f.group), ...selectGroups(await target.listGroupIds(), options.groupPatterns)])].sort();
        const active = (await target.groupStates(groups)).filter((g) => g.members > 0).map((g) => g.group);
        const drained = await drainConsumersOn(target, quiesce, active, topics, options.drainConsumersTimeoutMs, deps.log);
        const fencedAt = Date.now();
        await quiesce.holdProducers(10_000);
        return { ...drained, fencedAt };
      }
      const fencedAt = Date.now();
      await gateway.fenceProducers();
      await gateway.fenceConsumers();
      return { fencedAt, via: 'restart' };
    });
    await m.run('rollback-freeze', (d) => `target ends frozen on ${Object.keys(d.targetEnds as object).length} partitions`, async () => ({ targetEnds: ends(await stableEnds(target, topics, `the target ${options.to}`)) }));
    const copy = await m.run('rollback-copy', (d) => `${String(d.copied)} records produced on ${options.to} after the switch copied back to ${options.from}`, async () => {
      // to the high watermark, not the last stable offset: records committed after a transaction a
      // fenced client left open are waited for (copyBack), not left behind
      return { copied: await copyBack(source, target, topics, cut, frozen, await target.highWatermarks(topics), deps.log) };
    });
    const back = await m.run('rollback-translate', (d) => `${(d.offsets as unknown[]).length} group offsets translated back`, async () => {
      const groups = [...new Set([...forward.map((f) => f.group), ...selectGroups(await target.listGroupIds(), options.groupPatterns)])].sort();
      const committed = await target.committedOffsets(groups, topics);
      const direct: GroupResult[] = [];
      const rest: GroupOffset[] = [];
      for (const c of committed) {
        const f = forward.find((x) => x.group === c.group && x.topic === c.topic && x.partition === c.partition && x.targetOffset === c.offset.toString());
        // unchanged since the switch: the source offset the group had then
        if (f) direct.push({ group: c.group, topic: c.topic, partition: c.partition, sourceOffset: c.offset.toString(), targetOffset: f.sourceOffset, kind: 'exact', ...(f.fingerprint ? { fingerprint: f.fingerprint } : {}) });
        else rest.push(c);
      }
      const anchors = new Map(Object.entries(cut).map(([k, v]) => [k, { source: BigInt(v), target: BigInt(frozen[k] ?? '0') }]));
      const requests = [...new Set(rest.map((c) => tpKey(c.topic, c.partition)))].map((k) => {
        const [topic, partition] = k.split('\u0000') as [string, string];
        return { topic, partition: Number(partition), committed: [...new Set(rest.filter((c) => c.topic === topic && c.partition === Number(partition)).map((c) => c.offset))] };
      });
      const translatedBack = requests.length > 0 ? translationResults(rest, await translateOffsets(target, source, requests, { anchors })) : [];
      const bad = translatedBack.filter((r) => r.kind === 'diverged' || r.kind === 'not-replicated');
      if (bad.length > 0) throw new CheckFailedError('TRANSLATION_FAILED', `no exact source offset for ${bad.map((b) => `${b.group} ${b.topic}[${b.partition}]@${b.sourceOffset}`).join(', ')}`);
      return { offsets: [...direct, ...translatedBack].sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition) };
    });
    const results = back.offsets as GroupResult[];
    await m.run('rollback-write-offsets', (d) => `offsets written for ${String(d.groups)} groups on ${options.from}`, async () => {
      await waitGroupsEmpty(source, [...new Set(results.map((r) => r.group))], Math.max(options.groupWaitMs, 60_000), deps.log);
      return { groups: await writeAndReadBack(source, results, deps.log) };
    });
    const sw = await m.run('rollback-switch', () => `gateway routes to ${options.from} again`, async () => {
      await gateway.switchTo(source.profile, { gate: (fence.clients as string[] | undefined) ?? [] });
      const { readyMs } = await gateway.release();
      return { releasedAt: Date.now(), readyMs: Math.round(readyMs) };
    });
    m.journal.append({ type: 'end', cutoverId: header.cutoverId, outcome: 'rolled-back' });
    const out = report(m, 'rolled-back', [`MirrorMaker 2 stays stopped: the target now holds records the source also has; migrate again onto a fresh target`], 'RollbackReport');
    out.pause = { producersMs: Number(sw.releasedAt) - Number(fence.fencedAt), consumersMs: Number(sw.releasedAt) - Number(fence.drainedAt ?? fence.fencedAt) };
    out.quiesce = { via: fence.via === 'filter' ? 'filter' : 'restart', ...(fence.instances !== undefined ? { instances: Number(fence.instances) } : {}), groups: ((fence.groups as CutoverReport['quiesce']['groups'] | undefined) ?? []).map(({ group, uncommitted, complete }) => ({ group, uncommitted, complete })) };
    out.records.copiedBack = Number(copy.copied);
    out.groups = results;
    return out;
  } finally {
    release();
  }
}

export { FORWARD_STEPS, ROLLBACK_STEPS };

/**
 * The one runner of the cutover's step tables (steps/index.ts): it owns the lease (one writer at a
 * time), the journal (each step's start, failure and typed output, fsynced), resume (a step the
 * journal has done is not run again; its output is reused) and the report. Steps get the clusters,
 * the gateway control and the hook called as each starts through the dependencies.
 */
import { randomBytes } from 'node:crypto';
import { CheckFailedError, ConfigError, NotFoundError, UsageError } from '../errors.js';
import { FORWARD_STEPS, nextStep, type JournalHeader, type Step } from '../core/cutover/journal.js';
import type { Side } from '../offsets/translation.js';
import { Journal, takeLease } from './journal-file.js';
import { FORWARD_TABLE, RELEASE_TABLE, ROLLBACK_TABLE } from './steps/index.js';
import { bindings } from './steps/bind.js';
import { preflight } from './steps/preflight.js';
import type { AnyCutoverStep, CutoverDeps, CutoverOptions, CutoverReport, GroupResult, StepContext, StepOutputs, StepReport } from './types.js';

class Machine {
  readonly journal: Journal;
  readonly steps: StepReport[] = [];
  readonly ctx: StepContext;

  constructor(
    readonly deps: CutoverDeps,
    readonly header: JournalHeader,
    options: CutoverOptions,
  ) {
    this.journal = new Journal(deps.migrationDir);
    this.ctx = { deps, options, header, out: (step) => this.data(step) };
  }

  data<S extends Step>(step: S): Partial<StepOutputs[S]> {
    return (this.journal.current.done.get(step) ?? {}) as Partial<StepOutputs[S]>;
  }

  /** Runs each step of the table in order; one the journal has done reports its journaled output. */
  async runTable(table: readonly AnyCutoverStep[]): Promise<void> {
    for (const step of table) await this.run(step);
  }

  private async run(step: AnyCutoverStep): Promise<void> {
    const name = step.name;
    const summary = (out: unknown) => (step.summary as (o: unknown, c: StepContext) => string)(out, this.ctx);
    const done = this.journal.current.done.get(name);
    if (done) {
      this.steps.push({ step: name, durationMs: 0, fromJournal: true, summary: summary(done) });
      (step.resumed as ((o: unknown, c: StepContext) => void) | undefined)?.(done, this.ctx);
      return;
    }
    const started = performance.now();
    this.journal.append({ type: 'step', cutoverId: this.header.cutoverId, step: name, state: 'begin' });
    await this.deps.onStep?.(name);
    this.deps.log(`${name}…`);
    let data: StepOutputs[typeof name];
    try {
      data = await step.run(this.ctx);
    } catch (error) {
      this.journal.append({ type: 'step', cutoverId: this.header.cutoverId, step: name, state: 'failed', error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
    this.journal.append({ type: 'step', cutoverId: this.header.cutoverId, step: name, state: 'done', data: data as unknown as Record<string, unknown> });
    const report = { step: name, durationMs: Math.round(performance.now() - started), fromJournal: false, summary: summary(data) };
    this.steps.push(report);
    this.deps.log(`${name}: ${report.summary} (${(report.durationMs / 1000).toFixed(1)}s)`);
  }
}

async function clusterId(side: Side): Promise<string> {
  return (await side.describeCluster()).clusterId;
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
  // (mid-bind or mid-switch, instances may front either cluster: the step, repeated, finishes it)
  if (h && state.ended !== 'rolled-back' && (state.ended === 'done' || touched || options.resume) && state.inProgress !== 'switch' && state.inProgress !== 'bind') {
    // bound early, the gateway fronts the source until the bind's old instances go, then the target, its clients held there until the switch
    const binding = !state.done.has('switch') && (state.done.get('bind') as Partial<StepOutputs['bind']> | undefined)?.early === true;
    const expected = state.ended === 'done' || state.done.has('switch') ? [options.to] : binding ? [options.from, options.to] : [options.from];
    const gw = await deps.gateway.state();
    if (!expected.includes(gw.cluster)) {
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
    const m = new Machine(deps, header, options);
    if (!fresh && m.journal.current.ended === 'done') {
      return report(m, 'already-done', ['this cutover is complete; `zdp cutover --rollback` returns to the source']);
    }
    if (fresh) m.journal.append({ type: 'start', header });
    await m.runTable(FORWARD_TABLE);
    m.journal.append({ type: 'end', cutoverId: header.cutoverId, outcome: 'done' });
    const notes: string[] = [];
    const notRejoined = m.data('verify').notRejoined ?? [];
    if (notRejoined.length > 0) notes.push(`group${notRejoined.length === 1 ? '' : 's'} ${notRejoined.join(', ')} had members on ${options.from} before the cutover and none on ${options.to} within ${Math.round(options.verifyMs / 1000)}s of the switch: ${notRejoined.length === 1 ? 'that application has' : 'those applications have'} not reconnected through the gateway; their offsets on ${options.to} are written and they continue exactly there once they do`);
    if (m.data('drain-consumers').via !== 'filter' && !deps.gateway.capabilities.seamlessSwitch) notes.push(`the ${deps.gateway.kind} gateway ran without zdp's filter and switched by restarting: records a consumer had processed but not committed when it stopped are read again after the switch (zdp cannot see them); consumers that commit after each batch re-read none`);
    return report(m, 'done', notes);
  } finally {
    // a bind begun beside the steps is not cut off half-way when a later step fails: clients would find no instance until a resume
    await bindings.get(deps)?.catch(() => {});
    release();
  }
}

/**
 * `--dry-run`: the forward cutover's read-only preflight, run for real (no journal, no lease), and
 * what each step would do; the rollback's steps without a preflight. Changes nothing.
 */
export async function planCutover(deps: CutoverDeps, options: CutoverOptions, rollback: boolean): Promise<{ preflight?: StepOutputs['preflight']; plan: { step: Step; does: string }[] }> {
  const plan = (rollback ? ROLLBACK_TABLE : FORWARD_TABLE).map((s) => ({ step: s.name, does: s.does }));
  if (rollback) return { plan };
  const header: JournalHeader = { cutoverId: 'dry-run', from: options.from, to: options.to, sourceClusterId: '', targetClusterId: '', topics: [...options.topics].sort(), groups: [], startedAt: new Date().toISOString() };
  const ctx: StepContext = { deps, options, header, out: () => ({}) };
  return { preflight: await preflight.run(ctx), plan };
}

/** Returns to the source: before the switch, just release the gateway there; after it, copy back and translate back. */
export async function runRollback(deps: CutoverDeps, options: CutoverOptions): Promise<CutoverReport> {
  const release = takeLease(deps.migrationDir);
  try {
    const { header } = await openJournal(deps, options, true);
    const m = new Machine(deps, header, options);
    const state = m.journal.current;
    if (state.ended === 'rolled-back') return report(m, 'already-done', ['this cutover was already rolled back'], 'RollbackReport');
    if (!state.done.has('switch') && state.inProgress !== 'switch') {
      // before the point of no return: nothing reached the target; release the gateway on the source
      await m.runTable(RELEASE_TABLE);
      m.journal.append({ type: 'end', cutoverId: header.cutoverId, outcome: 'rolled-back' });
      const fence = m.data('fence');
      const r = m.data('rollback-switch');
      const out = report(m, 'rolled-back', [`the cutover stopped before the switch: clients are back on ${options.from} with nothing changed; MirrorMaker 2 was ${m.data('stop-replication').stopped ? 'stopped: start it again with `zdp migrate start`' : 'left as it was'}`], 'RollbackReport');
      const drainedAt = m.data('drain-consumers').drainedAt ?? fence.fencedAt;
      out.pause = { producersMs: fence.fencedAt ? Number(r.releasedAt) - Number(fence.fencedAt) : 0, consumersMs: drainedAt ? Number(r.releasedAt) - Number(drainedAt) : 0 };
      return out;
    }
    await m.runTable(ROLLBACK_TABLE);
    m.journal.append({ type: 'end', cutoverId: header.cutoverId, outcome: 'rolled-back' });
    const fence = m.data('rollback-fence');
    const sw = m.data('rollback-switch');
    const out = report(m, 'rolled-back', [`MirrorMaker 2 stays stopped: the target now holds records the source also has; migrate again onto a fresh target`], 'RollbackReport');
    out.pause = { producersMs: Number(sw.releasedAt) - Number(fence.fencedAt), consumersMs: Number(sw.releasedAt) - Number(fence.drainedAt ?? fence.fencedAt) };
    out.quiesce = { via: fence.via === 'filter' ? 'filter' : 'restart', ...(fence.instances !== undefined ? { instances: Number(fence.instances) } : {}), groups: (fence.groups ?? []).map(({ group, uncommitted, complete }) => ({ group, uncommitted, complete })) };
    out.records.copiedBack = Number(m.data('rollback-copy').copied);
    out.groups = m.data('rollback-translate').offsets ?? [];
    return out;
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
  const offsets: GroupResult[] = m.data('translate').offsets ?? [];
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
      groups: (drained.groups ?? []).map(({ group, uncommitted, complete }) => ({ group, uncommitted, complete })),
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


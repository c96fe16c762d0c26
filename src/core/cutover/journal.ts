/**
 * The cutover journal: one JSON line per step transition, so a crashed or interrupted cutover
 * resumes from the last completed step with the values that define correctness (source ends,
 * target ends, translated offsets) taken from the journal instead of being measured again. Pure:
 * the file I/O is in src/cutover/journal-file.ts.
 */

export const FORWARD_STEPS = ['preflight', 'drain-consumers', 'fence', 'bind', 'freeze', 'drain', 'stop-replication', 'translate', 'write-offsets', 'switch', 'verify'] as const;
export const ROLLBACK_STEPS = ['rollback-fence', 'rollback-freeze', 'rollback-copy', 'rollback-translate', 'rollback-write-offsets', 'rollback-switch'] as const;
export type Step = (typeof FORWARD_STEPS)[number] | (typeof ROLLBACK_STEPS)[number];

export interface JournalHeader {
  cutoverId: string;
  from: string;
  to: string;
  sourceClusterId: string;
  targetClusterId: string;
  topics: string[];
  groups: string[];
  startedAt: string;
}

export type JournalLine =
  | { type: 'start'; seq: number; time: string; header: JournalHeader }
  | { type: 'step'; seq: number; time: string; cutoverId: string; step: Step; state: 'begin' | 'done' | 'failed'; data?: Record<string, unknown>; error?: string }
  | { type: 'end'; seq: number; time: string; cutoverId: string; outcome: 'done' | 'rolled-back' };

export interface JournalState {
  header?: JournalHeader;
  /** outputs of the completed steps */
  done: Map<Step, Record<string, unknown>>;
  /** the step that began last and has not completed */
  inProgress?: Step;
  lastFailure?: { step: Step; error: string };
  ended?: 'done' | 'rolled-back';
  nextSeq: number;
}

/** Replays journal lines (in file order) into the state of the newest cutover they describe. */
export function replay(lines: readonly JournalLine[]): JournalState {
  let state: JournalState = { done: new Map(), nextSeq: 0 };
  for (const line of lines) {
    state.nextSeq = Math.max(state.nextSeq, line.seq + 1);
    if (line.type === 'start') {
      state = { header: line.header, done: new Map(), nextSeq: state.nextSeq };
      continue;
    }
    if (!state.header || line.cutoverId !== state.header.cutoverId) continue;
    if (line.type === 'end') {
      // a rollback that ended reopens nothing; a forward cutover that ended can still be rolled back
      state.ended = line.outcome;
      continue;
    }
    if (line.state === 'begin') {
      state.inProgress = line.step;
    } else if (line.state === 'done') {
      state.done.set(line.step, line.data ?? {});
      if (state.inProgress === line.step) delete state.inProgress;
      if (state.lastFailure?.step === line.step) delete state.lastFailure;
    } else {
      state.lastFailure = { step: line.step, error: line.error ?? 'failed' };
      if (state.inProgress === line.step) delete state.inProgress;
    }
  }
  // a journal written before the consumer drain existed: its fence stopped the proxy, consumers included
  if (state.done.has('fence') && !state.done.has('drain-consumers')) state.done.set('drain-consumers', { via: 'restart', groups: [], clients: [] });
  // a journal written before the early bind existed, past where it would have run: the gateway binds at the switch, as it was going to
  const afterBind = FORWARD_STEPS.slice(FORWARD_STEPS.indexOf('bind') + 1) as readonly Step[];
  if (!state.done.has('bind') && afterBind.some((s) => state.done.has(s) || state.inProgress === s)) state.done.set('bind', { early: false });
  return state;
}

/** The first step of `steps` that has not completed. */
export function nextStep<S extends Step>(state: JournalState, steps: readonly S[]): S | undefined {
  return steps.find((s) => !state.done.has(s));
}

/** Parses the journal file's text; a torn last line (a crash mid-write) is ignored. */
export function parseJournal(text: string): JournalLine[] {
  const out: JournalLine[] = [];
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    if (!l.trim()) return;
    try {
      out.push(JSON.parse(l) as JournalLine);
    } catch (e) {
      if (i < lines.length - 1 && lines.slice(i + 1).some((x) => x.trim())) throw new SyntaxError(`journal line ${i + 1} is not JSON: ${(e as Error).message}`);
    }
  });
  return out;
}

/**
 * The cutover's types: what it is asked (options), what it is given (dependencies: both clusters,
 * the gateway, MirrorMaker 2, a hook called as each step starts), each step's typed output (what
 * the journal keeps), and the report.
 */
import type { JournalHeader, Step } from '../core/cutover/journal.js';
import type { Translation } from '../core/offsets/translate.js';
import type { GatewayControl } from '../gateway/control.js';
import type { ReplicationEngine } from '../migration/engine.js';
import type { Side } from '../offsets/translation.js';

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
  onStep?: (step: Step) => void | Promise<void>;
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

/** What the consumer drain found, per active group (see src/core/cutover/drain.ts). */
export interface DrainOutput {
  via: 'filter' | 'restart';
  instances?: number;
  /** when consumers stopped getting records (epoch ms) */
  drainedAt?: number;
  /** completeAfterMs: from drainedAt (the first cut-off) to the first check that found the group drained */
  groups: { group: string; uncommitted: number; complete: boolean; behind?: unknown[]; completeAfterMs?: number }[];
  /** from drainedAt to when every instance was told to cut off the consumers that commit after each batch (a filter told when: see DrainAsk.othersWhenTold) */
  othersToldAfterMs?: number;
  /** the reads of the cluster's group states and committed offsets in the drain: how many, and the longest (ms); the gateway's state was read every 40 ms between them */
  checks?: { count: number; longestMs: number };
  /** client ids of the groups' members, one entry per member: gated at the switch until that many rejoined */
  clients: string[];
  /** offsets of the groups drained first, translated while the others drained and written on the target (exact only) */
  ahead?: GroupResult[];
}

/** end offsets by "topic\u0000partition" */
export type Ends = Record<string, string>;

/** Each step's output, as the journal keeps it (JSON: offsets are strings). */
export interface StepOutputs {
  preflight: { gatewayCluster: string; groups: number; groupIds: string[]; activeGroups: string[]; lag: string; mm2Running: boolean };
  'drain-consumers': DrainOutput;
  fence: { fencedAt: number; via?: 'filter' | 'restart' };
  freeze: { sourceEnds: Ends };
  /** lastCheckMs: when each read of the last check had its answer, ms from the check's start (the source's ends, the tails of both clusters, the open transactions) */
  drain: { checks: number; sourceEnds: Ends; lateRecords: string; lastCheckMs?: { ends: number; tails: number; open: number } };
  /** early: the new instances began to bind at begunAt (epoch ms), holding clients until the switch; false: they bind at the switch */
  bind: { early: boolean; begunAt?: number };
  'stop-replication': { stopped: boolean; targetEnds: Ends };
  translate: { offsets: GroupResult[]; ahead?: number };
  'write-offsets': { groups: number; alreadyHeld?: number };
  /** boundReadyMs: how long the new instances bound early took to answer once told to bind (the bind itself ran beside the steps before) */
  switch: { releasedAt: number; readyMs: number; boundReadyMs?: number };
  verify: { sourceUnchanged: boolean; producedOnTarget: boolean; consumedOnTarget: boolean; notRejoined: string[] };
  'rollback-fence': DrainOutput & { fencedAt: number };
  'rollback-freeze': { targetEnds: Ends };
  'rollback-copy': { copied: number };
  'rollback-translate': { offsets: GroupResult[] };
  'rollback-write-offsets': { groups: number };
  'rollback-switch': { releasedAt: number; readyMs: number; beforeSwitch?: boolean };
}

/** What a step sees: the clusters and the gateway, the options, and the outputs of the steps before it. */
export interface StepContext {
  deps: CutoverDeps;
  options: CutoverOptions;
  header: JournalHeader;
  /** the output of an earlier step, from this run or the journal (empty when it has not run) */
  out<S extends Step>(step: S): Partial<StepOutputs[S]>;
}

/** One step of the cutover's tables: an idempotent action with a typed output and a one-line summary. */
export interface CutoverStep<S extends Step = Step> {
  readonly name: S;
  /** what it does, for `--dry-run` */
  readonly does: string;
  summary(out: StepOutputs[S], ctx: StepContext): string;
  run(ctx: StepContext): Promise<StepOutputs[S]>;
  /** called instead of run when the journal has this step done (a resumed cutover): what the step began that must go on */
  resumed?(out: Partial<StepOutputs[S]>, ctx: StepContext): void;
}

/** Any one step, whichever it is (the tables hold these). */
export type AnyCutoverStep = { [S in Step]: CutoverStep<S> }[Step];

/**
 * The cutover: an explicit state machine over a journal, as two tables of typed steps
 * (steps/index.ts, one file per step) run by one journaled runner (runner.ts). Each step is an
 * idempotent "ensure" action whose typed output (source ends, target ends, translated offsets) is
 * journaled, so a cutover killed at any point resumes from the last completed step with the same
 * values. The rollback runs the other table: quiesce on the target, copy back what was produced
 * there after the switch, translate the groups back, switch the gateway back to the source.
 */
export { FORWARD_STEPS, ROLLBACK_STEPS } from '../core/cutover/journal.js';
export { planCutover, runCutover, runRollback } from './runner.js';
export type { CutoverDeps, CutoverOptions, CutoverReport, GroupResult, StepReport } from './types.js';

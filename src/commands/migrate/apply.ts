/** `zdp migrate apply <plan>`: create the planned topics, ACLs and subjects on the target; never overwrites drift. */
import { relative } from 'node:path';
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { resolvePath } from '../../cli/flags.js';
import type { Runtime } from '../../cli/runtime.js';
import { parsePair, type Pair } from '../../cli/sides.js';
import { readUserFile } from '../../atomic-file.js';
import { ConfigError, NotFoundError } from '../../errors.js';
import type { MigrationPlan } from '../../core/migration/plan.js';
import { applyPlan, applyView, describeChanges, pendingChanges } from './shared.js';

export interface ApplyOptions {
  plan: MigrationPlan;
  pair: Pair;
  dryRun: boolean;
}

/** Reads a plan file: JSON, a MigrationPlan of format 1, between two known profiles. */
export function readPlanFile(path: string, shown: string, rt: ParseContext): { plan: MigrationPlan; pair: Pair } {
  let text: string;
  try {
    text = readUserFile(path, 'plan file', { shown, maxBytes: 256 * 1024 * 1024 });
  } catch (e) {
    if (e instanceof NotFoundError) throw new NotFoundError('PLAN_NOT_FOUND', `no plan file at ${shown}`, { hint: 'write one with `zdp migrate plan --from <a> --to <b>`' });
    throw e;
  }
  let plan: MigrationPlan;
  try {
    plan = JSON.parse(text) as MigrationPlan;
  } catch {
    throw new ConfigError('PLAN_INVALID', `${shown} is not a zdp migration plan (not JSON)`, { hint: 'write one with `zdp migrate plan --from <a> --to <b>`' });
  }
  const p = plan as Partial<MigrationPlan> | null;
  if (p === null || typeof p !== 'object' || Array.isArray(p) || p.kind !== 'MigrationPlan' || p.formatVersion !== 1 || typeof p.from?.cluster !== 'string' || typeof p.to?.cluster !== 'string' || !Array.isArray(p.topics) || typeof p.summary !== 'object' || p.summary === null) {
    throw new ConfigError('PLAN_INVALID', `${shown} is not a zdp migration plan${p && typeof p === 'object' && 'kind' in p ? ` (kind ${JSON.stringify(p.kind)})` : ''}`, { hint: 'write one with `zdp migrate plan --from <a> --to <b>`' });
  }
  return { plan, pair: parsePair(plan.from.cluster, plan.to.cluster, rt) };
}

export function parseApplyOptions(file: string, flags: { dryRun: boolean }, rt: ParseContext): ApplyOptions {
  const path = resolvePath(rt.cwd, file, '<plan>');
  return { ...readPlanFile(path, relative(rt.cwd, path) || path, rt), dryRun: flags.dryRun };
}

export async function runApply(options: ApplyOptions, rt: Runtime): Promise<View> {
  const { plan } = options;
  if (options.dryRun) {
    return { kind: 'MigrationApply', data: { dryRun: true, from: plan.from.cluster, to: plan.to.cluster, wouldCreate: describeChanges(plan) || 'nothing' }, text: `dry run: would create ${describeChanges(plan) || 'nothing'} on ${plan.to.cluster} (the target is read again when applying)` };
  }
  if (pendingChanges(plan) > 0 && !(await rt.io.confirm(`Create ${describeChanges(plan)} on ${plan.to.cluster}?`))) {
    return { kind: 'MigrationApply', data: { from: plan.from.cluster, to: plan.to.cluster, created: [], cancelled: true }, text: '', notes: ['nothing created'] };
  }
  return applyView(await applyPlan(rt, options.pair, plan));
}

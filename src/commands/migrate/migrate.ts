/** `zdp migrate --from a --to b`: plan, confirm on a terminal (or --yes), apply. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import type { Runtime } from '../../cli/runtime.js';
import { parsePair, type Pair } from '../../cli/sides.js';
import { UsageError } from '../../errors.js';
import { parseSelection } from './plan.js';
import { applyPlan, applyView, describeChanges, makePlan, pendingChanges, renderPlan, type PlanSelection } from './shared.js';

/** --from, --to, --topic..., --exclude... of the one-shot form. */
export function parseMigrateOptions(args: readonly string[], rt: ParseContext): { pair: Pair; selection: PlanSelection } {
  const flags = { from: '', to: '', topic: [] as string[], exclude: [] as string[], acls: true, subjects: true };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
      return v;
    };
    if (name === '--from') flags.from = value();
    else if (name === '--to') flags.to = value();
    else if (name === '--topic') flags.topic.push(value());
    else if (name === '--exclude') flags.exclude.push(value());
    else if (a === '--no-acls') flags.acls = false;
    else if (a === '--no-subjects') flags.subjects = false;
    else throw new UsageError(`unknown option '${a}' for zdp migrate`, { hint: 'see `zdp migrate --help`' });
  }
  if (!flags.from || !flags.to) throw new UsageError('zdp migrate needs --from <cluster> and --to <cluster> (or use `zdp migrate plan` / `zdp migrate apply`)');
  const selection = parseSelection(flags);
  return { pair: parsePair(flags.from, flags.to, rt), selection };
}

export async function runMigrate(options: { pair: Pair; selection: PlanSelection }, rt: Runtime): Promise<View> {
  const plan = await makePlan(rt, options.pair, options.selection);
  rt.io.info(renderPlan(plan));
  if (pendingChanges(plan) > 0 && !(await rt.io.confirm(`Create ${describeChanges(plan)} on ${plan.to.cluster}?`))) {
    return { kind: 'MigrationApply', data: { from: plan.from.cluster, to: plan.to.cluster, created: [], cancelled: true }, text: '', notes: ['nothing created'] };
  }
  return applyView(await applyPlan(rt, options.pair, plan));
}

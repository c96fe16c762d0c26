/** `zdp migrate plan --from a --to b`: each topic is create, present or drift; configs translated for the target vendor. */
import { dirname, join, relative } from 'node:path';
import { assertCanBeDir } from '../../atomic-file.js';
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parseGlobs, resolvePath } from '../../cli/flags.js';
import type { Runtime } from '../../cli/runtime.js';
import { parsePair, type Pair } from '../../cli/sides.js';
import { journal, makePlan, migrationDir, renderPlan, writePlan, type PlanSelection } from './shared.js';

export interface PlanFlags {
  from: string;
  to: string;
  topic: string[];
  exclude: string[];
  out?: string;
  acls: boolean;
  subjects: boolean;
}

export interface PlanOptions {
  pair: Pair;
  selection: PlanSelection;
  /** the plan file to write */
  file: string;
}

export function parseSelection(flags: { topic: string[]; exclude: string[]; acls?: boolean; subjects?: boolean }): PlanSelection {
  return { topics: parseGlobs(flags.topic, '--topic'), exclude: parseGlobs(flags.exclude, '--exclude'), acls: flags.acls !== false, subjects: flags.subjects !== false };
}

export function parsePlanOptions(flags: PlanFlags, rt: ParseContext): PlanOptions {
  const selection = parseSelection(flags);
  const pair = parsePair(flags.from, flags.to, rt);
  const file = flags.out ? resolvePath(rt.cwd, flags.out, '--out') : join(migrationDir(rt.config().stateDir, pair.source.name, pair.target.name), 'plan.json');
  return { pair, selection, file };
}

export async function runPlan(options: PlanOptions, rt: Runtime): Promise<View> {
  // a plan file that cannot be written fails before anything is read from the clusters
  assertCanBeDir(dirname(options.file), 'plan directory');
  const plan = await makePlan(rt, options.pair, options.selection);
  writePlan(options.file, plan);
  journal(rt.config().stateDir, plan, { step: 'plan', summary: plan.summary });
  const shown = relative(rt.cwd, options.file) || options.file;
  return {
    kind: 'MigrationPlan',
    data: { planFile: shown, ...plan },
    text: renderPlan(plan),
    notes: [`Plan written to ${shown}. Next: \`zdp migrate apply ${shown}\``],
  };
}

/** `zdp migrate plan|apply|start|stop|status`, and `zdp migrate --from a --to b` (plan, confirm, apply). */
import { Option, type Command } from 'commander';
import { execute, type CommandContext, type ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { collect, pairFlags, topicFlags } from '../../cli/flags.js';
import type { Runtime } from '../../cli/runtime.js';
import { parsePair, type Pair } from '../../cli/sides.js';
import { UsageError } from '../../errors.js';
import { parseApplyOptions, runApply } from './apply.js';
import { parsePlanOptions, parseSelection, runPlan, type PlanFlags } from './plan.js';
import { applyPlan, applyView, describeChanges, makePlan, pendingChanges, renderPlan, type PlanSelection } from './shared.js';
import { parseStartOptions, runStart, type StartFlags } from './start.js';
import { parseStatusOptions, runStatus, type StatusFlags } from './status.js';
import { parseStopOptions, runStop } from './stop.js';

/** --from, --to, --topic..., --exclude... of the one-shot form. */
export function parseOneShot(args: readonly string[], rt: ParseContext): { pair: Pair; selection: PlanSelection } {
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

async function runOneShot(options: { pair: Pair; selection: PlanSelection }, rt: Runtime): Promise<View> {
  const plan = await makePlan(rt, options.pair, options.selection);
  rt.io.info(renderPlan(plan));
  if (pendingChanges(plan) > 0 && !(await rt.io.confirm(`Create ${describeChanges(plan)} on ${plan.to.cluster}?`))) {
    return { kind: 'MigrationApply', data: { from: plan.from.cluster, to: plan.to.cluster, created: [], cancelled: true }, text: '', notes: ['nothing created'] };
  }
  return applyView(await applyPlan(rt, options.pair, plan));
}

export function registerMigrate(program: Command, ctx: CommandContext): void {
  // `zdp migrate --from a --to b` runs plan, confirm and apply. Its flags are read by hand: declared on
  // this command, commander would take them away from the `plan` subcommand's own --from/--to.
  const migrate = program
    .command('migrate')
    .description('prepare the target (topics and configs translated for its vendor) and replicate with MirrorMaker 2: plan, apply, start, status, stop')
    .usage('--from <cluster> --to <cluster> [--topic <pattern>...] [--exclude <pattern>...]  |  plan ...  |  apply <plan>  |  start|status|stop ...')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', '\nExamples:\n  zdp migrate --from source --to target --yes\n  zdp migrate plan --from prod --to dr --topic \'orders.*\'\n  zdp migrate start --from prod --to dr && zdp migrate status --from prod --to dr --wait')
    .action((_opts: unknown, command: Command) => execute(ctx, (rt) => parseOneShot(command.args, rt), runOneShot));

  topicFlags(pairFlags(migrate
    .command('plan')
    .description('compare source and target: each topic is create, present or drift; configs translated for the target vendor')))
    .option('-o, --out <file>', 'plan file (default: <state>/migrations/<from>-to-<to>/plan.json)')
    .option('--no-acls', 'leave ACLs out (default: copy those of the selected topics, groups, transactional ids and the cluster)')
    .option('--no-subjects', 'leave schema-registry subjects out (default: copy every subject version with its id)')
    .addHelpText('after', "\nExamples:\n  zdp migrate plan --from source --to target\n  zdp migrate plan --from prod --to dr --topic 'orders.*' --out plans/orders.json --json")
    .action((flags: PlanFlags) => execute(ctx, (rt) => parsePlanOptions(flags, rt), runPlan));

  topicFlags(pairFlags(migrate
    .command('start')
    .description('run MirrorMaker 2 (dedicated mode, supervised local process) from source to target for the selected topics')))
    .addOption(new Option('--group <pattern>', 'consumer group name or glob to checkpoint; repeatable (default: all)').argParser(collect).default([]))
    .option('--rest-port <port>', 'dedicated engine: MirrorMaker 2 internal REST port, checked free before start (default: a free port zdp picks and records)')
    .addOption(new Option('--engine <engine>', 'where MirrorMaker 2 runs: a supervised local process, or connectors on an existing Kafka Connect cluster').choices(['dedicated', 'connect']).default('dedicated'))
    .option('--connect-url <url>', 'connect engine: REST URL of a Connect worker whose workers write to the target (default: clusters.<to>.connect.url)')
    .addHelpText('after', '\nExamples:\n  zdp migrate start --from source --to target\n  zdp migrate start --from prod --to dr --engine connect --connect-url http://connect.internal:8083')
    .action((flags: StartFlags) => execute(ctx, (rt) => parseStartOptions(flags, rt), runStart));

  pairFlags(migrate
    .command('stop')
    .description('stop the MirrorMaker 2 process zdp started for this migration'))
    .addHelpText('after', '\nExamples:\n  zdp migrate stop --from source --to target')
    .action((flags: { from: string; to: string }) => execute(ctx, (rt) => parseStopOptions(flags, rt), runStop));

  pairFlags(migrate
    .command('status')
    .description('per topic and partition: source end offset, what MirrorMaker 2 has copied, lag in records'))
    .option('--wait', 'poll until the total lag is at most --max-lag', false)
    .option('--max-lag <records>', 'with --wait: acceptable total lag', '0')
    .option('--timeout <seconds>', 'with --wait: give up after this long (exit 7)', '300')
    .addHelpText('after', '\nExamples:\n  zdp migrate status --from source --to target\n  zdp migrate status --from prod --to dr --wait --max-lag 100 --timeout 600')
    .action((flags: StatusFlags) => execute(ctx, (rt) => parseStatusOptions(flags, rt), runStatus));

  migrate
    .command('apply')
    .description('create the planned topics on the target (never overwrites drift); re-running changes nothing')
    .argument('<plan>', 'plan file from `zdp migrate plan`')
    .option('--dry-run', 'say what would be created; change nothing', false)
    .addHelpText('after', '\nExamples:\n  zdp migrate apply .zdp/migrations/source-to-target/plan.json --yes\n  zdp migrate apply plans/orders.json --dry-run')
    .action((file: string, flags: { dryRun: boolean }) => execute(ctx, (rt) => parseApplyOptions(file, flags, rt), runApply));
}

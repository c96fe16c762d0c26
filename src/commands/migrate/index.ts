/** `zdp migrate plan|apply|start|stop|status`, and `zdp migrate --from a --to b` (plan, confirm, apply). */
import { Option, type Command } from 'commander';
import { executeLazy, type CommandContext } from '../../cli/command.js';
import { collect, pairFlags, topicFlags } from '../../cli/flags.js';
import type { PlanFlags } from './plan.js';
import type { StartFlags } from './start.js';
import type { StatusFlags } from './status.js';

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
    .action((_opts: unknown, command: Command) => executeLazy(ctx, () => import('./migrate.js'), (m, rt) => m.parseMigrateOptions(command.args, rt), (m) => m.runMigrate));;

  topicFlags(pairFlags(migrate
    .command('plan')
    .description('compare source and target: each topic is create, present or drift; configs translated for the target vendor')))
    .option('-o, --out <file>', 'plan file (default: <state>/migrations/<from>-to-<to>/plan.json)')
    .option('--no-acls', 'leave ACLs out (default: copy those of the selected topics, groups, transactional ids and the cluster)')
    .option('--no-subjects', 'leave schema-registry subjects out (default: copy every subject version with its id)')
    .addHelpText('after', "\nExamples:\n  zdp migrate plan --from source --to target\n  zdp migrate plan --from prod --to dr --topic 'orders.*' --out plans/orders.json --json")
    .action((flags: PlanFlags) => executeLazy(ctx, () => import('./plan.js'), (m, rt) => m.parsePlanOptions(flags, rt), (m) => m.runPlan));

  topicFlags(pairFlags(migrate
    .command('start')
    .description('run MirrorMaker 2 (dedicated mode, supervised local process) from source to target for the selected topics')))
    .addOption(new Option('--group <pattern>', 'consumer group name or glob to checkpoint; repeatable (default: all)').argParser(collect).default([]))
    .option('--rest-port <port>', 'dedicated engine: MirrorMaker 2 internal REST port, checked free before start (default: a free port zdp picks and records)')
    .addOption(new Option('--engine <engine>', 'where MirrorMaker 2 runs: a supervised local process, or connectors on an existing Kafka Connect cluster').choices(['dedicated', 'connect']).default('dedicated'))
    .option('--connect-url <url>', 'connect engine: REST URL of a Connect worker whose workers write to the target (default: clusters.<to>.connect.url)')
    .addHelpText('after', '\nExamples:\n  zdp migrate start --from source --to target\n  zdp migrate start --from prod --to dr --engine connect --connect-url http://connect.internal:8083')
    .action((flags: StartFlags) => executeLazy(ctx, () => import('./start.js'), (m, rt) => m.parseStartOptions(flags, rt), (m) => m.runStart));

  pairFlags(migrate
    .command('stop')
    .description('stop the MirrorMaker 2 process zdp started for this migration'))
    .addHelpText('after', '\nExamples:\n  zdp migrate stop --from source --to target')
    .action((flags: { from: string; to: string }) => executeLazy(ctx, () => import('./stop.js'), (m, rt) => m.parseStopOptions(flags, rt), (m) => m.runStop));

  pairFlags(migrate
    .command('status')
    .description('per topic and partition: source end offset, what MirrorMaker 2 has copied, lag in records'))
    .option('--wait', 'poll until the total lag is at most --max-lag', false)
    .option('--max-lag <records>', 'with --wait: acceptable total lag', '0')
    .option('--timeout <seconds>', 'with --wait: give up after this long (exit 7)', '300')
    .addHelpText('after', '\nExamples:\n  zdp migrate status --from source --to target\n  zdp migrate status --from prod --to dr --wait --max-lag 100 --timeout 600')
    .action((flags: StatusFlags) => executeLazy(ctx, () => import('./status.js'), (m, rt) => m.parseStatusOptions(flags, rt), (m) => m.runStatus));

  migrate
    .command('apply')
    .description('create the planned topics on the target (never overwrites drift); re-running changes nothing')
    .argument('<plan>', 'plan file from `zdp migrate plan`')
    .option('--dry-run', 'say what would be created; change nothing', false)
    .addHelpText('after', '\nExamples:\n  zdp migrate apply .zdp/migrations/source-to-target/plan.json --yes\n  zdp migrate apply plans/orders.json --dry-run')
    .action((file: string, flags: { dryRun: boolean }) => executeLazy(ctx, () => import('./apply.js'), (m, rt) => m.parseApplyOptions(file, flags, rt), (m) => m.runApply));
}

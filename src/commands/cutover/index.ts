/** `zdp cutover`. */
import { Option, type Command } from 'commander';
import { executeLazy, type CommandContext } from '../../cli/command.js';
import { collect, pairFlags, topicFlags } from '../../cli/flags.js';
import type { CutoverFlags } from './cutover.js';

export function registerCutover(program: Command, ctx: CommandContext): void {
  topicFlags(pairFlags(program
    .command('cutover')
    .description('switch clients from source to target through the gateway: fence, drain, exact group offsets, switch, verify; resumable (--resume) and reversible (--rollback)')), 'topics to cut over (default: those MirrorMaker 2 replicates)')
    .addOption(new Option('--product <name>', "a data product's topics; repeatable").argParser(collect).default([]))
    .addOption(new Option('--group <pattern>', 'consumer groups to move (default: every group with commits on the topics)').argParser(collect).default([]))
    .option('--dry-run', 'print the steps and the preflight result; change nothing', false)
    .option('--confirm <cluster>', 'confirm without a terminal by naming the target cluster (or use --yes)')
    .option('--resume', 'continue an interrupted cutover from its last completed step', false)
    .option('--rollback', 'return clients to the source (copying back what was produced on the target)', false)
    .option('--new', 'start a new cutover although the journal holds an earlier one that the gateway contradicts (e.g. switched back to the source by hand)', false)
    .option('--max-lag <records>', 'preflight: largest replication lag to start from', '10000')
    .option('--drain-timeout <seconds>', 'how long the target may take to receive the last source records', '120')
    .option('--drain-consumers-timeout <seconds>', "with zdp's filter in the gateway: how long consumers get to commit what they were delivered before producers are held (a group that does not is named, and continues from its committed offsets)", '10')
    .option('--group-wait <seconds>', 'wait for groups with members on the target to empty (0: refuse)', '0')
    .option('--verify <seconds>', 'after the switch, watch this long for clients producing and consuming on the target', '15')
    .addHelpText('after', '\nExamples:\n  zdp cutover --from source --to target --dry-run\n  zdp cutover --from prod --to dr --confirm dr --json > cutover.json\n  zdp cutover --from prod --to dr --resume\n  zdp cutover --from prod --to dr --rollback --confirm prod')
    .action((flags: CutoverFlags) => executeLazy(ctx, () => import('./cutover.js'), (m, rt) => m.parseCutoverOptions(flags, rt), (m) => m.runCutover));
}

/** `zdp parity`. */
import { Option, type Command } from 'commander';
import { executeLazy, type CommandContext } from '../../cli/command.js';
import { collect, pairFlags, topicFlags } from '../../cli/flags.js';
import type { ParityFlags } from './parity.js';

export function registerParity(program: Command, ctx: CommandContext): void {
  topicFlags(pairFlags(program
    .command('parity')
    .description("check offset and data parity between a source and its copy: exact group offsets, tail fingerprints, and MirrorMaker 2's own translation")))
    .addOption(new Option('--group <pattern>', 'consumer group name or glob; repeatable (default: all but tool groups)').argParser(collect).default([]))
    .option('--tail <n>', 'newest records per partition to compare by fingerprint', '8')
    .option('--allow-lag', 'partitions still replicating do not fail the check', false)
    .addHelpText('after', "\nExamples:\n  zdp parity --from source --to target\n  zdp parity --from prod --to dr --topic 'orders.*' --group billing --json | jq .summary")
    .action((flags: ParityFlags) => executeLazy(ctx, () => import('./parity.js'), (m, rt) => m.parseParityOptions(flags, rt), (m) => m.runParity));
}

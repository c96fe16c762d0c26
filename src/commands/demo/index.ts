/** `zdp demo`. */
import type { Command } from 'commander';
import { executeLazy, type CommandContext } from '../../cli/command.js';

export function registerDemo(program: Command, ctx: CommandContext): void {
  program
    .command('demo')
    .description('run the whole migration on local clusters: Kafka 3.9 -> 4.x with live clients through the gateway (extract, productize, gateway, migrate, parity, cutover, verify)')
    .option('--dir <dir>', 'working directory for the demo project', 'zdp-demo')
    .option('--keep', 'leave the clusters, schema registries and gateway running to explore (the client applications stop with the demo)', false)
    .option('--rate <records/s>', 'client load during the migration', '300')
    .addHelpText('after', '\nExamples:\n  zdp demo\n  zdp demo --dir /tmp/zdp-demo --keep --rate 1000')
    .action((flags: { dir: string; keep: boolean; rate: string }) => executeLazy(ctx, () => import('./demo.js'), (m, rt) => m.parseDemoOptions(flags, rt), (m) => m.runDemo));
}

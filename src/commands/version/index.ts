/** `zdp version`. */
import type { Command } from 'commander';
import { executeLazy, type CommandContext } from '../../cli/command.js';

export function registerVersion(program: Command, ctx: CommandContext): void {
  program
    .command('version')
    .description('print the zdp version (also zdp --version or -V)')
    .addHelpText('after', '\nExamples:\n  zdp version\n  zdp version --json | jq -r .version')
    .action(() => executeLazy(ctx, () => import('./version.js'), (m) => m.parseVersionOptions(), (m) => m.runVersion));
}

/** `zdp version`. */
import type { Command } from 'commander';
import { execute, type CommandContext } from '../../cli/command.js';

export function registerVersion(program: Command, ctx: CommandContext): void {
  program
    .command('version')
    .description('print the zdp version (also zdp --version or -V)')
    .addHelpText('after', '\nExamples:\n  zdp version\n  zdp version --json | jq -r .version')
    .action(async () => {
      const m = await import('./version.js');
      return execute(ctx, m.parseVersionOptions, m.runVersion);
    });
}

/** `zdp version`. */
import type { Command } from 'commander';
import { execute, type CommandContext } from '../../cli/command.js';
import { parseVersionOptions, runVersion } from './version.js';

export function registerVersion(program: Command, ctx: CommandContext): void {
  program
    .command('version')
    .description('print the zdp version (also zdp --version or -V)')
    .addHelpText('after', '\nExamples:\n  zdp version\n  zdp version --json | jq -r .version')
    .action(() => execute(ctx, parseVersionOptions, runVersion));
}

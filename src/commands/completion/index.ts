/** `zdp completion bash|zsh|fish`. */
import type { Command } from 'commander';
import { execute, type CommandContext } from '../../cli/command.js';

export function registerCompletion(program: Command, ctx: CommandContext): void {
  program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish, generated from the command tree')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText('after', '\nExamples:\n  source <(zdp completion bash)              # in ~/.bashrc\n  zdp completion zsh > "${fpath[1]}/_zdp"\n  zdp completion fish | source')
    .action(async (shell: string) => {
      const m = await import('./completion.js');
      return execute(ctx, () => m.parseCompletionOptions(shell, program), m.runCompletion);
    });
}

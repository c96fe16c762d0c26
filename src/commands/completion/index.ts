/** `zdp completion bash|zsh|fish`. */
import type { Command } from 'commander';
import { executeLazy, type CommandContext } from '../../cli/command.js';

export function registerCompletion(program: Command, ctx: CommandContext): void {
  program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish, generated from the command tree')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText('after', '\nExamples:\n  source <(zdp completion bash)              # in ~/.bashrc\n  zdp completion zsh > "${fpath[1]}/_zdp"\n  zdp completion fish | source')
    .action((shell: string) => executeLazy(ctx, () => import('./completion.js'), (m) => m.parseCompletionOptions(shell, program), (m) => m.runCompletion));
}

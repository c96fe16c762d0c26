/** `zdp config validate|show|use`. */
import type { Command } from 'commander';
import { executeLazy, type CommandContext } from '../../cli/command.js';

export function registerConfig(program: Command, ctx: CommandContext): void {
  const config = program.command('config').description('check and print the zdp configuration');
  config
    .command('validate')
    .description('check zdp.yaml (and the other config layers) strictly; also checks that referenced secrets can be read')
    .option('--no-secrets', 'do not check that secret environment variables and files exist')
    .addHelpText('after', '\nExamples:\n  zdp config validate\n  zdp config validate --no-secrets --json')
    .action((flags: { secrets: boolean }) => executeLazy(ctx, () => import('./validate.js'), (m, rt) => m.parseValidateOptions(flags, rt), (m) => m.runValidate));
  config
    .command('show')
    .description('print the merged configuration with the source of each value (secrets are never printed)')
    .addHelpText('after', '\nExamples:\n  zdp config show\n  zdp config show --json | jq \'.entries[] | select(.key | startswith("clusters.prod"))\'')
    .action(() => executeLazy(ctx, () => import('./show.js'), (m, rt) => m.parseShowOptions(rt), (m) => m.runShow));
  config
    .command('use')
    .description('set the cluster profile commands use when none is named (kept in zdp.yaml as defaultCluster)')
    .argument('[profile]', 'cluster profile name')
    .option('--clear', 'remove the default', false)
    .option('--dry-run', 'say what would change, change nothing', false)
    .addHelpText('after', '\nExamples:\n  zdp config use prod\n  zdp config use --clear')
    .action((profile: string | undefined, flags: { clear: boolean; dryRun: boolean }) => executeLazy(ctx, () => import('./use.js'), (m, rt) => m.parseUseOptions(profile, flags, rt), (m) => m.runUse));
}

/** `zdp cluster check`. */
import type { Command } from 'commander';
import { executeLazy, type CommandContext } from '../../cli/command.js';

export function registerCluster(program: Command, ctx: CommandContext): void {
  const cluster = program.command('cluster').description('inspect the Kafka clusters of your profiles');
  cluster
    .command('check')
    .description('connect to a cluster profile and print its id, brokers, controller, Kafka release and API versions')
    .argument('[name]', 'cluster profile name (from zdp.yaml or `zdp dev up`; default: the one set with `zdp config use`)')
    .option('--apis', 'list every API with its version range', false)
    .addHelpText('after', '\nExamples:\n  zdp cluster check source\n  zdp cluster check prod --json | jq .kafka')
    .action((name: string | undefined, flags: { apis: boolean }) => executeLazy(ctx, () => import('./check.js'), (m, rt) => m.parseCheckOptions(name, flags, rt), (m) => m.runCheck));
}

/** `zdp init`. */
import { Option, type Command } from 'commander';
import { executeLazy, type CommandContext } from '../../cli/command.js';
import { SASL_MECHANISMS, VENDORS } from '../../config/schema.js';
import type { InitFlags } from './init.js';

export function registerInit(program: Command, ctx: CommandContext): void {
  program
    .command('init')
    .description('write a zdp.yaml project file (asks on a terminal; use flags in scripts)')
    .option('--cluster <name>', 'name of a cluster profile to add')
    .addOption(new Option('--vendor <vendor>', 'Kafka vendor of that cluster').choices(VENDORS).default('apache'))
    .option('--bootstrap <host:port,...>', 'bootstrap servers of that cluster')
    .addOption(new Option('--sasl-mechanism <mechanism>', 'SASL mechanism').choices(SASL_MECHANISMS))
    .option('--username <user>', 'SASL user name')
    .option('--password-env <VAR>', 'environment variable that holds the SASL password')
    .option('--password-file <path>', 'file that holds the SASL password')
    .option('--tls', 'connect with TLS', false)
    .option('--ca-file <path>', 'CA certificate (PEM) for TLS')
    .option('--schema-registry <url>', 'Schema Registry URL')
    .option('--connect-url <url>', 'Kafka Connect REST URL')
    .option('--force', 'overwrite an existing zdp.yaml', false)
    .addHelpText('after', '\nExamples:\n  zdp init                                   (on a terminal: asks)\n  zdp init --cluster prod --bootstrap b1:9092,b2:9092 --sasl-mechanism scram-sha-512 \\\n           --username app --password-env PROD_KAFKA_PASSWORD --tls\n  zdp --config deploy/zdp.yaml init --cluster local --bootstrap 127.0.0.1:9092')
    .action((flags: InitFlags, command: Command) => executeLazy(ctx, () => import('./init.js'), (m, rt) => m.parseInitOptions(flags, (command.optsWithGlobals() as { config?: string }).config, rt), (m) => m.runInit));
}

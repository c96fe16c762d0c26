/** `zdp extract`. */
import { Option, type Command } from 'commander';
import { executeLazy, type CommandContext } from '../../cli/command.js';
import { collect } from '../../cli/flags.js';
import { defaultWorkers } from '../../extract/workers.js';
import type { ExtractFlags } from './extract.js';

export function registerExtract(program: Command, ctx: CommandContext): void {
  program
    .command('extract')
    .description('sample live topics, infer key, value and header schemas (or read them from the Schema Registry), and write AsyncAPI 3.0 contracts with Kafka bindings')
    .option('--cluster <name>', 'cluster profile to read (default: the one set with `zdp config use`)')
    .addOption(new Option('--topic <pattern>', 'topic name or glob (*, ?); repeatable (default: all but internal topics)').argParser(collect).default([]))
    .addOption(new Option('--exclude <pattern>', 'topic name or glob to leave out; repeatable').argParser(collect).default([]))
    .option('--sample <n>', 'records per partition', '500')
    .option('--offset <where>', 'where to read from: earliest, latest, or a time (ISO 8601 or epoch ms) (default: latest)')
    // the old name of --offset: --from names a cluster everywhere else (kept for one release)
    .addOption(new Option('--from <where>').hideHelp())
    .option('-o, --out <dir>', 'directory for the contracts, or - for stdout', 'contracts')
    .addOption(new Option('--format <format>', 'contract file format').choices(['yaml', 'json']).default('yaml'))
    .addOption(new Option('--examples <mode>', 'examples in the contracts: generated from the schema (no record data), sample (real records, sensitive-looking values replaced), none').choices(['generated', 'sample', 'none']))
    .option('--no-examples', 'the same as --examples none')
    .option('--no-enums', 'never turn low-cardinality strings into enums')
    .option('--timeout <seconds>', 'time budget for sampling', '60')
    .option('--include-internal', 'also extract internal topics (__*, _schemas, *.internal)', false)
    .option('--workers <n>', `inference worker threads, 0 for none (default: one per core from 2 cores, at most 4; here ${defaultWorkers()})`)
    .addHelpText('after', "\nExamples:\n  zdp extract --cluster source --topic 'orders.*'\n  zdp extract --cluster prod --exclude '*.dlq' --offset earliest --sample 1000 --out /srv/contracts --json > report.json")
    .action((flags: ExtractFlags) => executeLazy(ctx, () => import('./extract.js'), (m, rt) => m.parseExtractOptions(flags, rt), (m) => m.runExtract));
}

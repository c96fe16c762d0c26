/** `zdp dev up|down|status|logs|fetch`: local Apache Kafka clusters as real processes. */
import { Option, type Command } from 'commander';
import { executeLazy, type CommandContext } from '../../cli/command.js';
import { DEFAULT_SOURCE_LINE, DEFAULT_TARGET_LINE } from '../../processes/kafka-dist.js';

import type { UpFlags } from './up.js';

export function registerDev(program: Command, ctx: CommandContext): void {
  const dev = program
    .command('dev')
    .description('run local Apache Kafka clusters (KRaft, loopback) for trying and testing zdp')
    .addHelpText('after', `
By default \`zdp dev up\` starts two clusters: "source" on Apache Kafka ${DEFAULT_SOURCE_LINE}.x and "target" on the newest
Apache Kafka ${DEFAULT_TARGET_LINE}.x, and adds them as profiles that later commands find by name. Jars come from KAFKA_HOME
when set, otherwise from Maven Central (once, cached in $ZDP_CACHE_DIR or ~/.cache/zdp).`);

  dev
    .command('up')
    .description('start local clusters (default: source and target); harmless when they already run')
    .argument('[names...]', 'cluster names (default: source target)')
    .option('--kafka-version <version>', `Apache Kafka release or line for the named clusters (default: source ${DEFAULT_SOURCE_LINE}, others ${DEFAULT_TARGET_LINE})`)
    .addOption(new Option('--auth <mode>', 'client authentication').choices(['none', 'scram']).default('none'))
    .option('--tls', 'serve clients over TLS with a locally generated CA', false)
    .option('--port <port>', 'client port (one cluster only; default: a free port)')
    .option('--registry', 'also run a schema registry (Apicurio Registry, Confluent-compatible API) for each cluster', false)
    .option('--brokers <n>', 'brokers per cluster (1-5): node 1 is broker and controller, the others brokers only', '1')
    .option('--timeout <seconds>', 'how long a broker may take to start', '120')
    .addHelpText('after', '\nExamples:\n  zdp dev up\n  zdp dev up secure --auth scram --tls\n  zdp dev up legacy --kafka-version 3.9.2 --port 19092\n  zdp dev up source --brokers 3 && zdp dev up target --brokers 2')
    .action((names: string[], flags: UpFlags) => executeLazy(ctx, () => import('./up.js'), (m, rt) => m.parseUpOptions(names, flags, rt), (m) => m.runUp));

  dev
    .command('down')
    .description('stop local clusters that zdp started (default: all); --purge also deletes their data')
    .argument('[names...]', 'cluster names (default: all)')
    .option('--purge', 'delete data, logs, certificates and profiles too (asks first)', false)
    .option('--dry-run', 'say what would be stopped and deleted; change nothing', false)
    .addHelpText('after', '\nExamples:\n  zdp dev down\n  zdp dev down target --purge --yes')
    .action((names: string[], flags: { purge: boolean; dryRun: boolean }) => executeLazy(ctx, () => import('./down.js'), (m, rt) => m.parseDownOptions(names, flags, rt), (m) => m.runDown));

  dev
    .command('status')
    .description('list local clusters and whether they run')
    .addHelpText('after', '\nExamples:\n  zdp dev status\n  zdp dev status --json | jq -r \'.clusters[] | select(.state == "running") | .name\'')
    .action(() => executeLazy(ctx, () => import('./status.js'), (m, rt) => m.parseStatusOptions(rt), (m) => m.runStatus));

  dev
    .command('logs')
    .description("print the last lines of a local cluster's broker log")
    .argument('<name>', 'cluster name')
    .option('-n, --lines <n>', 'how many lines', '50')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C', false)
    .addHelpText('after', '\nExamples:\n  zdp dev logs source\n  zdp dev logs target -n 200 -f')
    .action((name: string, flags: { lines: string; follow: boolean }) => executeLazy(ctx, () => import('./logs.js'), (m, rt) => m.parseLogsOptions(name, flags, rt), (m) => m.runLogs));

  dev
    .command('fetch')
    .description('download the Apache Kafka jars the local clusters need (once), e.g. in CI before tests')
    .option('--kafka-version <version...>', 'releases or lines to fetch', [DEFAULT_SOURCE_LINE, DEFAULT_TARGET_LINE])
    .option('--no-registry', 'do not build the local schema registry (Apicurio)')
    .option('--no-gateway', 'do not fetch the local gateway (Kroxylicious)')
    .option('--no-mirror-maker', 'do not fetch MirrorMaker 2 (connect-mirror and connect-runtime)')
    .addHelpText('after', '\nExamples:\n  zdp dev fetch\n  zdp dev fetch --kafka-version 3.9.2 --no-registry')
    .action((flags: { kafkaVersion: string[]; registry: boolean; gateway: boolean; mirrorMaker: boolean }) => executeLazy(ctx, () => import('./fetch.js'), (m) => m.parseFetchOptions(flags), (m) => m.runFetch));
}

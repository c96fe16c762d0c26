/** `zdp gateway up|switch|down|status|render`. */
import { Option, type Command } from 'commander';
import { executeLazy, type CommandContext } from '../../cli/command.js';
import { collect } from '../../cli/flags.js';

import type { RenderFlags } from './render.js';

import type { UpFlags } from './up.js';

export function registerGateway(program: Command, ctx: CommandContext): void {
  const gateway = program.command('gateway').description('one stable endpoint for data products: render gateway configuration, run a local Kafka proxy (Kroxylicious)');

  gateway
    .command('up')
    .description('run Kroxylicious locally in front of a cluster: native Kafka clients use one bootstrap address that survives a backend switch')
    .option('--cluster <name>', 'backend cluster profile (default: the one it last fronted, else the one set with `zdp config use`)')
    .addOption(new Option('--cover <cluster>', 'another cluster the proxy must be able to front later (its node ids); repeatable').argParser(collect).default([]))
    .option('--listen <host:port>', 'client bootstrap address (loopback); node ports follow it', '127.0.0.1:29092')
    .option('--management-port <port>', 'management port (/livez)', '9190')
    .option('--node-ids <ids>', 'node ids to cover, e.g. 0-5 (default: read from the clusters)')
    .option('--no-filter', "run without zdp's quiesce filter: a cutover then fences clients by restarting the proxy (consumers re-read what they had not committed)")
    .option('--replicas <n>', 'proxy instances, each with its own bootstrap address (instance i listens node-ids+1 ports after instance i-1, management port +i); a cutover moves them as one', '1')
    .addHelpText('after', '\nExamples:\n  zdp gateway up --cluster source --cover target\n  zdp gateway up --cluster prod --listen 127.0.0.1:39092 --node-ids 0-5\n  zdp gateway up --cluster source --cover target --replicas 2')
    .action((flags: UpFlags) => executeLazy(ctx, () => import('./up.js'), (m, rt) => m.parseUpOptions(flags, rt), (m) => m.runUp));

  gateway
    .command('switch')
    .description('point the running gateway at another cluster (a proxy for it is loaded beside the running one, then takes its addresses; clients keep their bootstrap address) and report the cut-off')
    .requiredOption('--to <cluster>', 'cluster profile to switch to')
    .option('--dry-run', 'check that the new backend answers and fits; change nothing', false)
    .addHelpText('after', '\nExamples:\n  zdp gateway switch --to target\n  zdp gateway switch --to target --dry-run --json\nTo move clients without losing or re-reading records, use `zdp cutover`.')
    .action((flags: { to: string; dryRun: boolean }) => executeLazy(ctx, () => import('./switch.js'), (m, rt) => m.parseSwitchOptions(flags, rt), (m) => m.runSwitch));

  gateway
    .command('down')
    .description('stop the local gateway')
    .addHelpText('after', '\nExamples:\n  zdp gateway down')
    .action(() => executeLazy(ctx, () => import('./down.js'), (m, rt) => m.parseDownOptions(rt), (m) => m.runDown));

  gateway
    .command('status')
    .description('is the local gateway running, and in front of which cluster')
    .addHelpText('after', '\nExamples:\n  zdp gateway status\n  zdp gateway status --json | jq -r .cluster')
    .action(() => executeLazy(ctx, () => import('./status.js'), (m, rt) => m.parseStatusOptions(rt), (m) => m.runStatus));

  gateway
    .command('render')
    .description('render Zilla (HTTP, SSE, MCP) or Kroxylicious (native Kafka clients) configuration for the data products')
    .addOption(new Option('--target <gateway>', 'which gateway').choices(['zilla', 'kroxylicious']).makeOptionMandatory())
    .addOption(new Option('--products <dir>', 'deprecated: the products directory is --products-dir everywhere').hideHelp())
    .addOption(new Option('--product <name>', 'only these products (latest versions); repeatable').argParser(collect).default([]))
    .option('--cluster <name>', "backend cluster profile (default: the products' deployment cluster)")
    .option('-o, --out <file>', 'output file, or - for stdout (default: gateway/<target>.yaml)')
    .addOption(new Option('--zilla-major <n>', 'Zilla syntax version').choices(['1', '2']).default('2'))
    .option('--listen <host:port>', 'client-facing address (zilla default 0.0.0.0:7114, kroxylicious 127.0.0.1:29092)')
    .addOption(new Option('--cover <cluster>', 'kroxylicious: another cluster the endpoint must be able to front (node-id ranges); repeatable').argParser(collect).default([]))
    .option('--node-ids <ids>', 'kroxylicious: node ids to cover, e.g. 0-5 (default: read from the clusters)')
    .option('--management-port <port>', 'kroxylicious: management (/livez, /metrics) port', '9190')
    .option('--zilla-plus', 'zilla: also write <out>.zilla-plus.yaml with a kafka-proxy binding for native Kafka clients (needs Zilla Plus)', false)
    .addHelpText('after', '\nExamples:\n  zdp gateway render --target zilla --out gateway/zilla.yaml\n  zdp gateway render --target kroxylicious --cluster source --cover target --out -')
    .action((flags: RenderFlags) => executeLazy(ctx, () => import('./render.js'), (m, rt) => m.parseRenderOptions(flags, rt), (m) => m.runRender));
}

/** `zdp cluster check <name>`: connect with the profile's credentials and describe the cluster. */
import type { Command } from 'commander';
import type { CommandContext } from '../cli/main.js';
import { renderPairs } from '../cli/render/table.js';
import { getCluster } from '../config/load.js';
import { describeClusterInfo, type ClusterInfo } from '../kafka/cluster-info.js';
import { ZDP_VERSION } from '../version.js';

export const CLUSTER_CHECK_KIND = 'ClusterCheck';

export function registerCluster(program: Command, ctx: CommandContext): void {
  const cluster = program.command('cluster').description('inspect the Kafka clusters of your profiles');
  cluster
    .command('check')
    .description('connect to a cluster profile and print its id, brokers, controller, Kafka release and API versions')
    .argument('<name>', 'cluster profile name (from zdp.yaml or `zdp dev up`)')
    .option('--apis', 'list every API with its version range', false)
    .addHelpText('after', '\nExamples:\n  zdp cluster check source\n  zdp cluster check prod --json | jq .kafka')
    .action(async (name: string, opts: { apis: boolean }) => {
      const rt = ctx.runtime();
      const profile = getCluster(rt.config(), name);
      const spinner = await rt.io.spinner(`connecting to ${name} (${profile.bootstrapServers.join(', ')})…`);
      let info: ClusterInfo;
      try {
        info = await describeClusterInfo(profile, { env: rt.env, log: rt.kafkaLog });
      } catch (error) {
        spinner.stop();
        throw error;
      }
      spinner.stop();
      if (rt.globals.json) {
        rt.io.outJson({ kind: CLUSTER_CHECK_KIND, version: 1, zdpVersion: ZDP_VERSION, ...info });
        return;
      }
      rt.io.out(renderClusterInfo(info, opts.apis));
    });
}

export function renderClusterInfo(info: ClusterInfo, allApis: boolean): string {
  const pick = ['Produce', 'Fetch', 'Metadata', 'OffsetCommit', 'JoinGroup', 'DescribeCluster'];
  const apiLine = (a: ClusterInfo['apiVersions'][number]) => `${a.name} v${a.min}-${a.max}`;
  const pairs: [string, string][] = [
    ['cluster', `${info.cluster} (${info.vendor})`],
    ['cluster id', info.clusterId],
    ['kafka', info.kafka ? `${info.kafka.release} (metadata.version ${info.kafka.metadataVersion})` : 'unknown (no metadata.version feature: ZooKeeper mode or not Apache Kafka)'],
    ['controller', info.controller === null ? 'none' : String(info.controller)],
    ...info.brokers.map((b, i): [string, string] => [i === 0 ? 'brokers' : '', `${b.nodeId}  ${b.host}:${b.port}${b.rack ? `  rack ${b.rack}` : ''}${b.nodeId === info.controller ? '  (controller)' : ''}`]),
    ['security', `${info.security.protocol}${info.security.mechanism ? ` ${info.security.mechanism} as ${info.security.username}` : ''}`],
    ['bootstrap', `${info.bootstrap.address} answered in ${info.bootstrap.roundTripMs} ms`],
    ['features', Object.entries(info.features).map(([k, v]) => `${k}=${v.max}`).join(', ') || 'none'],
    ['apis', `${info.apiVersions.length} (${info.apiVersions.filter((a) => pick.includes(a.name)).map(apiLine).join(', ')})`],
  ];
  let out = renderPairs(pairs);
  if (allApis) out += `\n\n${info.apiVersions.map((a) => `  ${String(a.key).padStart(3)} ${apiLine(a)}`).join('\n')}`;
  return out;
}

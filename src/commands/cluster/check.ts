/** `zdp cluster check <name>`: connect with the profile's credentials and describe the cluster. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { renderPairs } from '../../cli/render/table.js';
import type { Runtime } from '../../cli/runtime.js';
import { namedOrDefaultCluster } from '../../config/load.js';
import type { ClusterProfile } from '../../config/types.js';
import { describeClusterInfo, type ClusterInfo } from '../../kafka/cluster-info.js';

export const CLUSTER_CHECK_KIND = 'ClusterCheck';

export interface CheckOptions {
  profile: ClusterProfile;
  apis: boolean;
}

export function parseCheckOptions(name: string | undefined, flags: { apis: boolean }, rt: ParseContext): CheckOptions {
  return { profile: namedOrDefaultCluster(rt.config(), name, 'a profile name'), apis: flags.apis };
}

export async function runCheck(options: CheckOptions, rt: Runtime): Promise<View> {
  const { profile } = options;
  const spinner = await rt.io.spinner(`connecting to ${profile.name} (${profile.bootstrapServers.join(', ')})…`);
  let info: ClusterInfo;
  try {
    info = await describeClusterInfo(profile, { env: rt.env, log: rt.kafkaLog });
  } finally {
    spinner.stop();
  }
  return { kind: CLUSTER_CHECK_KIND, data: info, text: renderClusterInfo(info, options.apis) };
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

/** What the gateway verbs share: a cluster's node ids, and the view of a gateway record. */
import type { ClusterProfile } from '../../config/types.js';
import { connectAdmin, mapKafkaError } from '../../kafka/client.js';
import type { GatewayRecord } from '../../processes/kroxylicious.js';

export async function nodeIdsOf(profile: ClusterProfile, env: NodeJS.ProcessEnv): Promise<number[]> {
  const { admin } = await connectAdmin(profile, { env });
  try {
    const d = await admin.describeCluster().catch((e: unknown) => {
      throw mapKafkaError(e, profile, 'describe cluster request');
    });
    return d.brokers.map((b) => b.nodeId);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export function gatewayView(record: GatewayRecord, running: boolean) {
  return { cluster: record.cluster, running, bootstrap: record.bootstrapAddress, backend: record.bootstrapServers, nodeIds: record.nodeIds, managementPort: record.managementPort, pid: running ? record.pid : null };
}

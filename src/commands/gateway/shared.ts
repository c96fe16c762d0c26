/** What the gateway verbs share: a cluster's node ids, and the view of a gateway record. */
import type { ClusterProfile } from '../../config/types.js';
import { KafkaCluster } from '../../kafka/cluster.js';
import type { GatewayRecord } from '../../processes/kroxylicious.js';

export async function nodeIdsOf(profile: ClusterProfile, env: NodeJS.ProcessEnv): Promise<number[]> {
  return KafkaCluster.with(profile, { env }, async (cluster) => (await cluster.describeCluster()).brokers);
}

export function gatewayView(record: GatewayRecord, running: boolean) {
  return { cluster: record.cluster, running, bootstrap: record.bootstrapAddress, backend: record.bootstrapServers, nodeIds: record.nodeIds, managementPort: record.managementPort, pid: running ? record.pid : null, filter: record.filter !== false, controlPort: running ? (record.controlPort ?? null) : null };
}

/** One instance of the fleet as `gateway status` lists it (phase: its filter's, when it answers). */
export function instanceView(record: GatewayRecord, running: boolean, phase?: string | null) {
  return { bootstrap: record.bootstrapAddress, running, pid: running ? (record.pid ?? null) : null, managementPort: record.managementPort, controlPort: running ? (record.controlPort ?? null) : null, cluster: record.cluster, ...(phase !== undefined ? { phase } : {}) };
}

/**
 * Renders a Kroxylicious proxy configuration (the 0.16+ format, accepted from 0.16 to 0.23): one
 * virtual cluster per gateway endpoint, the target bootstrap and TLS from the cluster profile,
 * port-per-node gateways whose node-id range covers every cluster the proxy may front (source and
 * target of a migration), and the management endpoint. Pure. Kroxylicious passes SASL through to
 * the brokers, so the config holds no credentials.
 */
import type { ClusterProfile } from '../config/types.js';
import { sortKeys } from '../core/inference/json-infer.js';

export interface KroxyliciousOptions {
  /** virtual cluster name (a DNS label) */
  name: string;
  /** where clients connect: host:port (the bootstrap port; node ports follow it) */
  bootstrapAddress: string;
  /** node ids of every cluster this endpoint may front */
  nodeIds: readonly number[];
  managementPort: number;
  managementHost: string;
  /** PEM CA file for TLS to the brokers (from the profile) */
  trustFile?: string;
}

/** One contiguous range covering all node ids (Kafka ids are small integers). */
export function nodeIdRanges(nodeIds: readonly number[]): { name: string; start: number; end: number }[] {
  if (nodeIds.length === 0) return [{ name: 'brokers', start: 0, end: 9 }];
  const min = Math.min(...nodeIds);
  const max = Math.max(...nodeIds);
  return [{ name: 'brokers', start: Math.max(0, min), end: Math.max(max, min) }];
}

export function renderKroxyliciousConfig(target: ClusterProfile, options: KroxyliciousOptions): Record<string, unknown> {
  const targetCluster: Record<string, unknown> = { bootstrapServers: target.bootstrapServers.join(',') };
  if (target.tls?.enabled) {
    targetCluster.tls = options.trustFile
      ? { trust: { storeFile: options.trustFile, storeType: 'PEM' } }
      : target.tls.insecureSkipVerify ? { trust: { insecure: true } } : {};
  }
  return sortKeys({
    management: { bindAddress: options.managementHost, port: options.managementPort },
    virtualClusters: [
      {
        name: options.name,
        targetCluster,
        gateways: [
          {
            name: 'default',
            portIdentifiesNode: {
              bootstrapAddress: options.bootstrapAddress,
              nodeIdRanges: nodeIdRanges(options.nodeIds),
            },
          },
        ],
      },
    ],
  });
}

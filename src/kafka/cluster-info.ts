/** Gathers what `zdp cluster check` reports: identity, brokers, controller, release and API versions. */
import type { ClusterProfile } from '../config/types.js';
import { apiName, releaseFromMetadataLevel, type KafkaRelease } from '../core/kafka-versions.js';
import { connectAdmin, mapKafkaError, withDeadline, type ClientOptions } from './client.js';

export interface ClusterInfo {
  cluster: string;
  vendor: string;
  clusterId: string;
  controller: number | null;
  brokers: { nodeId: number; host: string; port: number; rack?: string }[];
  kafka: KafkaRelease | null;
  features: Record<string, { min: number; max: number }>;
  apiVersions: { key: number; name: string; min: number; max: number }[];
  security: { protocol: string; mechanism?: string; username?: string };
  bootstrap: { address: string; roundTripMs: number };
}

export function securityProtocol(profile: ClusterProfile): string {
  const tls = profile.tls?.enabled === true;
  if (profile.sasl) return tls ? 'SASL_SSL' : 'SASL_PLAINTEXT';
  return tls ? 'SSL' : 'PLAINTEXT';
}

export async function describeClusterInfo(profile: ClusterProfile, options: ClientOptions): Promise<ClusterInfo> {
  const { admin, probe } = await connectAdmin(profile, options);
  try {
    const described = await withDeadline(profile, 'describing the cluster', () => admin.describeCluster()).catch((e: unknown) => {
      throw mapKafkaError(e, profile, 'describe cluster request');
    });
    const level = probe.response.finalizedFeatures['metadata.version']?.maxVersionLevel;
    const features: ClusterInfo['features'] = {};
    for (const name of Object.keys(probe.response.finalizedFeatures).sort()) {
      const f = probe.response.finalizedFeatures[name]!;
      features[name] = { min: f.minVersionLevel, max: f.maxVersionLevel };
    }
    return {
      cluster: profile.name,
      vendor: profile.vendor,
      clusterId: described.clusterId,
      controller: described.controller,
      brokers: described.brokers
        .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, ...((b as { rack?: string }).rack ? { rack: (b as { rack?: string }).rack! } : {}) }))
        .sort((a, b) => a.nodeId - b.nodeId),
      kafka: level === undefined ? null : (releaseFromMetadataLevel(level) ?? null),
      features,
      apiVersions: probe.response.apiKeys.map((a) => ({ key: a.apiKey, name: apiName(a.apiKey), min: a.minVersion, max: a.maxVersion })),
      security: {
        protocol: securityProtocol(profile),
        ...(profile.sasl ? { mechanism: profile.sasl.mechanism.toUpperCase(), username: profile.sasl.username } : {}),
      },
      bootstrap: { address: probe.address, roundTripMs: Math.round(probe.roundTripMs * 10) / 10 },
    };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

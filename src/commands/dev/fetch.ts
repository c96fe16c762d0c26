/** `zdp dev fetch`: download the jars local clusters, the registry, the gateway and MirrorMaker 2 need. */
import type { View } from '../../cli/emit.js';
import { parseKafkaVersion } from './shared.js';
import { renderTable } from '../../cli/render/table.js';
import type { Runtime } from '../../cli/runtime.js';
import { resolveKafkaDist } from '../../processes/kafka-dist.js';
import { findJava } from '../../processes/java.js';
import { resolveRegistryDist } from '../../processes/registry.js';
import { KROXYLICIOUS_VERSION, resolveKroxylicious } from '../../processes/kroxylicious.js';
import { MM2_VERSION, resolveMirrorMaker } from '../../processes/mirror-maker.js';

export interface FetchOptions {
  kafkaVersions: string[];
  registry: boolean;
  gateway: boolean;
  mirrorMaker: boolean;
}

export function parseFetchOptions(flags: { kafkaVersion: string[]; registry: boolean; gateway: boolean; mirrorMaker: boolean }): FetchOptions {
  return { kafkaVersions: flags.kafkaVersion.map((v) => parseKafkaVersion(v)), registry: flags.registry, gateway: flags.gateway, mirrorMaker: flags.mirrorMaker };
}

export async function runFetch(options: FetchOptions, rt: Runtime): Promise<View> {
  await findJava(rt.env);
  const log = (l: string) => rt.io.info(l);
  const fetched: { requested: string; version: string; libDir: string; source: string }[] = [];
  for (const spec of options.kafkaVersions) {
    const dist = await resolveKafkaDist(spec, { env: rt.env, log });
    fetched.push({ requested: spec, version: dist.version, libDir: dist.libDir, source: dist.source });
  }
  if (options.registry) {
    const reg = await resolveRegistryDist(rt.env, log);
    fetched.push({ requested: 'registry', version: `apicurio ${reg.version}`, libDir: reg.jar, source: 'cache' });
  }
  if (options.gateway) fetched.push({ requested: 'gateway', version: `kroxylicious ${KROXYLICIOUS_VERSION}`, libDir: await resolveKroxylicious(rt.env, log), source: 'cache' });
  if (options.mirrorMaker) fetched.push({ requested: 'mirror-maker', version: `connect-mirror ${MM2_VERSION}`, libDir: await resolveMirrorMaker(rt.env, log), source: 'cache' });
  return {
    kind: 'DevFetch',
    data: { distributions: fetched },
    text: renderTable(['REQUESTED', 'KAFKA', 'FROM', 'JARS'], fetched.map((f) => [f.requested, f.version, f.source, f.libDir])),
  };
}

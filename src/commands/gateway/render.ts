/** `zdp gateway render`: Zilla (HTTP, SSE, MCP) or Kroxylicious (native Kafka clients) configuration for data products. */
import { relative } from 'node:path';
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parseChoice, parseHostPort, parseNodeIds, parsePort, resolvePath } from '../../cli/flags.js';
import type { Runtime } from '../../cli/runtime.js';
import { writeAtomic } from '../../atomic-file.js';
import { ConfigError, NotFoundError, UsageError, ZdpError } from '../../errors.js';
import { getCluster } from '../../config/load.js';
import type { ClusterProfile } from '../../config/types.js';
import { renderYaml } from '../../core/contracts/asyncapi.js';
import type { DataProduct } from '../../core/products/spec.js';
import { listProductNames, readProduct } from '../../products/store.js';
import { checkZillaReferences, DEFAULT_ZILLA, envName, renderZillaConfig, renderZillaPlusKafkaProxy } from '../../gateway/zilla.js';
import { renderKroxyliciousConfig } from '../../gateway/kroxylicious.js';
import { parseProductRef } from '../product/shared.js';
import { nodeIdsOf } from './shared.js';

export interface RenderFlags {
  target: string;
  products?: string;
  product: string[];
  cluster?: string;
  out?: string;
  zillaMajor: string;
  listen?: string;
  cover: string[];
  nodeIds?: string;
  managementPort: string;
  zillaPlus: boolean;
}

export interface RenderOptions {
  target: 'zilla' | 'kroxylicious';
  productsDir: string;
  deprecations: string[];
  products: string[];
  cluster?: string;
  /** undefined: stdout */
  out: string | undefined;
  zillaMajor: 1 | 2;
  listen?: { host: string; port: number };
  cover: ClusterProfile[];
  nodeIds?: number[];
  managementPort: number;
  zillaPlus: boolean;
}

export function parseRenderOptions(flags: RenderFlags, rt: ParseContext): RenderOptions {
  const config = rt.config();
  const target = parseChoice(flags.target, '--target', ['zilla', 'kroxylicious'] as const);
  const options: RenderOptions = {
    target,
    productsDir: flags.products ? resolvePath(rt.cwd, flags.products, '--products') : config.productsDir,
    deprecations: flags.products ? ['gateway render --products is now the global --products-dir (one name for the products directory in every command); --products goes in the next release'] : [],
    products: flags.product.map((p) => parseProductRef(p, '--product').name),
    out: flags.out === '-' ? undefined : resolvePath(rt.cwd, flags.out ?? `gateway/${target}.yaml`, '--out'),
    zillaMajor: parseChoice(flags.zillaMajor, '--zilla-major', ['1', '2'] as const) === '1' ? 1 : 2,
    cover: flags.cover.map((c) => getCluster(config, c)),
    managementPort: parsePort(flags.managementPort, '--management-port'),
    zillaPlus: flags.zillaPlus,
  };
  if (flags.cluster !== undefined) options.cluster = getCluster(config, flags.cluster).name;
  if (flags.listen !== undefined) options.listen = parseHostPort(flags.listen, '--listen');
  if (flags.nodeIds !== undefined) options.nodeIds = parseNodeIds(flags.nodeIds);
  return options;
}

/** Secrets the rendered Zilla config reads from the environment. */
function requiredEnv(profile: ClusterProfile): string[] {
  const names = ['ZDP_JWT_ISSUER', 'ZDP_JWT_AUDIENCE', 'ZDP_JWT_KEYS_URL'];
  if (profile.sasl) names.push(profile.sasl.password.env ?? envName(profile.name, 'PASSWORD'));
  if (profile.tls?.enabled) names.push(envName(profile.name, 'TRUSTSTORE'), envName(profile.name, 'TRUSTSTORE_PASSWORD'));
  return names;
}

export async function runRender(o: RenderOptions, rt: Runtime): Promise<View> {
  const config = rt.config();
  const names = o.products.length > 0 ? o.products : listProductNames(o.productsDir);
  if (names.length === 0) throw new NotFoundError('NO_PRODUCTS', `no data products in ${relative(rt.cwd, o.productsDir) || o.productsDir}`, { hint: 'create one with `zdp productize`' });
  const products: DataProduct[] = names.map((n) => readProduct(o.productsDir, n));
  // every product must name a known cluster
  const unknown = products.filter((p) => !Object.hasOwn(config.clusters, p.spec.deployment.cluster));
  if (unknown.length > 0 && !o.cluster) {
    throw new ConfigError('UNKNOWN_CLUSTER', `data product${unknown.length > 1 ? 's' : ''} ${unknown.map((p) => `${p.metadata.name} (cluster "${p.spec.deployment.cluster}")`).join(', ')} reference${unknown.length > 1 ? '' : 's'} an unknown cluster profile`, {
      hint: `known profiles: ${Object.keys(config.clusters).join(', ') || 'none'}; add it to zdp.yaml, or pass --cluster`,
    });
  }
  const clusterName = o.cluster ?? [...new Set(products.map((p) => p.spec.deployment.cluster))][0]!;
  if (!o.cluster && new Set(products.map((p) => p.spec.deployment.cluster)).size > 1) {
    throw new UsageError('the products are served by different clusters: render one gateway per cluster with --cluster (and --product)');
  }
  const profile = getCluster(config, clusterName);

  let doc: Record<string, unknown>;
  const warnings: string[] = [...o.deprecations];
  let envNeeded: string[] = [];
  if (o.target === 'zilla') {
    const listen = o.listen ?? { host: DEFAULT_ZILLA.host, port: DEFAULT_ZILLA.port };
    doc = renderZillaConfig(products, profile, { ...DEFAULT_ZILLA, major: o.zillaMajor, ...listen });
    const problems = checkZillaReferences(doc);
    if (problems.length > 0) throw new ZdpError('internal', 'ZILLA_REFERENCES', `the rendered zilla.yaml has dangling references: ${problems.join('; ')}`);
    envNeeded = requiredEnv(profile);
    warnings.push(...envNeeded.filter((n) => !rt.env[n]).map((n) => `environment variable ${n} is not set here: Zilla reads it at start`));
    if (products.some((p) => p.spec.consumption.includes('mcp')) && o.zillaMajor === 1) warnings.push('MCP endpoints need Zilla 2.x: left out of the 1.x config');
  } else {
    const listen = o.listen ? `${o.listen.host}:${o.listen.port}` : '127.0.0.1:29092';
    const nodeIds = o.nodeIds ?? (await Promise.all([profile, ...o.cover].map((p) => nodeIdsOf(p, rt.env)))).flat();
    doc = renderKroxyliciousConfig(profile, {
      name: 'zdp',
      bootstrapAddress: listen,
      nodeIds,
      managementHost: '127.0.0.1',
      managementPort: o.managementPort,
      ...(profile.tls?.caFile ? { trustFile: profile.tls.caFile } : {}),
    });
    if (profile.sasl) warnings.push(`clients authenticate to the brokers through the proxy: their ${profile.sasl.mechanism.toUpperCase()} users must exist on every covered cluster`);
  }
  const header = o.target === 'zilla'
    ? `# zilla.yaml for ${products.map((p) => `${p.metadata.name} ${p.metadata.version}`).join(', ')} on cluster ${clusterName}; written by zdp gateway render (Zilla ${o.zillaMajor}.x syntax).\n# Reads from the environment: ${envNeeded.join(', ')}\n`
    : `# Kroxylicious proxy config (0.16+ format) for cluster ${clusterName}; written by zdp gateway render.\n`;
  const text = `${header}${renderYaml(doc)}`;
  if (o.out === undefined) return { kind: 'GatewayRender', data: {}, document: text, warnings };
  writeAtomic(o.out, text);
  const shown = relative(rt.cwd, o.out) || o.out;
  const extra: string[] = [];
  if (o.target === 'zilla' && o.zillaPlus) {
    const plusFile = o.out.replace(/\.ya?ml$/, '') + '.zilla-plus.yaml';
    const plus = renderZillaPlusKafkaProxy(profile, { host: DEFAULT_ZILLA.host, port: 9092, name: 'zdp' });
    writeAtomic(plusFile, `# NEEDS ZILLA PLUS: the kafka-proxy binding is commercial and not part of open-source Zilla.\n# Native Kafka clients connect to port 9092; broker addresses are rewritten one-to-one (b-#).\n${renderYaml(plus)}`);
    extra.push(relative(rt.cwd, plusFile) || plusFile);
  }
  return {
    kind: 'GatewayRender',
    data: { target: o.target, cluster: clusterName, products: products.map((p) => `${p.metadata.name}@${p.metadata.version}`), file: shown, extraFiles: extra, env: envNeeded, warnings },
    text: `wrote ${[shown, ...extra].join(', ')} (${o.target}) for ${products.map((p) => p.metadata.name).join(', ')} on ${clusterName}`,
    warnings,
  };
}

/**
 * Renders a Zilla namespace (zilla.yaml) that serves data products over HTTP (produce/fetch via
 * http-kafka), SSE (sse-kafka) and, in Zilla 2.x, MCP (mcp + mcp-kafka) for AI agents, in front of
 * one Kafka cluster. Pure: products and a cluster profile in, a document out.
 *
 * - Access: a `jwt` guard; each route is guarded by the principals the product's access rules grant
 *   that operation (tokens carry them in their `scope` claim), or `<product>:read|write` when no
 *   rule names the channel.
 * - Validation: produced and fetched values are checked against the product's contract through an
 *   inline catalog (JSON payloads) or the cluster's schema registry (registry-backed payloads).
 * - Backend: `kafka` client with the profile's bootstrap servers; SASL credentials come from an
 *   `inline` guard (2.x) or `options.sasl` (1.x), secrets always as `${{env.X}}` references; TLS
 *   through a `tls` client and a filesystem trust vault.
 * - Telemetry: Prometheus exporter.
 */
import type { ClusterProfile } from '../config/types.js';
import type { DataProduct } from '../core/products/spec.js';
import { sortKeys } from '../core/inference/json-infer.js';

export interface ZillaOptions {
  /** Zilla syntax: 2 (default) or 1 */
  major: 1 | 2;
  host: string;
  port: number;
  metricsPort: number;
  /** namespace name */
  name: string;
}

export const DEFAULT_ZILLA: ZillaOptions = { major: 2, host: '0.0.0.0', port: 7114, metricsPort: 7190, name: 'zdp-gateway' };

type Doc = Record<string, any>;

/** Environment variable names the rendered config reads; documented next to the file. */
export function envName(cluster: string, what: string): string {
  return `ZDP_${cluster.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${what}`;
}

function env(name: string): string {
  return `\${{env.${name}}}`;
}

function roles(product: DataProduct, channelId: string, permission: 'read' | 'write'): string[] {
  const granted = product.spec.access
    .filter((a) => a.permissions.includes(permission) && (a.channels.includes('*') || a.channels.includes(channelId)))
    .map((a) => a.principal);
  return granted.length > 0 ? [...new Set(granted)].sort() : [`${product.metadata.name}:${permission}`];
}

interface ChannelRef {
  product: DataProduct;
  id: string;
  topic: string;
  read: boolean;
  write: boolean;
  payload: Doc | undefined;
  registry: boolean;
}

function channelsOf(products: readonly DataProduct[]): ChannelRef[] {
  const out: ChannelRef[] = [];
  for (const p of [...products].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const messages = ((p.spec.contract.components as Doc | undefined)?.messages ?? {}) as Doc;
    const schemas = ((p.spec.contract.components as Doc | undefined)?.schemas ?? {}) as Doc;
    for (const c of [...p.spec.channels].sort((a, b) => a.id.localeCompare(b.id))) {
      const m = messages[c.message] as Doc | undefined;
      let payload = m?.payload as Doc | undefined;
      if (payload && typeof payload.$ref === 'string') payload = schemas[payload.$ref.split('/').pop()!] as Doc | undefined;
      const registry = Boolean(m?.['x-zdp-schema']);
      out.push({ product: p, id: c.id, topic: p.spec.deployment.topics[c.id] ?? c.address, read: c.read, write: c.write, payload: registry ? undefined : payload, registry });
    }
  }
  return out;
}

export function renderZillaConfig(products: readonly DataProduct[], profile: ClusterProfile, options: ZillaOptions = DEFAULT_ZILLA): Doc {
  const channels = channelsOf(products);
  const modes = (p: DataProduct) => new Set(p.spec.consumption);
  const guards: Doc = {
    jwt0: {
      type: 'jwt',
      options: { issuer: env('ZDP_JWT_ISSUER'), audience: env('ZDP_JWT_AUDIENCE'), keys: env('ZDP_JWT_KEYS_URL') },
    },
  };
  const catalogs: Doc = {};
  const subjects: Doc = {};
  for (const c of channels) {
    if (c.payload && !c.registry) subjects[`${c.product.metadata.name}.${c.id}`] = { schema: JSON.stringify(sortKeys(c.payload)) };
  }
  if (Object.keys(subjects).length > 0) catalogs.contracts = { type: 'inline', options: { subjects } };
  if (profile.schemaRegistry && channels.some((c) => c.registry)) catalogs.registry = { type: 'schema-registry', options: { url: profile.schemaRegistry.url } };

  const httpKafkaRoutes: Doc[] = [];
  const sseRoutes: Doc[] = [];
  const mcpRoutes: Doc[] = [];
  const topicModels: Doc[] = [];
  const requests: Doc[] = [];
  for (const c of channels) {
    const p = c.product;
    const m = modes(p);
    const path = `/${p.metadata.name}/${c.id}`;
    if (c.read && m.has('http-fetch')) {
      httpKafkaRoutes.push({ when: [{ method: 'GET', path }], exit: 'cache_client', guarded: { jwt0: roles(p, c.id, 'read') }, with: { capability: 'fetch', topic: c.topic, merge: { 'content-type': 'application/json' } } });
    }
    if (c.write && m.has('http-produce')) {
      httpKafkaRoutes.push({ when: [{ method: 'POST', path }], exit: 'cache_client', guarded: { jwt0: roles(p, c.id, 'write') }, with: { capability: 'produce', topic: c.topic, key: '${idempotencyKey}' } });
      if (c.payload) requests.push({ path, method: 'POST', 'content-type': ['application/json'], content: { model: 'json', catalog: { contracts: [{ subject: `${p.metadata.name}.${c.id}` }] } } });
    }
    if (c.read && m.has('sse')) {
      sseRoutes.push({ when: [{ path: `/streams${path}` }], exit: 'cache_client', guarded: { jwt0: roles(p, c.id, 'read') }, with: { topic: c.topic } });
    }
    if (c.read && m.has('mcp') && options.major === 2) {
      mcpRoutes.push({ when: [{ tool: `${p.metadata.name}-${c.id}`, topics: [c.topic] }], exit: 'cache_client', guarded: { jwt0: roles(p, c.id, 'read') } });
    }
    if (c.payload) topicModels.push({ name: c.topic, value: { model: 'json', catalog: { contracts: [{ subject: `${p.metadata.name}.${c.id}` }] } } });
    else if (c.registry && catalogs.registry) topicModels.push({ name: c.topic, value: { model: 'avro', view: 'json', catalog: { registry: [{ strategy: 'topic', version: 'latest' }] } } });
  }

  const httpRoutes: Doc[] = [];
  if (sseRoutes.length > 0) httpRoutes.push({ when: [{ headers: { ':path': '/streams/*' } }], exit: 'sse_server' });
  if (mcpRoutes.length > 0) httpRoutes.push({ when: [{ headers: { ':path': '/mcp' } }], exit: 'mcp_server' });
  httpRoutes.push({ exit: 'http_kafka' });

  const bindings: Doc = {
    tcp_server: { type: 'tcp', kind: 'server', options: { host: options.host, port: options.port }, exit: 'http_server' },
    http_server: {
      type: 'http',
      kind: 'server',
      options: {
        authorization: { jwt0: { credentials: { headers: { authorization: 'Bearer {credentials}' } } } },
        ...(requests.length > 0 ? { requests } : {}),
      },
      routes: httpRoutes,
    },
    http_kafka: { type: 'http-kafka', kind: 'proxy', routes: httpKafkaRoutes },
    cache_client: { type: 'kafka', kind: 'cache_client', ...(topicModels.length ? { options: { topics: topicModels } } : {}), exit: 'cache_server' },
    cache_server: {
      type: 'kafka',
      kind: 'cache_server',
      options: { bootstrap: [...new Set(channels.map((c) => c.topic))].sort(), ...(topicModels.length ? { topics: topicModels } : {}) },
      exit: 'kafka_client',
    },
  };
  if (sseRoutes.length > 0) {
    bindings.sse_server = { type: 'sse', kind: 'server', exit: 'sse_kafka' };
    bindings.sse_kafka = { type: 'sse-kafka', kind: 'proxy', routes: sseRoutes };
  }
  if (mcpRoutes.length > 0) {
    bindings.mcp_server = { type: 'mcp', kind: 'server', exit: 'mcp_kafka' };
    bindings.mcp_kafka = { type: 'mcp-kafka', kind: 'proxy', routes: mcpRoutes };
  }

  // Backend
  const kafkaClient: Doc = { type: 'kafka', kind: 'client', options: { servers: profile.bootstrapServers } };
  if (profile.sasl) {
    const passwordEnv = profile.sasl.password.env ?? envName(profile.name, 'PASSWORD');
    if (options.major === 2) {
      guards.kafka_login = { type: 'inline', options: { identity: profile.sasl.username, credentials: env(passwordEnv) } };
      kafkaClient.options.authorization = { kafka_login: { credentials: { mechanism: profile.sasl.mechanism, username: '{identity}', password: '{credentials}' } } };
    } else {
      kafkaClient.options.sasl = { mechanism: profile.sasl.mechanism, username: profile.sasl.username, password: env(passwordEnv) };
    }
  }
  const vaults: Doc = {};
  if (profile.tls?.enabled) {
    vaults.backend_trust = { type: 'filesystem', options: { trust: { store: env(envName(profile.name, 'TRUSTSTORE')), type: 'pkcs12', password: env(envName(profile.name, 'TRUSTSTORE_PASSWORD')) } } };
    kafkaClient.exit = 'tls_client';
    bindings.tls_client = { type: 'tls', kind: 'client', vault: 'backend_trust', options: { trust: ['kafka-ca'] }, exit: 'tcp_client' };
  } else {
    kafkaClient.exit = 'tcp_client';
  }
  bindings.kafka_client = kafkaClient;
  bindings.tcp_client = { type: 'tcp', kind: 'client' };

  if (options.major === 1) delete guards.kafka_login;

  return sortKeys({
    name: options.name,
    ...(Object.keys(vaults).length ? { vaults } : {}),
    guards,
    ...(Object.keys(catalogs).length ? { catalogs } : {}),
    telemetry: {
      metrics: ['http.active.requests', 'http.duration', 'http.request.size', 'http.response.size', 'stream.active.received', 'stream.active.sent', 'stream.closes.received', 'stream.closes.sent', 'stream.opens.received', 'stream.opens.sent'],
      exporters: { prometheus0: { type: 'prometheus', options: { endpoints: [{ scheme: 'http', path: '/metrics', port: options.metricsPort }] } } },
    },
    bindings,
  });
}

/** Exit, vault, guard and catalog names must resolve: the schema cannot check that. */
export function checkZillaReferences(doc: Doc): string[] {
  const problems: string[] = [];
  const bindings = (doc.bindings ?? {}) as Doc;
  const has = (section: string, name: string) => Boolean((doc[section] ?? {})[name]);
  for (const [name, b] of Object.entries(bindings) as [string, Doc][]) {
    const exits = [b.exit, ...((b.routes ?? []) as Doc[]).map((r) => r.exit)].filter(Boolean);
    for (const e of exits) if (!bindings[e]) problems.push(`bindings.${name}: exit ${e} is not a binding`);
    if (b.vault && !has('vaults', b.vault)) problems.push(`bindings.${name}: vault ${b.vault} is not defined`);
    for (const r of (b.routes ?? []) as Doc[]) for (const g of Object.keys(r.guarded ?? {})) if (!has('guards', g)) problems.push(`bindings.${name}: guard ${g} is not defined`);
    for (const g of Object.keys(b.options?.authorization ?? {})) if (!has('guards', g)) problems.push(`bindings.${name}: guard ${g} is not defined`);
  }
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Doc)) {
        if (k === 'catalog' && x && typeof x === 'object') for (const c of Object.keys(x as Doc)) if (!has('catalogs', c)) problems.push(`catalog ${c} is not defined`);
        walk(x);
      }
    }
  };
  walk(bindings);
  return [...new Set(problems)].sort();
}

/**
 * Native Kafka clients through Zilla need the `kafka-proxy` binding of Zilla Plus (commercial): it
 * is not in open-source Zilla and fails both public schemas, so it is rendered as a separate
 * document and marked as such. Shape: tcp server -> kafka-proxy -> tcp client, one port per broker.
 */
export function renderZillaPlusKafkaProxy(profile: ClusterProfile, options: { host: string; port: number; name: string }): Doc {
  const [backendHost, backendPort] = (profile.bootstrapServers[0] ?? 'localhost:9092').split(':') as [string, string];
  return sortKeys({
    name: `${options.name}-kafka`,
    'x-zdp-requires': 'Zilla Plus (the kafka-proxy binding is not part of open-source Zilla)',
    bindings: {
      kafka_tcp_server: { type: 'tcp', kind: 'server', options: { host: options.host, port: options.port }, exit: 'kafka_proxy' },
      kafka_proxy: {
        type: 'kafka-proxy',
        kind: 'proxy',
        options: {
          external: { host: `b-#.${options.name}.local`, port: options.port },
          internal: { host: backendHost.replace(/^[^.]+/, 'b-#'), port: Number(backendPort) },
        },
        exit: 'kafka_tcp_client',
      },
      kafka_tcp_client: { type: 'tcp', kind: 'client' },
    },
  });
}

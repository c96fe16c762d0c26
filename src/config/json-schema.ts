/**
 * zdp.yaml as a JSON Schema (draft-07), made from the same spec the strict decoder walks, so an
 * editor (yaml-language-server) completes and checks exactly what zdp accepts. Pure and byte-stable:
 * schemas/zdp.schema.json is this function's output, and a test keeps the two equal.
 */
import { configSpec, CONFIG_API_VERSION, type Spec } from './schema.js';

const DESCRIPTIONS: Record<string, string> = {
  apiVersion: `always ${CONFIG_API_VERSION}`,
  kind: 'Project for a zdp.yaml, User for ~/.config/zdp/config.yaml',
  defaultCluster: 'the cluster profile commands use when none is named (`zdp config use <profile>`; ZDP_DEFAULT_CLUSTER overrides it)',
  clusters: 'cluster profiles by name',
  vendor: 'the Kafka vendor: decides topic configs and features zdp can rely on',
  bootstrapServers: 'host:port of one or more brokers (a list, or one comma-separated string)',
  timeoutMs: 'connection and request timeout in milliseconds',
  tls: 'TLS to the brokers',
  enabled: 'use TLS',
  caFile: 'PEM file of the CA to trust (relative to this file); the system CAs when absent',
  certFile: 'PEM client certificate, for mutual TLS (with keyFile)',
  keyFile: 'PEM private key of the client certificate',
  keyPasswordEnv: 'environment variable holding the password of keyFile',
  keyPasswordFile: 'file holding the password of keyFile',
  serverName: 'host name to verify the broker certificate against (SNI)',
  insecureSkipVerify: 'do not verify broker certificates: for tests only',
  sasl: 'SASL authentication',
  mechanism: 'SASL mechanism',
  username: 'user name',
  passwordEnv: 'environment variable holding the password (never the password itself)',
  passwordFile: 'file holding the password (relative to this file)',
  tokenEnv: 'environment variable holding a bearer token',
  tokenFile: 'file holding a bearer token',
  schemaRegistry: 'the Schema Registry (Confluent API) of this cluster',
  connect: 'the Kafka Connect cluster that runs MirrorMaker 2 connectors',
  url: 'http(s) URL, without credentials',
  products: 'data products',
  state: "zdp's own state (migrations, cutover journals, local clusters)",
  dir: 'directory, relative to this file',
};

type Json = { [key: string]: unknown };

function convert(spec: Spec, key?: string): Json {
  const description = key !== undefined && DESCRIPTIONS[key] ? { description: DESCRIPTIONS[key] } : {};
  switch (spec.type) {
    case 'string':
      return { type: 'string', ...description, ...(spec.enum ? { enum: [...spec.enum] } : {}), ...(spec.pattern ? { pattern: spec.pattern.source } : {}) };
    case 'integer':
      return { type: 'integer', ...description, ...(spec.min !== undefined ? { minimum: spec.min } : {}), ...(spec.max !== undefined ? { maximum: spec.max } : {}) };
    case 'boolean':
      return { type: 'boolean', ...description };
    case 'stringList': {
      const item = { type: 'string', ...(spec.itemPattern ? { pattern: spec.itemPattern.source } : {}) };
      return { ...description, oneOf: [{ type: 'array', items: item, minItems: 1 }, { type: 'string', minLength: 1 }] };
    }
    case 'inlineSecret':
      return { description: `never written here: use ${spec.use}`, not: {} };
    case 'object':
      return {
        type: 'object',
        ...description,
        properties: Object.fromEntries(Object.entries(spec.fields).map(([k, s]) => [k, convert(s, k)])),
        additionalProperties: false,
      };
    case 'map':
      return {
        type: 'object',
        ...description,
        ...(spec.keyPattern ? { propertyNames: { pattern: spec.keyPattern.source } } : {}),
        additionalProperties: convert(spec.values),
      };
  }
}

export const CONFIG_SCHEMA_FILE = 'zdp.schema.json';

export function configJsonSchema(): Json {
  const root = convert(configSpec);
  const properties = root.properties as Json;
  properties.apiVersion = { type: 'string', const: CONFIG_API_VERSION, description: DESCRIPTIONS.apiVersion };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://zdp.dev/schemas/zdp.schema.json',
    title: 'zdp configuration (zdp.yaml)',
    description: 'Cluster profiles, products and state directories of a zdp project. Secrets are referenced (…Env, …File), never written inline.',
    ...root,
    required: ['apiVersion'],
  };
}

export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

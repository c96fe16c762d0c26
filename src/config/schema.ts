/**
 * The shape of zdp.yaml, as data: the strict decoder in decode.ts walks YAML nodes against it,
 * so diagnostics can name file, line and key. Types of the decoded config live in types.ts.
 */

export type Spec =
  | { type: 'string'; enum?: readonly string[]; pattern?: RegExp; patternHint?: string }
  | { type: 'integer'; min?: number; max?: number }
  | { type: 'boolean' }
  | { type: 'stringList'; itemPattern?: RegExp; itemHint?: string }
  | { type: 'object'; fields: Readonly<Record<string, Spec>>; open?: false }
  | { type: 'map'; values: Spec; keyPattern?: RegExp; keyHint?: string }
  /** An inline secret: never accepted, never echoed. */
  | { type: 'inlineSecret'; use: string };

export const CONFIG_API_VERSION = 'zdp/v1';
export const KNOWN_API_VERSIONS = [CONFIG_API_VERSION] as const;
export const VENDORS = ['apache', 'redpanda', 'automq', 'confluent', 'msk'] as const;
export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// a port from 1 to 65535
const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):(6553[0-5]|655[0-2]\d|65[0-4]\d{2}|6[0-4]\d{3}|[1-5]\d{4}|[1-9]\d{0,3})$/;
export const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const secretRefFields = {
  passwordEnv: { type: 'string', pattern: ENV_NAME, patternHint: 'an environment variable name' },
  passwordFile: { type: 'string' },
  password: { type: 'inlineSecret', use: 'passwordEnv or passwordFile' },
} as const satisfies Record<string, Spec>;

const httpServiceSpec: Spec = {
  type: 'object',
  fields: {
    url: { type: 'string', pattern: /^https?:\/\/[^/@\s]+(\/.*)?$/, patternHint: 'an http(s) URL without credentials' },
    username: { type: 'string' },
    ...secretRefFields,
    tokenEnv: { type: 'string', pattern: ENV_NAME, patternHint: 'an environment variable name' },
    tokenFile: { type: 'string' },
    token: { type: 'inlineSecret', use: 'tokenEnv or tokenFile' },
    caFile: { type: 'string' },
  },
};

export const clusterSpec: Spec = {
  type: 'object',
  fields: {
    vendor: { type: 'string', enum: VENDORS },
    bootstrapServers: {
      type: 'stringList',
      itemPattern: HOST_PORT,
      itemHint: 'host:port with a port from 1 to 65535',
    },
    timeoutMs: { type: 'integer', min: 100, max: 600_000 },
    tls: {
      type: 'object',
      fields: {
        enabled: { type: 'boolean' },
        caFile: { type: 'string' },
        certFile: { type: 'string' },
        keyFile: { type: 'string' },
        keyPasswordEnv: { type: 'string', pattern: ENV_NAME, patternHint: 'an environment variable name' },
        keyPasswordFile: { type: 'string' },
        keyPassword: { type: 'inlineSecret', use: 'keyPasswordEnv or keyPasswordFile' },
        serverName: { type: 'string' },
        insecureSkipVerify: { type: 'boolean' },
      },
    },
    sasl: {
      type: 'object',
      fields: {
        mechanism: { type: 'string', enum: SASL_MECHANISMS },
        username: { type: 'string' },
        ...secretRefFields,
      },
    },
    schemaRegistry: httpServiceSpec,
    connect: httpServiceSpec,
  },
};

export const configSpec: Spec = {
  type: 'object',
  fields: {
    apiVersion: { type: 'string' },
    kind: { type: 'string', enum: ['Project', 'User'] },
    defaultCluster: { type: 'string', pattern: PROFILE_NAME, patternHint: 'a cluster profile name' },
    clusters: { type: 'map', values: clusterSpec, keyPattern: PROFILE_NAME, keyHint: 'lower-case letters, digits, - and _' },
    products: { type: 'object', fields: { dir: { type: 'string' } } },
    // a proxy fleet deployed without zdp (e.g. on Kubernetes), each instance running zdp's filter
    gateway: {
      type: 'object',
      fields: {
        instances: {
          type: 'map',
          keyPattern: PROFILE_NAME,
          keyHint: 'lower-case letters, digits, - and _',
          values: {
            type: 'object',
            fields: {
              control: { type: 'string', pattern: /^https?:\/\/[^/@\s]+\/?$/, patternHint: 'the http(s) URL of the instance\'s control endpoint, without credentials or path' },
              bootstrap: { type: 'string', pattern: HOST_PORT, patternHint: 'host:port that clients connect to, with a port from 1 to 65535' },
            },
          },
        },
        tokenEnv: { type: 'string', pattern: ENV_NAME, patternHint: 'an environment variable name' },
        tokenFile: { type: 'string' },
        token: { type: 'inlineSecret', use: 'tokenEnv or tokenFile' },
      },
    },
    state: { type: 'object', fields: { dir: { type: 'string' } } },
  },
};

/** Keys whose values are file paths, resolved against the directory of the file that set them. */
export const PATH_KEYS: ReadonlySet<string> = new Set([
  'passwordFile',
  'tokenFile',
  'caFile',
  'certFile',
  'keyFile',
  'keyPasswordFile',
]);

/** The spec for a dotted path such as clusters.prod.sasl.mechanism, or undefined. */
export function specAt(path: readonly string[], spec: Spec = configSpec): Spec | undefined {
  let current: Spec | undefined = spec;
  for (const part of path) {
    if (!current) return undefined;
    if (current.type === 'object') current = current.fields[part];
    else if (current.type === 'map') current = current.values;
    else return undefined;
  }
  return current;
}

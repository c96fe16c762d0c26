import type { SASL_MECHANISMS, VENDORS } from './schema.js';

export type Vendor = (typeof VENDORS)[number];
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** A reference to a secret: an environment variable or a file. Never the value. */
export interface SecretRef {
  /** where the reference was written, for messages: e.g. clusters.prod.sasl.passwordEnv */
  key: string;
  env?: string;
  file?: string;
}

export interface TlsSettings {
  enabled: boolean;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  keyPassword?: SecretRef;
  serverName?: string;
  insecureSkipVerify: boolean;
}

export interface SaslSettings {
  mechanism: SaslMechanism;
  username: string;
  password: SecretRef;
}

export interface HttpService {
  url: string;
  username?: string;
  password?: SecretRef;
  token?: SecretRef;
  caFile?: string;
}

export interface ClusterProfile {
  name: string;
  vendor: Vendor;
  bootstrapServers: string[];
  timeoutMs: number;
  tls?: TlsSettings;
  sasl?: SaslSettings;
  schemaRegistry?: HttpService;
  connect?: HttpService;
}

/** One instance of a proxy fleet zdp did not start: its control endpoint and the address clients use. */
export interface GatewayInstanceRef {
  name: string;
  control: string;
  bootstrap: string;
}

/** zdp.yaml's gateway section: a fleet deployed without zdp, driven through each instance's control endpoint. */
export interface ExternalGateway {
  instances: GatewayInstanceRef[];
  token: SecretRef;
}

export interface ResolvedConfig {
  /** the project file, when one exists */
  projectFile?: string;
  /** directory the project lives in (of the project file, else the working directory) */
  projectDir: string;
  /** the profile commands use when none is named (`zdp config use`, defaultCluster, ZDP_DEFAULT_CLUSTER) */
  defaultCluster?: string;
  stateDir: string;
  productsDir: string;
  clusters: Record<string, ClusterProfile>;
  /** a gateway fleet zdp did not start (zdp.yaml `gateway.instances`) */
  gateway?: ExternalGateway;
  /** dotted key -> where its value came from ("zdp.yaml:7", "default", "--set", ...) */
  origins: Map<string, string>;
  /** files that were read, in precedence order (lowest first) */
  files: string[];
}

export const DEFAULT_TIMEOUT_MS = 10_000;

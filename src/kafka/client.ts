/**
 * The kafkajs adapter: builds clients from profiles, connects with a deadline, and turns kafkajs
 * errors into zdp errors. Everything else in zdp talks to Kafka through here.
 */
import kafkajs from 'kafkajs';
import type { Admin, Kafka, KafkaConfig, SASLOptions, logCreator } from 'kafkajs';
import { AuthError, ConnectionError, NotFoundError, TlsError, ZdpError, isZdpError } from '../errors.js';
import { readSecret } from '../config/load.js';
import type { ClusterProfile } from '../config/types.js';
import { probeBroker, type ProbeResult } from './probe.js';
import { isTlsErrorCode, tlsOptions } from './tls.js';
import { ZDP_VERSION } from '../version.js';

const { Kafka: KafkaClass, logLevel } = kafkajs;

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

export interface ClientOptions {
  env: NodeJS.ProcessEnv;
  /** kafkajs log lines go here (only with --verbose) */
  log?: ((line: string) => void) | undefined;
  clientId?: string;
}

function makeLogCreator(log: ((line: string) => void) | undefined): logCreator {
  return () => ({ label, log: entry }) => {
    if (!log) return;
    const { message, ...rest } = entry as { message: string } & Record<string, unknown>;
    delete rest.timestamp;
    delete rest.logger;
    log(`kafkajs ${label}: ${message} ${JSON.stringify(rest)}`);
  };
}

export function kafkaConfig(profile: ClusterProfile, options: ClientOptions): KafkaConfig {
  const ssl = tlsOptions(profile, options.env);
  let sasl: SASLOptions | undefined;
  if (profile.sasl) {
    const password = readSecret(profile.sasl.password, options.env);
    sasl = { mechanism: profile.sasl.mechanism, username: profile.sasl.username, password } as SASLOptions;
  }
  return {
    clientId: options.clientId ?? 'zdp',
    brokers: profile.bootstrapServers,
    ...(ssl ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
    connectionTimeout: Math.min(profile.timeoutMs, 10_000),
    authenticationTimeout: profile.timeoutMs,
    requestTimeout: Math.max(profile.timeoutMs, 30_000),
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
    logLevel: options.log ? logLevel.INFO : logLevel.NOTHING,
    logCreator: makeLogCreator(options.log),
  };
}

export function createKafka(profile: ClusterProfile, options: ClientOptions): Kafka {
  return new KafkaClass(kafkaConfig(profile, options));
}

/**
 * Probes the bootstrap servers in order with a raw ApiVersions request and returns the first that
 * answers. When none does, throws the most telling error (TLS over plain connection failures).
 */
export async function probeCluster(profile: ClusterProfile, env: NodeJS.ProcessEnv): Promise<ProbeResult> {
  const ssl = tlsOptions(profile, env);
  const errors: ZdpError[] = [];
  for (const address of profile.bootstrapServers) {
    try {
      return await probeBroker({ cluster: profile.name, address, tls: ssl, timeoutMs: profile.timeoutMs, softwareVersion: ZDP_VERSION });
    } catch (error) {
      if (!isZdpError(error)) throw error;
      errors.push(error);
    }
  }
  const tlsFailure = errors.find((e) => e.category === 'tls');
  if (tlsFailure) throw tlsFailure;
  if (errors.length === 1) throw errors[0]!;
  throw new ConnectionError('BROKER_UNREACHABLE', `cannot reach any bootstrap server of cluster "${profile.name}": ${errors.map((e) => e.message.replace(/^cannot reach cluster "[^"]+" at /, '')).join('; ')}`, {
    hint: errors[0]!.hint,
    cause: errors[0],
  });
}

/** Runs `fn` with a deadline; on expiry throws a connection error that says how long zdp waited. */
export async function withDeadline<T>(profile: ClusterProfile, what: string, fn: () => Promise<T>, timeoutMs = profile.timeoutMs): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const started = performance.now();
  try {
    return await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new ConnectionError('TIMEOUT', `${what} on cluster "${profile.name}" did not finish within ${((performance.now() - started) / 1000).toFixed(1)}s`, {
            hint: `the cluster answers but slowly; raise clusters.${profile.name}.timeoutMs if this is expected`,
          }));
        }, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Maps a kafkajs error (or anything thrown while talking to Kafka) to a zdp error. */
export function mapKafkaError(error: unknown, profile: ClusterProfile, what = 'request'): ZdpError {
  if (isZdpError(error)) return error;
  const e = error as { name?: string; message?: string; type?: string; code?: string; cause?: unknown; retriable?: boolean; originalError?: unknown };
  const name = e.name ?? '';
  const message = e.message ?? String(error);
  const sasl = profile.sasl;
  // kafkajs wraps a protocol error in its retry errors (KafkaJSNonRetriableError, ...): the broker's answer is inside
  const nested = (e.originalError ?? e.cause) as { type?: string; originalError?: { type?: string } } | undefined;
  const type = e.type ?? nested?.type ?? nested?.originalError?.type;
  if (name === 'KafkaJSSASLAuthenticationError' || /SASL .*authentication failed|Authentication failed/i.test(message)) {
    return new AuthError('AUTH_FAILED', `authentication to cluster "${profile.name}" failed for user "${sasl?.username ?? '?'}" (${(sasl?.mechanism ?? 'SASL').toUpperCase()})`, {
      hint: sasl
        ? `check clusters.${profile.name}.sasl.username and the password behind ${sasl.password.key}${sasl.password.env ? ` (${sasl.password.env})` : ''}`
        : `the cluster wants SASL: add clusters.${profile.name}.sasl to zdp.yaml`,
      cause: error,
    });
  }
  if (type && /AUTHORIZATION_FAILED/.test(type)) {
    return new AuthError('NOT_AUTHORIZED', `cluster "${profile.name}" refused the ${what}: ${type.toLowerCase().replaceAll('_', ' ')}`, {
      hint: `grant the principal "${sasl?.username ?? 'ANONYMOUS'}" the needed ACLs`,
      cause: error,
    });
  }
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION') {
    return new NotFoundError('TOPIC_NOT_FOUND', `cluster "${profile.name}": ${message}`, { cause: error });
  }
  if (type === 'GROUP_ID_NOT_FOUND') {
    return new NotFoundError('GROUP_NOT_FOUND', `cluster "${profile.name}": ${message}`, { cause: error });
  }
  const inner = (e.originalError ?? e.cause) as NodeJS.ErrnoException | undefined;
  if (isTlsErrorCode(e.code) || isTlsErrorCode(inner?.code)) {
    return new TlsError('TLS_HANDSHAKE_FAILED', `TLS with cluster "${profile.name}" failed: ${inner?.code ?? e.code}`, { cause: error, retriable: false });
  }
  if (/^KafkaJS(Connection|NumberOfRetriesExceeded|RequestTimeout|BrokerNotFound|Timeout|ConnectionClosed)/.test(name) || /ECONNREFUSED|ETIMEDOUT|Connection timeout|closed/.test(message)) {
    return new ConnectionError('BROKER_UNREACHABLE', `lost contact with cluster "${profile.name}" during ${what}: ${message}`, {
      hint: `check that the brokers in clusters.${profile.name}.bootstrapServers are up`,
      cause: error,
      retriable: true,
    });
  }
  if (name.startsWith('KafkaJS')) {
    // kafkajs marks the protocol errors Kafka calls retriable (NOT_LEADER, COORDINATOR_LOAD_IN_PROGRESS, ...)
    return new ZdpError('connection', 'KAFKA_ERROR', `cluster "${profile.name}" rejected the ${what}: ${message}`, { cause: error, retriable: e.retriable === true });
  }
  return error instanceof ZdpError ? error : new ZdpError('internal', 'INTERNAL', message, { cause: error });
}

/**
 * Probes, then connects an admin client (which authenticates), within the profile's timeout.
 * The caller disconnects.
 */
export async function connectAdmin(profile: ClusterProfile, options: ClientOptions): Promise<{ kafka: Kafka; admin: Admin; probe: ProbeResult }> {
  const probe = await probeCluster(profile, options.env);
  const kafka = createKafka(profile, options);
  const admin = kafka.admin();
  try {
    await withDeadline(profile, 'connecting', () => admin.connect());
  } catch (error) {
    await admin.disconnect().catch(() => {});
    throw mapKafkaError(error, profile, 'connection');
  }
  return { kafka, admin, probe };
}

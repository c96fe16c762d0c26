/** TLS options from a profile, shared by kafkajs and the raw probe. */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '../errors.js';
import { readSecret } from '../config/load.js';
import type { ClusterProfile } from '../config/types.js';

function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new ConfigError('TLS_FILE', `${key}: cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause,
      hint: 'check the path in zdp.yaml; relative paths are relative to the file that sets them',
    });
  }
}

export function tlsOptions(profile: ClusterProfile, env: NodeJS.ProcessEnv): ConnectionOptions | undefined {
  const tls = profile.tls;
  if (!tls || !tls.enabled) return undefined;
  const base = `clusters.${profile.name}.tls`;
  const options: ConnectionOptions = { rejectUnauthorized: !tls.insecureSkipVerify };
  if (tls.caFile) options.ca = [readPem(tls.caFile, `${base}.caFile`)];
  if (tls.certFile) options.cert = readPem(tls.certFile, `${base}.certFile`);
  if (tls.keyFile) options.key = readPem(tls.keyFile, `${base}.keyFile`);
  if (tls.keyPassword) options.passphrase = readSecret(tls.keyPassword, env);
  if (tls.serverName) options.servername = tls.serverName;
  return options;
}

/** Node/OpenSSL error codes that mean the TLS handshake or certificate check failed. */
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'EPROTO',
]);

export function isTlsErrorCode(code: unknown): boolean {
  // kafkajs protocol errors carry numeric codes: only Node's string codes can be TLS failures
  return typeof code === 'string' && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'));
}

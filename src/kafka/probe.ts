/**
 * A raw ApiVersions round trip to one broker address: proves the address answers Kafka, with
 * precise errors for refused connections, silence, TLS failures and listeners of the wrong kind.
 * ApiVersions is allowed before SASL authentication, so it works on every listener.
 */
import net from 'node:net';
import tls, { type ConnectionOptions } from 'node:tls';
import { ConnectionError, TlsError, type ZdpError } from '../errors.js';
import { decodeApiVersionsResponse, encodeApiVersionsRequest, type ApiVersionsResponse } from './protocol/wire.js';
import { isTlsErrorCode } from './tls.js';

export interface ProbeTarget {
  /** profile name, for messages */
  cluster: string;
  address: string;
  tls?: ConnectionOptions | undefined;
  timeoutMs: number;
  softwareVersion: string;
}

export interface ProbeResult {
  address: string;
  roundTripMs: number;
  response: ApiVersionsResponse;
}

function splitAddress(address: string): { host: string; port: number } {
  const idx = address.lastIndexOf(':');
  const host = address.slice(0, idx).replace(/^\[|\]$/g, '');
  return { host, port: Number(address.slice(idx + 1)) };
}

export function probeBroker(target: ProbeTarget): Promise<ProbeResult> {
  const { host, port } = splitAddress(target.address);
  const started = performance.now();
  const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)}s`;
  return new Promise<ProbeResult>((resolve, reject) => {
    let settled = false;
    let chunks = Buffer.alloc(0);
    let connected = false;
    const socket = target.tls
      ? tls.connect({ host, port, ...target.tls, ...(target.tls.servername || net.isIP(host) ? {} : { servername: host }) })
      : net.connect({ host, port });
    const finish = (error: ZdpError | undefined, result?: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(result!);
    };
    const timer = setTimeout(() => {
      const waited = seconds(performance.now() - started);
      finish(
        new ConnectionError('BROKER_UNREACHABLE', `cannot reach cluster "${target.cluster}" at ${target.address} (no answer after ${waited})`, {
          hint: connected
            ? `the port accepted a connection but did not answer Kafka requests: is it a Kafka listener${target.tls ? ' with TLS' : ''}?`
            : `check clusters.${target.cluster}.bootstrapServers and that the broker is up; clusters.${target.cluster}.timeoutMs sets how long zdp waits`,
          context: { address: target.address, waitedMs: Math.round(performance.now() - started) },
        }),
      );
    }, target.timeoutMs);

    socket.once(target.tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      socket.write(encodeApiVersionsRequest(1, 'zdp', target.softwareVersion));
    });
    socket.on('data', (data: Buffer) => {
      chunks = Buffer.concat([chunks, data]);
      if (!target.tls && (chunks[0] === 0x15 || chunks[0] === 0x16) && chunks[1] === 0x03) {
        finish(new TlsError('TLS_EXPECTED', `cluster "${target.cluster}" at ${target.address} answered with TLS, but zdp connected without it`, {
          hint: `set clusters.${target.cluster}.tls.enabled: true (and tls.caFile if the broker certificate is not from a public CA)`,
        }));
        return;
      }
      if (chunks.length < 4) return;
      const size = chunks.readInt32BE(0);
      if (size < 0 || size > 10 * 1024 * 1024) {
        finish(new ConnectionError('NOT_KAFKA', `${target.address} answered, but not with the Kafka protocol`, { hint: `check clusters.${target.cluster}.bootstrapServers` }));
        return;
      }
      if (chunks.length < 4 + size) return;
      try {
        const response = decodeApiVersionsResponse(chunks.subarray(4, 4 + size));
        finish(undefined, { address: target.address, roundTripMs: performance.now() - started, response });
      } catch (cause) {
        finish(new ConnectionError('NOT_KAFKA', `${target.address} answered, but not with a Kafka ApiVersions response`, { cause }));
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const elapsed = performance.now() - started;
      const waited = seconds(elapsed);
      const after = elapsed >= 500 ? ` after ${waited}` : '';
      const code = error.code;
      if (isTlsErrorCode(code) || (target.tls && !connected && /ssl|tls|certificate/i.test(error.message))) {
        const wrongProtocol = code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || code === 'ECONNRESET' || code === 'EPIPE';
        finish(
          new TlsError(wrongProtocol ? 'TLS_NOT_SPOKEN' : 'TLS_HANDSHAKE_FAILED', wrongProtocol
            ? `TLS handshake with cluster "${target.cluster}" at ${target.address} failed: the listener does not speak TLS`
            : `TLS handshake with cluster "${target.cluster}" at ${target.address} failed: ${describeTlsError(error)}`, {
            hint: wrongProtocol
              ? `set clusters.${target.cluster}.tls.enabled: false, or point bootstrapServers at the TLS listener`
              : `check clusters.${target.cluster}.tls.caFile (the CA that signed the broker certificate) and the broker host name`,
            cause: error,
          }),
        );
        return;
      }
      const reason =
        code === 'ECONNREFUSED' ? `connection refused${after}`
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `unknown host ${host}`
        : code === 'ECONNRESET' || code === 'EPIPE' ? `connection reset${after}`
        : code === 'EHOSTUNREACH' || code === 'ENETUNREACH' ? `host unreachable${after}`
        : `${code ?? error.message}${after}`;
      finish(
        new ConnectionError('BROKER_UNREACHABLE', `cannot reach cluster "${target.cluster}" at ${target.address} (${reason})`, {
          hint: code === 'ECONNRESET' && !target.tls
            ? `the listener closed the connection: if it expects TLS, set clusters.${target.cluster}.tls.enabled: true`
            : `check clusters.${target.cluster}.bootstrapServers and that the broker is up (local clusters: \`zdp dev up\`)`,
          cause: error,
          context: { address: target.address },
        }),
      );
    });
    socket.on('close', () => {
      if (settled) return;
      finish(
        new ConnectionError('BROKER_CLOSED', `cluster "${target.cluster}" at ${target.address} closed the connection before answering`, {
          hint: target.tls
            ? `check that ${target.address} is a TLS listener`
            : `if the listener expects TLS, set clusters.${target.cluster}.tls.enabled: true`,
        }),
      );
    });
  });
}

function describeTlsError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'the broker certificate is not signed by a trusted CA';
    case 'CERT_HAS_EXPIRED':
      return 'the broker certificate has expired';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'the broker certificate does not name this host';
    default:
      return error.code ?? error.message;
  }
}

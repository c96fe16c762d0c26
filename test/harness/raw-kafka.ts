/**
 * Raw Kafka requests for tests that must see what the proxy answers (or does not) byte for byte,
 * and when it closes the connection: a client that names no software (as kafkajs, which sends no
 * ApiVersions client name) and fetches without fetch sessions.
 */
import net from 'node:net';

const FETCH = 1;
const FIND_COORDINATOR = 10;
export const KAFKA_STORAGE_ERROR = 56;
export const COORDINATOR_NOT_AVAILABLE = 15;
export const NOT_COORDINATOR = 16;

function str(s: string): Buffer {
  const b = Buffer.alloc(2 + Buffer.byteLength(s));
  b.writeInt16BE(Buffer.byteLength(s), 0);
  b.write(s, 2);
  return b;
}

function int(n: number, bytes: 1 | 2 | 4 | 8): Buffer {
  const b = Buffer.alloc(bytes);
  if (bytes === 1) b.writeInt8(n);
  else if (bytes === 2) b.writeInt16BE(n);
  else if (bytes === 4) b.writeInt32BE(n);
  else b.writeBigInt64BE(BigInt(n));
  return b;
}

/** One request, framed: a v1 header (api key, version, correlation id, client id) and its body. */
function frame(apiKey: number, version: number, body: Buffer): Buffer {
  const payload = Buffer.concat([int(apiKey, 2), int(version, 2), int(7, 4), str('kafkajs'), body]);
  return Buffer.concat([int(payload.length, 4), payload]);
}

/** FindCoordinator v1 for a group */
export const findCoordinator = (group: string) => frame(FIND_COORDINATOR, 1, Buffer.concat([str(group), int(0, 1)]));

/** Fetch v4 of one partition from offset 0, as a client without fetch sessions (kafkajs) sends it */
export const fetchRequest = (topic: string, maxWaitMs = 100) =>
  frame(FETCH, 4, Buffer.concat([int(-1, 4), int(maxWaitMs, 4), int(1, 4), int(1 << 20, 4), int(0, 1), int(1, 4), str(topic), int(1, 4), int(0, 4), int(0, 8), int(1 << 20, 4)]));

/** The error code of a FindCoordinator v1 answer (after correlation id and throttle time). */
export const coordinatorError = (answer: Buffer) => answer.readInt16BE(8);

/** The error code of the first partition of a Fetch v4 answer for `topic`. */
export const fetchError = (answer: Buffer, topic: string) => answer.readInt16BE(4 + 4 + 4 + 2 + Buffer.byteLength(topic) + 4 + 4);

/**
 * One request on a new connection: its answer (none when the connection closed first) and whether
 * the proxy closed the connection within `closeMs` of connecting; when each came (ms since epoch).
 */
export function exchange(port: number, request: Buffer, closeMs = 5_000): Promise<{ answer?: Buffer; answeredAt?: number; closed: boolean; closedAt?: number }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let answer: Buffer | undefined;
    let answeredAt: number | undefined;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...(answer ? { answer, answeredAt } : {}), closed, ...(closed ? { closedAt: Date.now() } : {}) });
    };
    const timer = setTimeout(() => finish(false), closeMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (d) => {
      received = Buffer.concat([received, d]);
      if (!answer && received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        answer = received.subarray(4, 4 + received.readInt32BE(0));
        answeredAt = Date.now();
      }
    });
    socket.on('close', () => finish(true));
    // a reset is a close too
    socket.on('error', () => {});
  });
}

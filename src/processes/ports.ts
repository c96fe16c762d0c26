/** Loopback port helpers. */
import net from 'node:net';
import { EnvironmentError } from '../errors.js';

/** A port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function ensurePortFree(port: number, what: string, flag: string): Promise<void> {
  if (!(await isPortFree(port))) {
    throw new EnvironmentError('PORT_IN_USE', `port 127.0.0.1:${port} for ${what} is already in use by another process`, {
      hint: `pick another port with ${flag}, or leave it out and zdp picks a free one`,
      context: { port },
    });
  }
}

/** Distinct free ports. */
export async function freePorts(count: number, avoid: ReadonlySet<number> = new Set()): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const p = await freePort();
    if (!avoid.has(p)) ports.add(p);
  }
  return [...ports];
}

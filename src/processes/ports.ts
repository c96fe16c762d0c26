/** Loopback port helpers. */
import net from 'node:net';
import { EnvironmentError } from '../errors.js';

/**
 * Ports are picked below the ephemeral ranges (Linux 32768-60999, macOS and Windows 49152-65535):
 * a port the OS hands out for port 0 is one it also hands out as the local port of outgoing
 * connections, so a client could take it between the pick and the bind.
 */
const PICK_LOW = 20_000;
const PICK_HIGH = 32_000;
/**
 * Each picked port comes with the next ones free too: the gateway binds its bootstrap port and one
 * port per broker after it.
 */
const BLOCK = 4;

function osPort(): Promise<number> {
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

async function pickBlock(taken: ReadonlySet<number>, block: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = PICK_LOW + Math.floor(Math.random() * (PICK_HIGH - PICK_LOW - block));
    let ok = true;
    for (let i = 0; i < block && ok; i++) ok = !taken.has(base + i) && (await isPortFree(base + i));
    if (ok) return base;
  }
  // a crowded machine: let the OS pick
  for (;;) {
    const p = await osPort();
    if (!taken.has(p)) return p;
  }
}

/** A port that was free a moment ago, with the next few free as well. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The hint for a port in use that a flag sets, where leaving the flag out makes zdp pick a free one. */
export function pickAnother(flag: string): string {
  return `pick another port with ${flag}, or leave it out and zdp picks a free one`;
}

/** Refuses a port another process holds; `hint` says what to do instead. */
export async function ensurePortFree(port: number, what: string, hint: string): Promise<void> {
  if (!(await isPortFree(port))) {
    throw new EnvironmentError('PORT_IN_USE', `port 127.0.0.1:${port} for ${what} is already in use by another process`, {
      hint,
      context: { port },
    });
  }
}

/** Distinct free ports, each with the next `block - 1` free too and none of them in `avoid`. */
export async function freePorts(count: number, avoid: ReadonlySet<number> = new Set(), block = BLOCK): Promise<number[]> {
  const taken = new Set(avoid);
  const ports: number[] = [];
  while (ports.length < count) {
    const p = await pickBlock(taken, block);
    for (let i = 0; i < block; i++) taken.add(p + i);
    ports.push(p);
  }
  return ports;
}

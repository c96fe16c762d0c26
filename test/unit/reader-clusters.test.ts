import { describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { ClusterPool, ReaderClusters, type Cluster } from '../../src/kafka/reader.js';

interface Fake extends Cluster {
  id: number;
  connected: boolean;
  disconnects: number;
}

function factory(failConnect: (n: number) => boolean = () => false) {
  const made: Fake[] = [];
  const make = (): Cluster => {
    const id = made.length;
    const c = {
      id,
      connected: false,
      disconnects: 0,
      connect: async () => {
        if (failConnect(id)) throw new Error(`connect ${id} refused`);
        c.connected = true;
      },
      disconnect: async () => {
        c.disconnects++;
        c.connected = false;
      },
    } as unknown as Fake;
    made.push(c);
    return c;
  };
  return { made, make };
}

describe('ReaderClusters: one connected cluster for a KafkaCluster’s reads', () => {
  it('connects once and shares that cluster between reads, at once and one after another', async () => {
    const { made, make } = factory();
    const readers = new ReaderClusters({} as Kafka, make);
    const [a, b] = await Promise.all([readers.acquire(), readers.acquire()]);
    expect(a).toBe(b);
    await readers.release(a, false);
    await readers.release(b, false);
    expect(await readers.acquire()).toBe(a);
    expect(made).toHaveLength(1);
    expect(made[0]!.disconnects).toBe(0);
    await readers.close();
    expect(made[0]!.disconnects).toBe(1);
  });

  it('retires a cluster a read failed on: the next read gets a new one, the old one goes once its last reader is done', async () => {
    const { made, make } = factory();
    const readers = new ReaderClusters({} as Kafka, make);
    const first = await readers.acquire();
    const alsoFirst = await readers.acquire();
    await readers.release(first, true);
    // another read is still on it: not disconnected yet
    expect(made[0]!.disconnects).toBe(0);
    const second = await readers.acquire();
    expect(second).not.toBe(first);
    await readers.release(alsoFirst, false);
    expect(made[0]!.disconnects).toBe(1);
    await readers.release(second, false);
    expect(made[1]!.disconnects).toBe(0);
    await readers.close();
    expect(made[1]!.disconnects).toBe(1);
  });

  it('forgets a cluster that could not connect, so the next read tries again', async () => {
    const { made, make } = factory((n) => n === 0);
    const readers = new ReaderClusters({} as Kafka, make);
    await expect(readers.acquire()).rejects.toThrow('connect 0 refused');
    // what it opened before it failed is closed
    expect(made[0]!.disconnects).toBe(1);
    const c = await readers.acquire();
    expect((c as Fake).id).toBe(1);
    expect(made).toHaveLength(2);
    await readers.close();
  });
});

describe('ClusterPool: connected clusters kept for record reads, one read at a time on each', () => {
  it('gives reads at once clusters of their own, and a later read one already connected', async () => {
    const { made, make } = factory();
    const pool = new ClusterPool({} as Kafka, 4, make);
    const [a, b] = await Promise.all([pool.acquire(), pool.acquire()]);
    expect(a).not.toBe(b);
    expect(made).toHaveLength(2);
    await pool.release(a, false);
    const c = await pool.acquire();
    expect(c).toBe(a);
    expect(made).toHaveLength(2);
    expect((c as Fake).connected).toBe(true);
    await pool.release(b, false);
    await pool.release(c, false);
    await pool.close();
    expect(made.every((m) => !m.connected && m.disconnects === 1)).toBe(true);
  });

  it('disconnects a cluster whose read failed, and one beyond the idle ones it keeps', async () => {
    const { made, make } = factory();
    const pool = new ClusterPool({} as Kafka, 1, make);
    const [a, b, c] = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    await pool.release(a, true);
    expect(made[0]!.disconnects).toBe(1);
    await pool.release(b, false);
    await pool.release(c, false);
    // one kept idle, the other disconnected
    expect(made.filter((m) => m.connected)).toHaveLength(1);
    const d = await pool.acquire();
    expect(d).toBe(b);
    expect(made).toHaveLength(3);
    await pool.release(d, false);
    await pool.close();
    expect(made.filter((m) => m.connected)).toHaveLength(0);
  });

  it('passes on a failed connect and keeps nothing of it; after close a read given back is disconnected', async () => {
    const { made, make } = factory((n) => n === 0);
    const pool = new ClusterPool({} as Kafka, 4, make);
    await expect(pool.acquire()).rejects.toThrow('connect 0 refused');
    expect(made[0]!.disconnects).toBe(1);
    const a = await pool.acquire();
    await pool.close();
    expect(made[1]!.disconnects).toBe(1);
    await pool.release(a, false);
    const b = await pool.acquire();
    expect(b).not.toBe(a);
    await pool.release(b, false);
    expect((b as Fake).connected).toBe(false);
  });
});

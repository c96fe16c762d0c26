import { describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { ReaderClusters, type Cluster } from '../../src/kafka/reader.js';

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

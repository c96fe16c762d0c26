/**
 * Runs inference next to the reader: in worker threads when the machine has more than one core,
 * in-process otherwise. Record batches go to a worker as fetched (one copy, transferred; the worker
 * decodes them), or packed into transferable buffers when they were decoded already; at most a few
 * are in flight per worker, so memory stays bounded when inference is slower than reading.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TopicSample } from '../core/inference/topic-sample.js';
import type { InferenceOptions } from '../core/inference/json-infer.js';
import type { SampledRecord } from '../kafka/sampler.js';
import { inferRecordSet, packBatch } from './packing.js';
import type { RawRecordSet } from '../kafka/reader.js';

const IN_FLIGHT_PER_WORKER = 2;

export interface InferencePool {
  readonly workers: number;
  add(topic: string, records: readonly SampledRecord[]): Promise<void>;
  /** record batches as fetched: decoded where inference runs (a worker), so the reading thread only reads */
  addRecordSet(topic: string, partition: number, set: RawRecordSet): Promise<void>;
  /** every topic's sample (an empty one for a topic that gave no records); the workers end */
  finish(topics: readonly string[]): Promise<Map<string, TopicSample>>;
  /** ends the workers without their samples (a read that failed); nothing once finished */
  close(): Promise<void>;
}

/**
 * Worker threads to use by default: one per core, up to 4. The reading thread only fetches and
 * hands record batches over undecoded, so on 2 cores two workers decode and infer while it waits
 * on the network (measured: 1 worker 0.51, 2 workers 0.76 of a plain kafkajs consumer's rate).
 */
import { defaultWorkers } from './workers.js';

export { defaultWorkers };

/**
 * Workers start at once: created before the cluster is asked for metadata, they load and are ready
 * by the time the first records arrive (on 2 busy cores that took tens of milliseconds of the read).
 */
export function createInferencePool(options: InferenceOptions, workers = defaultWorkers()): InferencePool {
  const script = fileURLToPath(new URL('./inference-worker.js', import.meta.url));
  // Running from TypeScript sources (tests) there is no compiled worker: infer in-process.
  if (workers <= 0 || !existsSync(script)) return inProcess(options);
  return threaded(options, workers, script);
}

function inProcess(options: InferenceOptions): InferencePool {
  const samples = new Map<string, TopicSample>();
  const sampleOf = (topic: string) => samples.get(topic) ?? samples.set(topic, new TopicSample(topic, options)).get(topic)!;
  return {
    workers: 0,
    async add(topic, records) {
      const s = sampleOf(topic);
      for (const r of records) s.add(r);
    },
    addRecordSet(topic, partition, set) {
      return inferRecordSet(sampleOf(topic), topic, partition, set);
    },
    async finish(topics) {
      return new Map(topics.map((t) => [t, sampleOf(t)]));
    },
    async close() {},
  };
}

function threaded(options: InferenceOptions, count: number, script: string): InferencePool {
  const pool = Array.from({ length: count }, () => {
    const worker = new Worker(script, { workerData: { options } });
    worker.unref();
    return { worker, inFlight: 0, waiters: [] as (() => void)[], failure: undefined as Error | undefined };
  });
  for (const p of pool) {
    p.worker.on('message', (msg: { type: string }) => {
      if (msg.type === 'ack') {
        p.inFlight--;
        p.waiters.shift()?.();
      }
    });
    p.worker.on('error', (e) => {
      p.failure = e;
      for (const w of p.waiters.splice(0)) w();
    });
  }
  let next = 0;
  return {
    workers: count,
    async add(topic, records) {
      if (records.length === 0) return;
      const p = pool[next++ % pool.length]!;
      if (p.failure) throw p.failure;
      while (p.inFlight >= IN_FLIGHT_PER_WORKER) {
        await new Promise<void>((r) => p.waiters.push(r));
        if (p.failure) throw p.failure;
      }
      const batch = packBatch(topic, records);
      p.inFlight++;
      p.worker.postMessage({ type: 'batch', id: next, batch }, [batch.meta.buffer as ArrayBuffer, batch.lengths.buffer as ArrayBuffer, batch.data.buffer as ArrayBuffer]);
    },
    async addRecordSet(topic, partition, set) {
      // one worker per partition keeps each partition's records in order within one sample
      const p = pool[partition % pool.length]!;
      if (p.failure) throw p.failure;
      while (p.inFlight >= IN_FLIGHT_PER_WORKER) {
        await new Promise<void>((r) => p.waiters.push(r));
        if (p.failure) throw p.failure;
      }
      // the fetch response's memory is not ours to give away: one copy, transferred
      const bytes = new Uint8Array(set.bytes.length);
      bytes.set(set.bytes);
      p.inFlight++;
      p.worker.postMessage({ type: 'records', id: ++next, topic, partition, bytes, from: set.from, to: set.to, aborted: set.abortedTransactions }, [bytes.buffer]);
    },
    async finish(topics) {
      const merged = new Map(topics.map((t) => [t, new TopicSample(t, options)]));
      const results = await Promise.all(
        pool.map(
          (p) =>
            new Promise<TopicSample[]>((resolve, reject) => {
              if (p.failure) return reject(p.failure);
              p.worker.on('message', (msg: { type: string; samples?: TopicSample[] }) => {
                if (msg.type === 'result') resolve(msg.samples!);
              });
              p.worker.once('error', reject);
              p.worker.postMessage({ type: 'finish' });
            }),
        ),
      );
      for (const samples of results) for (const s of samples) merged.get(s.topic)?.merge(TopicSample.revive(s));
      await Promise.all(pool.map((p) => p.worker.terminate()));
      return merged;
    },
    async close() {
      await Promise.all(pool.map((p) => p.worker.terminate()));
    },
  };
}

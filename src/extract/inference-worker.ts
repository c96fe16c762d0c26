/**
 * Worker thread of the inference pool: decodes record batches as fetched (or rebuilds records from
 * packed batches) and feeds them to per-topic TopicSamples; on "finish" sends the samples back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TopicSample } from '../core/inference/topic-sample.js';
import type { InferenceOptions } from '../core/inference/json-infer.js';
import { inferRecordSet, unpackBatch, type PackedBatch } from './packing.js';
import type { AbortedTransaction } from '../kafka/protocol/record-batch.js';

const { options } = workerData as { options: InferenceOptions };
const samples = new Map<string, TopicSample>();

function sampleOf(topic: string): TopicSample {
  let sample = samples.get(topic);
  if (!sample) {
    sample = new TopicSample(topic, options);
    samples.set(topic, sample);
  }
  return sample;
}

type RecordsMessage = { type: 'records'; id: number; topic: string; partition: number; bytes: Uint8Array; from: bigint; to: bigint; aborted: AbortedTransaction[] | undefined };

// record sets decode asynchronously (compressed batches): one at a time, in arrival order
let queue = Promise.resolve();

parentPort!.on('message', (msg: { type: 'batch'; id: number; batch: PackedBatch } | RecordsMessage | { type: 'finish' }) => {
  if (msg.type === 'records') {
    queue = queue.then(async () => {
      await inferRecordSet(sampleOf(msg.topic), msg.topic, msg.partition, { bytes: Buffer.from(msg.bytes.buffer, msg.bytes.byteOffset, msg.bytes.byteLength), from: msg.from, to: msg.to, abortedTransactions: msg.aborted });
      parentPort!.postMessage({ type: 'ack', id: msg.id });
    });
  } else if (msg.type === 'batch') {
    const sample = sampleOf(msg.batch.topic);
    unpackBatch(msg.batch, (r) => sample.add(r));
    parentPort!.postMessage({ type: 'ack', id: msg.id });
  } else {
    queue = queue.then(() => void parentPort!.postMessage({ type: 'result', samples: [...samples.values()] }));
  }
});

/**
 * Worker thread of the inference pool: rebuilds records from packed batches and feeds them to
 * per-topic TopicSamples; on "finish" sends the samples back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TopicSample } from '../core/inference/topic-sample.js';
import type { InferenceOptions } from '../core/inference/json-infer.js';
import { unpackBatch, type PackedBatch } from './packing.js';

const { options } = workerData as { options: InferenceOptions };
const samples = new Map<string, TopicSample>();

parentPort!.on('message', (msg: { type: 'batch'; id: number; batch: PackedBatch } | { type: 'finish' }) => {
  if (msg.type === 'batch') {
    let sample = samples.get(msg.batch.topic);
    if (!sample) {
      sample = new TopicSample(msg.batch.topic, options);
      samples.set(msg.batch.topic, sample);
    }
    unpackBatch(msg.batch, (r) => sample.add(r));
    parentPort!.postMessage({ type: 'ack', id: msg.id });
  } else {
    parentPort!.postMessage({ type: 'result', samples: [...samples.values()] });
  }
});

#!/usr/bin/env node
/**
 * Microbenchmark of the per-record inference path, without Kafka: JSON.parse alone, parse + the
 * statistics merge, key detection, and TopicSample.add (what extract does per record).
 *
 *   npm run build && node bench/inference-micro.mjs [--records 200000]
 */
import { StatsNode } from '../dist/core/inference/json-infer.js';
import { TopicSample } from '../dist/core/inference/topic-sample.js';
import { detectEncoding } from '../dist/core/encoding/detect.js';

const i = process.argv.indexOf('--records');
const N = i > 0 ? Number(process.argv[i + 1]) : 200_000;
const statuses = ['NEW', 'PAID', 'SHIPPED', 'CANCELLED'];
const values = [];
const keys = [];
for (let n = 0; n < N; n++) {
  keys.push(Buffer.from(`order-${n}`));
  values.push(Buffer.from(JSON.stringify({
    orderId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, status: statuses[n % 4],
    createdAt: new Date(1790000000000 + n * 1000).toISOString(), amount: (n % 1000) + 0.99, quantity: n % 17,
    customer: { id: `c${n % 5000}`, email: `c${n % 5000}@example.com`, tier: n % 3 ? 'silver' : 'gold' },
    lines: [{ sku: `SKU-${n % 50}`, qty: 1 + (n % 3) }], note: n % 9 ? null : 'gift',
  })));
}
const results = {};
function time(label, fn) {
  let us = 0;
  for (let round = 0; round < 3; round++) {
    const t = performance.now();
    fn();
    us = ((performance.now() - t) * 1000) / N; // last of three rounds: JIT warmed up
  }
  results[label] = Math.round(us * 100) / 100;
}
time('JSON.parse', () => { for (const v of values) JSON.parse(v.toString('utf8')); });
time('JSON.parse + StatsNode.observe', () => { const node = new StatsNode(); for (const v of values) node.observe(JSON.parse(v.toString('utf8'))); });
time('detectEncoding(key)', () => { for (const k of keys) detectEncoding(k); });
time('TopicSample.add (key + value)', () => {
  const s = new TopicSample('t');
  for (let n = 0; n < N; n++) s.add({ partition: n % 12, offset: BigInt(n), timestampMs: n, headers: {}, key: keys[n], value: values[n] });
});
console.log(JSON.stringify({ kind: 'InferenceMicroBenchmark', records: N, node: process.version, microsecondsPerRecord: results }, null, 2));

#!/usr/bin/env node
/**
 * Benchmark: `zdp productize` of one contract with its Markdown and HTML docs, beside the same
 * without docs and the docs of the same product rendered by @asyncapi/generator (the documented
 * way, `zdp product docs --generator`), in the same run. No cluster needed.
 *
 *   npm run build && node bench/productize.mjs [--runs 5]
 *
 * Prints one JSON object with the median and range of each, and peak RSS.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, log, machine, mustZdp, repo } from './lib.mjs';

const RUNS = Number(arg('runs', '5'));
const dir = mkdtempSync(join(tmpdir(), 'zdp-bench-productize-'));
cpSync(join(repo, 'fixtures', 'contracts'), join(dir, 'contracts'), { recursive: true });

const PRODUCTIZE = ['productize', '--contract', 'contracts/orders.created.asyncapi.yaml', '--name', 'orders', '--version', '1.0.0', '--owner', 'checkout', '--no-registry-check', '--json'];

async function measure(name, prepare, args) {
  const times = [];
  let peak = 0;
  for (let i = 0; i < RUNS; i++) {
    prepare();
    const r = await mustZdp(dir, args);
    times.push(r.ms);
    peak = Math.max(peak, r.peakRss);
  }
  times.sort((a, b) => a - b);
  const out = { medianMs: Math.round(times[Math.floor(times.length / 2)]), minMs: Math.round(times[0]), maxMs: Math.round(times[times.length - 1]), peakRssMB: Math.round(peak / 2 ** 20) };
  log(`${name}: ${JSON.stringify(out)}`);
  return out;
}

const fresh = () => rmSync(join(dir, 'products'), { recursive: true, force: true });
try {
  const withDocs = await measure('productize with docs', fresh, PRODUCTIZE);
  const noDocs = await measure('productize --no-docs', fresh, [...PRODUCTIZE, '--no-docs']);
  fresh();
  await mustZdp(dir, [...PRODUCTIZE, '--no-docs']);
  const generator = await measure('product docs --generator', () => rmSync(join(dir, 'gen'), { recursive: true, force: true }), ['product', 'docs', 'orders', '--generator', '--out', 'gen', '--json']);
  process.stdout.write(`${JSON.stringify({ benchmark: 'productize', machine: machine(), runs: RUNS, productizeWithDocs: withDocs, productizeNoDocs: noDocs, generatorDocsOnly: generator }, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

#!/usr/bin/env node
/**
 * Benchmark: the pause a kafkajs producer at its defaults sees across `zdp gateway switch`, and
 * where it goes (the hold before the switch, the cut-off, the client's reconnect after it).
 *
 *   npm run build && node bench/gateway-switch.mjs [--switches 4] [--partitions 12] [--every 20]
 *
 * Starts its own local clusters (Kafka 3.9 and 4.x, one broker each) with `zdp dev up` in a temp
 * directory, creates the topic on both, starts the gateway in front of the first, and sends a batch
 * of 10 records every --every ms through it while it switches back and forth. Prints one JSON object
 * per switch: the longest time between two acknowledgements around it, the switch's own figures,
 * and the producer's retries and reconnects in that gap (kafkajs's log). Stops everything it started.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { arg, log, machine, mustZdp, repo, zdp as zdpIn } from './lib.mjs';

const { freePorts } = await import(join(repo, 'dist/processes/ports.js'));
const { createTopicsAndWait } = await import(join(repo, 'dist/kafka/topics.js'));
const { Kafka, logLevel } = await import('kafkajs');

const SWITCHES = Number(arg('switches', '4'));
const PARTITIONS = Number(arg('partitions', '12'));
const EVERY = Number(arg('every', '20'));
const dir = mkdtempSync(join(tmpdir(), 'zdp-bench-switch-'));
const zdp = (args, timeoutMs) => zdpIn(dir, args, timeoutMs);
const must = (args, timeoutMs) => mustZdp(dir, args, timeoutMs);
const topic = 'bench.switch';
const t0 = performance.now();
const now = () => Math.round(performance.now() - t0);

let running = true;
try {
  log('starting clusters');
  await must(['dev', 'up', 'source']);
  await must(['dev', 'up', 'target']);
  const profiles = parse(readFileSync(join(dir, '.zdp/dev/profiles.yaml'), 'utf8')).clusters;
  for (const name of ['source', 'target']) {
    const admin = new Kafka({ brokers: profiles[name].bootstrapServers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    // every leader answering before the first send (a leader only named refuses it, and kafkajs resends the whole request)
    await createTopicsAndWait(admin, [{ topic, numPartitions: PARTITIONS }]);
    await admin.disconnect();
  }
  const [listen, management] = await freePorts(2);
  await must(['gateway', 'up', '--cluster', 'source', '--cover', 'target', '--listen', `127.0.0.1:${listen}`, '--management-port', String(management)]);
  const events = [];
  const producer = new Kafka({
    brokers: [`127.0.0.1:${listen}`],
    clientId: 'bench-switch',
    logLevel: logLevel.DEBUG,
    logCreator: () => ({ level, log: entry }) => {
      const m = String(entry.message);
      if (level <= logLevel.WARN || /retr|reconnect|disconnect|Connect|refresh|Failed/i.test(m)) events.push({ at: now(), message: m.slice(0, 120), error: entry.error ? String(entry.error).slice(0, 120) : undefined });
    },
  }).producer();
  await producer.connect();
  const acks = [];
  let seq = 0;
  const loop = (async () => {
    while (running) {
      const sentAt = now();
      try {
        await producer.send({ topic, messages: Array.from({ length: 10 }, () => ({ key: `k${seq++}`, value: 'v' })) });
        acks.push({ sentAt, ackedAt: now() });
      } catch (e) {
        events.push({ at: now(), message: `send failed: ${e.message}` });
      }
      await new Promise((r) => setTimeout(r, EVERY));
    }
  })();
  await new Promise((r) => setTimeout(r, 3_000));
  const switches = [];
  for (let i = 0; i < SWITCHES; i++) {
    const to = i % 2 === 0 ? 'target' : 'source';
    const startedAt = now();
    const r = await zdp(['gateway', 'switch', '--to', to, '--json'], 180_000);
    const endedAt = now();
    const out = r.code === 0 ? JSON.parse(r.stdout) : { error: r.stderr.slice(-500) };
    await new Promise((r2) => setTimeout(r2, 3_000));
    // the longest gap between acknowledgements from the switch's start to 3 s after it
    const around = acks.filter((a) => a.ackedAt >= startedAt - 500 && a.ackedAt <= endedAt + 3_000);
    let gap = { ms: 0 };
    for (let k = 1; k < around.length; k++) if (around[k].ackedAt - around[k - 1].ackedAt > gap.ms) gap = { ms: around[k].ackedAt - around[k - 1].ackedAt, from: around[k - 1].ackedAt - startedAt, to: around[k].ackedAt - startedAt };
    switches.push({ to, command: { ms: endedAt - startedAt, heldMs: out.heldMs, cutOffMs: out.cutOffMs, error: out.error }, producerGapMs: gap.ms, gapFromSwitchStartMs: [gap.from, gap.to], afterCommandMs: gap.to !== undefined ? gap.to - (endedAt - startedAt) : undefined, clientEvents: events.filter((e) => e.at >= startedAt + (gap.from ?? 0) && e.at <= startedAt + (gap.to ?? 0)).map((e) => ({ ...e, at: e.at - startedAt })) });
    log(`switch ${i + 1}/${SWITCHES} to ${to}: producer gap ${gap.ms} ms`);
  }
  running = false;
  await loop;
  await producer.disconnect();
  process.stdout.write(`${JSON.stringify({ benchmark: 'gateway-switch', machine: machine(), acknowledged: acks.length * 10, switches }, null, 1)}\n`);
} finally {
  running = false;
  await zdp(['gateway', 'down']).catch(() => {});
  await zdp(['dev', 'down', '--purge', '--yes']).catch(() => {});
}

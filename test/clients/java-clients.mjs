/**
 * Runs test/clients/DefaultClients.java (Java kafka-clients at default settings) as producers and
 * consumers, and collects what they acknowledged and processed in the shape the workload checker
 * (src/demo/workload.ts `check`) reads. Used by the cutover tests and bench/cutover-pause.mjs.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const SOURCE = fileURLToPath(new URL('./DefaultClients.java', import.meta.url));

export class JavaClients {
  /** @param {{ java: string, libDir: string, bootstrap: string }} options */
  constructor(options) {
    this.options = options;
    this.acked = [];
    this.processed = [];
    this.errors = [];
    this.children = [];
    this.lastProcessed = new Map();
    this.maxConsumeGapMs = 0;
    this.maxAckGapMs = 0;
    this.lastAck = new Map();
  }

  spawn(args, onLine) {
    const child = spawn(this.options.java, ['-Xmx256m', '-cp', join(this.options.libDir, '*'), SOURCE, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    createInterface({ input: child.stdout }).on('line', onLine);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    this.children.push({ child, exited });
    return child;
  }

  producer(topic, partitions, rate, firstSeq = 0) {
    this.spawn(['producer', this.options.bootstrap, topic, String(partitions), String(rate), String(firstSeq)], (line) => {
      const [kind, t, a, b, c, d] = line.split(' ');
      if (kind === 'A') {
        const ackedAt = Number(d);
        const prev = this.lastAck.get(t);
        if (prev !== undefined) this.maxAckGapMs = Math.max(this.maxAckGapMs, ackedAt - prev);
        this.lastAck.set(t, Math.max(prev ?? 0, ackedAt));
        this.acked.push({ topic: t, partition: Number(a), seq: Number(b), sentAt: Number(c), ackedAt });
      } else if (kind === 'E') {
        // the first error in full (class, message, causes); the others by class, so a run of them reads as one
        this.errors.push(`${t} ${a}: ${this.errors.length === 0 ? line.split(' ').slice(3).join(' ') : b.replace(/:$/, "")}`);
        this.firstErrorAt ??= Date.now();
      }
    });
  }

  /** `bootstrap`: another address than the one given to the constructor (a fleet's other instance) */
  consumer(group, topics, bootstrap = this.options.bootstrap) {
    this.spawn(['consumer', bootstrap, group, topics.join(',')], (line) => {
      const [kind, t, a, b, c] = line.split(' ');
      if (kind !== 'P') return;
      const at = Number(c);
      const last = this.lastProcessed.get(group);
      if (last !== undefined) this.maxConsumeGapMs = Math.max(this.maxConsumeGapMs, at - last);
      this.lastProcessed.set(group, at);
      this.processed.push({ group, topic: t, partition: Number(a), seq: Number(b), at, committed: true });
    });
  }

  /** Stops producers first (their last acknowledgements arrive), then consumers. */
  async stop(kind) {
    // a producer that stopped getting acknowledgements is paused until now, not only between two of them
    if (kind === undefined || kind === 'producer') for (const last of this.lastAck.values()) this.maxAckGapMs = Math.max(this.maxAckGapMs, Date.now() - last);
    const stopping = this.children.filter(({ child }) => kind === undefined || child.spawnargs.includes(kind));
    for (const { child } of stopping) child.kill('SIGTERM');
    await Promise.all(stopping.map(({ exited }) => Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))])));
  }
}

/** What the bench scripts share: flags, progress lines, running zdp (or any command) in the bench directory, the machine. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const zdpBin = join(repo, 'bin', 'zdp.js');

/** `--name value` from the command line, or the fallback. */
export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

export const log = (...a) => process.stderr.write(`[bench] ${a.join(' ')}\n`);

export function machine() {
  return { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
}

/**
 * Runs a command in `cwd`; resolves with its exit code, output, duration and peak RSS (from /proc).
 * `session`: in a session of its own (setsid), as a command an operator types in a terminal, or a CI
 * job, runs. With Linux's autogroup scheduling, each session shares the CPU as one: in the bench's,
 * a command shares one session's share with every client the bench runs.
 */
export function run(cwd, cmd, args, timeoutMs = 3_600_000, { session = false } = {}) {
  const started = performance.now();
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1' }, detached: session });
    let stdout = '';
    let stderr = '';
    let peakRss = 0;
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    const sampler = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${c.pid}/status`, 'utf8'));
        if (m) peakRss = Math.max(peakRss, Number(m[1]) * 1024);
      } catch {}
    }, 200);
    const t = setTimeout(() => c.kill('SIGTERM'), timeoutMs);
    c.on('close', (code) => {
      clearTimeout(t);
      clearInterval(sampler);
      resolve({ code, stdout, stderr, ms: performance.now() - started, peakRss });
    });
  });
}

/** zdp in `cwd`; `mustZdp` throws with the end of its stderr when it fails. */
export const zdp = (cwd, args, timeoutMs, options) => run(cwd, process.execPath, [zdpBin, ...args], timeoutMs, options);
export async function mustZdp(cwd, args, timeoutMs, options) {
  const r = await zdp(cwd, args, timeoutMs, options);
  if (r.code !== 0) throw new Error(`zdp ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return r;
}

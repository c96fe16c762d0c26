/**
 * `zdp demo` in a directory that already holds a zdp project's state no demo wrote: refused at once,
 * before anything starts, with the usage exit code, and the directory left as it was. (A directory
 * an earlier demo used is cleared and used again: test/integration/demo.test.ts runs the demo twice.)
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runZdp } from '../harness/helpers.js';

describe('zdp demo --dir', () => {
  it("refuses a directory with a project's state that no demo wrote, touching nothing", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'zdp-demo-dir-'));
    const project = join(cwd, 'mine');
    mkdirSync(join(project, '.zdp', 'dev'), { recursive: true });
    writeFileSync(join(project, 'zdp.yaml'), 'clusters: {}\n');
    writeFileSync(join(project, '.zdp', 'dev', 'profiles.yaml'), 'clusters: {}\n');
    const before = readdirSync(project, { recursive: true }).sort();
    for (const [args, env] of [
      [['demo', '--dir', 'mine', '--json'], { CI: 'true' }],
      [['demo', '--dir', project], { COLUMNS: '0' }],
    ] as const) {
      const r = await runZdp([...args], { cwd, env });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      if (args.includes('--json')) expect(JSON.parse(r.stderr)).toMatchObject({ kind: 'Error', code: 'DEMO_DIR_USED', exitCode: 2, hint: expect.stringContaining('zdp demo --dir') });
      else expect(r.stderr).toMatch(/^error: .*mine holds a zdp project's state .* that no demo wrote.*\nhint: +run `zdp demo --dir <a new directory>`/);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+|bug in zdp/);
    }
    expect(readdirSync(project, { recursive: true }).sort()).toEqual(before);
    expect(readFileSync(join(project, 'zdp.yaml'), 'utf8')).toBe('clusters: {}\n');
  });
});

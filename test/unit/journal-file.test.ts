/**
 * The cutover journal on disk and its lease: a torn last line is cut off on open and the next
 * append lands on a line of its own; a failed write (a full disk, /dev/full) leaves no partial line
 * and says what to do; of concurrent processes taking the lease, exactly one holds it; a lease
 * whose holder is gone is broken, one whose holder lives is not.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { completeLength, Journal, takeLease } from '../../src/cutover/journal-file.js';
import { ZdpError } from '../../src/errors.js';

const header = { cutoverId: 'c1', from: 'a', to: 'b', sourceClusterId: 'A', targetClusterId: 'B', topics: ['t'], groups: [], startedAt: '2026-11-23T00:00:00Z' };
const REPO = resolve(import.meta.dirname, '..', '..');

function journalDir(lines: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'zdp-journal-'));
  writeFileSync(join(dir, 'cutover.jsonl'), lines);
  return dir;
}

describe('cutover journal file', () => {
  const start = JSON.stringify({ type: 'start', seq: 0, time: 't', header });
  const begin = JSON.stringify({ type: 'step', seq: 1, time: 't', cutoverId: 'c1', step: 'preflight', state: 'begin' });

  it('cuts a torn last line off on open, says so, and appends on a line of its own', () => {
    const dir = journalDir(`${start}\n${begin}\n{"type":"step","seq":2,"ti`);
    const said: string[] = [];
    const j = new Journal(dir, (l) => said.push(l));
    expect(said.join('\n')).toContain('cut short');
    expect(j.current.inProgress).toBe('preflight');
    j.append({ type: 'step', cutoverId: 'c1', step: 'preflight', state: 'done', data: {} });
    j.append({ type: 'step', cutoverId: 'c1', step: 'fence', state: 'begin' });
    const lines = readFileSync(join(dir, 'cutover.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.seq)).toEqual([0, 1, 2, 3]);
    expect(new Journal(dir).current.inProgress).toBe('fence');
  });

  it('terminates a complete last line that lost only its newline', () => {
    const dir = journalDir(`${start}\n${begin}`);
    const j = new Journal(dir);
    j.append({ type: 'step', cutoverId: 'c1', step: 'preflight', state: 'done', data: {} });
    expect(readFileSync(join(dir, 'cutover.jsonl'), 'utf8').split('\n')).toHaveLength(4);
    expect(completeLength('{"a":1}\n{"b"')).toEqual({ keep: 8, terminate: false });
  });

  it('still refuses damage in the middle, with a hint that does not assume the clusters are untouched', () => {
    const dir = journalDir(`${start}\nnot json\n${begin}\n`);
    expect(() => new Journal(dir)).toThrow(/damaged/);
    try {
      new Journal(dir);
    } catch (e) {
      expect((e as ZdpError).exitCode).toBe(3);
      expect((e as ZdpError).hint).toContain('zdp gateway status');
    }
  });

  it('turns a full disk into a clear error and leaves no partial line (/dev/full)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zdp-journal-'));
    const j = new Journal(dir);
    // the journal's next write lands on a device that is always full
    symlinkSync('/dev/full', join(dir, 'cutover.jsonl'));
    let error: unknown;
    try {
      j.append({ type: 'start', header });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ZdpError);
    expect((error as ZdpError).code).toBe('DISK_FULL');
    expect((error as ZdpError).exitCode).toBe(9);
    expect((error as ZdpError).hint).toContain('--resume');
    // nothing was recorded in memory either: the next append would carry the same seq
    expect(j.current.nextSeq).toBe(0);
  });
});

describe('cutover lease', () => {
  it('of eight processes taking the lease at once, exactly one holds it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zdp-lease-'));
    const script = `
      import { takeLease } from ${JSON.stringify(join(REPO, 'dist/cutover/journal-file.js'))};
      try { takeLease(process.argv[1]); console.log('held'); await new Promise((r) => setTimeout(r, 1500)); }
      catch (e) { console.log(e.code ?? e.message); }`;
    const run = promisify(execFile);
    const results = await Promise.all(Array.from({ length: 8 }, () => run(process.execPath, ['--input-type=module', '-e', script, dir]).then((r) => r.stdout.trim())));
    expect(results.filter((r) => r === 'held')).toHaveLength(1);
    expect(results.filter((r) => r === 'CUTOVER_LOCKED')).toHaveLength(7);
  });

  it('breaks a lease whose holder is gone, and keeps one whose holder lives', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zdp-lease-'));
    writeFileSync(join(dir, 'cutover.lock'), '2147483646 1\n');
    const release = takeLease(dir);
    expect(readFileSync(join(dir, 'cutover.lock'), 'utf8').split(' ')[0]).toBe(String(process.pid));
    release();
    expect(existsSync(join(dir, 'cutover.lock'))).toBe(false);
    // pid 1 lives (another start time than recorded would make it gone; none recorded: it holds)
    writeFileSync(join(dir, 'cutover.lock'), '1\n');
    expect(() => takeLease(dir)).toThrow(/another zdp cutover \(pid 1\)/);
    // an empty lease names nobody: not provably stale, so it is not broken
    writeFileSync(join(dir, 'cutover.lock'), '');
    expect(() => takeLease(dir)).toThrow(/names no process/);
  });
});

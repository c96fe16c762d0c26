/**
 * The cutover journal on disk: JSON lines, each appended whole and fsynced, one writer at a time
 * (a lease file). A last line cut short (power loss, a full disk, a kill mid-write) is truncated
 * when the journal is opened, so the next line never lands glued onto it.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, EnvironmentError, UsageError } from '../errors.js';
import { parseJournal, replay, type JournalLine, type JournalState } from '../core/cutover/journal.js';
import { processGone, processStartTime } from '../processes/pid.js';
import { fsyncDir } from '../atomic-file.js';

type NewLine = JournalLine extends infer L ? (L extends JournalLine ? Omit<L, 'seq' | 'time'> : never) : never;

const bigintSafe = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

/**
 * Where the complete lines of a journal end: after the last '\n' whose line parses, or at the end
 * when the last line is complete JSON without its '\n' (it is kept and terminated).
 */
export function completeLength(text: string): { keep: number; terminate: boolean } {
  if (text.length === 0 || text.endsWith('\n')) return { keep: Buffer.byteLength(text), terminate: false };
  const cut = text.lastIndexOf('\n') + 1;
  const last = text.slice(cut);
  try {
    JSON.parse(last);
    return { keep: Buffer.byteLength(text), terminate: true };
  } catch {
    return { keep: Buffer.byteLength(text.slice(0, cut)), terminate: false };
  }
}

export class Journal {
  readonly file: string;
  private lines: JournalLine[];
  private state: JournalState;

  /** @param log told when a torn last line is removed */
  constructor(dir: string, log: (line: string) => void = () => {}) {
    this.file = join(dir, 'cutover.jsonl');
    Journal.repair(this.file, log);
    this.lines = Journal.readLines(this.file);
    this.state = replay(this.lines);
  }

  /** Truncates a torn last line (and terminates a complete one that lacks its newline). */
  static repair(file: string, log: (line: string) => void = () => {}): void {
    if (!existsSync(file)) return;
    const text = readFileSync(file, 'utf8');
    const { keep, terminate } = completeLength(text);
    const size = Buffer.byteLength(text);
    if (keep === size && !terminate) return;
    const fd = openSync(file, 'r+');
    try {
      if (keep < size) {
        ftruncateSync(fd, keep);
        log(`the cutover journal's last line was cut short (${size - keep} bytes, a crash or a full disk mid-write): removed it; the step it began runs again`);
      }
      if (terminate) writeSync(fd, '\n', keep);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private static readLines(file: string): JournalLine[] {
    if (!existsSync(file)) return [];
    try {
      return parseJournal(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError('JOURNAL_INVALID', `the cutover journal ${file} is damaged: ${(e as Error).message}`, {
        hint: 'a line in the middle is not JSON, so zdp cannot tell how far the cutover got: check where clients are with `zdp gateway status` before moving the journal aside (if the gateway is fenced, `zdp gateway switch` brings clients back)',
      });
    }
  }

  static read(file: string): JournalState {
    Journal.repair(file);
    return replay(Journal.readLines(file));
  }

  get current(): JournalState {
    return this.state;
  }

  /**
   * Appends one line whole, or nothing: every byte is written and fsynced; a write that fails (a
   * full disk) is cut back to the last complete line before the error is raised.
   */
  append(line: NewLine): void {
    const full = { ...line, seq: this.state.nextSeq, time: new Date().toISOString() } as JournalLine;
    const bytes = Buffer.from(`${JSON.stringify(full, bigintSafe)}\n`, 'utf8');
    const dir = dirname(this.file);
    const created = !existsSync(this.file);
    mkdirSync(dir, { recursive: true });
    const fd = openSync(this.file, 'a');
    const before = fstatSync(fd).size;
    try {
      let written = 0;
      while (written < bytes.length) {
        const n = writeSync(fd, bytes, written, bytes.length - written);
        if (n <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
        written += n;
      }
      fsyncSync(fd);
    } catch (e) {
      try {
        ftruncateSync(fd, before);
        fsyncSync(fd);
      } catch {
        // the torn line is removed on the next open
      }
      const code = (e as NodeJS.ErrnoException).code;
      throw new EnvironmentError(code === 'ENOSPC' || code === 'EDQUOT' ? 'DISK_FULL' : 'JOURNAL_WRITE_FAILED', `cannot write the cutover journal ${this.file}: ${code === 'ENOSPC' || code === 'EDQUOT' ? 'the disk is full' : (e as Error).message}`, {
        hint: 'free some space, then run the same command with --resume: the journal holds every step completed so far',
        cause: e,
      });
    } finally {
      closeSync(fd);
    }
    if (created) fsyncDir(dir);
    this.lines.push(full);
    this.state = replay(this.lines);
  }
}

interface LeaseHolder {
  pid: number;
  start?: string;
}

function readHolder(file: string): LeaseHolder | undefined {
  try {
    const [pid, start] = readFileSync(file, 'utf8').trim().split(/\s+/);
    const n = Number(pid);
    return Number.isInteger(n) && n > 0 ? { pid: n, ...(start ? { start } : {}) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the cutover lease for this migration, or says who holds it. The lease is written whole to a
 * file of its own and then linked into place (atomic: no reader ever sees it empty). A lease is only
 * broken when its holder is provably gone (no such pid, or a pid with another start time).
 */
export function takeLease(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'cutover.lock');
  const start = processStartTime(process.pid);
  const mine = join(dir, `.cutover.lock.${process.pid}.${Date.now()}`);
  const fd = openSync(mine, 'w');
  writeSync(fd, `${process.pid} ${start ?? ''}\n`);
  fsyncSync(fd);
  closeSync(fd);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(mine, file);
        fsyncDir(dir);
        return () => {
          // release only our own lease
          const holder = readHolder(file);
          if (holder?.pid === process.pid) rmSync(file, { force: true });
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const seen = statSync(file, { throwIfNoEntry: false });
      const holder = readHolder(file);
      if (!seen) continue;
      if (!holder) {
        throw new UsageError(`the cutover lease ${file} is held but names no process`, { code: 'CUTOVER_LOCKED', hint: 'if no zdp cutover runs for this migration (check with `ps`), delete the file and run again with --resume' });
      }
      if (holder.pid !== process.pid && !processGone(holder.pid, holder.start)) {
        throw new UsageError(`another zdp cutover (pid ${holder.pid}) is working on this migration`, { code: 'CUTOVER_LOCKED', hint: `wait for it, or stop it and run again with --resume (lease: ${file})` });
      }
      // the holder is gone: move its lease aside, and give it back if another process took the lease meanwhile
      const stale = `${file}.stale.${process.pid}`;
      try {
        renameSync(file, stale);
      } catch {
        continue;
      }
      const moved = statSync(stale, { throwIfNoEntry: false });
      if (moved && moved.ino !== seen.ino) {
        try {
          linkSync(stale, file);
        } catch {
          // someone else holds it now
        }
        rmSync(stale, { force: true });
        const now = readHolder(file);
        throw new UsageError(`another zdp cutover (pid ${now?.pid ?? '?'}) is working on this migration`, { code: 'CUTOVER_LOCKED', hint: `wait for it, or stop it and run again with --resume (lease: ${file})` });
      }
      rmSync(stale, { force: true });
    }
    throw new UsageError(`could not take the cutover lease ${file}`, { code: 'CUTOVER_LOCKED', hint: 'another zdp cutover may be starting: run again in a moment' });
  } finally {
    rmSync(mine, { force: true });
  }
}

/** The cutover journal on disk: appended with fsync; one writer at a time (a lease file). */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import { parseJournal, replay, type JournalLine, type JournalState } from '../core/cutover/journal.js';

type NewLine = JournalLine extends infer L ? (L extends JournalLine ? Omit<L, 'seq' | 'time'> : never) : never;

const bigintSafe = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

export class Journal {
  readonly file: string;
  private state: JournalState;

  constructor(dir: string) {
    this.file = join(dir, 'cutover.jsonl');
    this.state = Journal.read(this.file);
  }

  static read(file: string): JournalState {
    if (!existsSync(file)) return replay([]);
    try {
      return replay(parseJournal(readFileSync(file, 'utf8')));
    } catch (e) {
      throw new ConfigError('JOURNAL_INVALID', `the cutover journal ${file} is damaged: ${(e as Error).message}`, { hint: 'move it aside to start a new cutover (the clusters are unchanged by that)' });
    }
  }

  get current(): JournalState {
    return this.state;
  }

  append(line: NewLine): void {
    const full = { ...line, seq: this.state.nextSeq, time: new Date().toISOString() } as JournalLine;
    mkdirSync(dirname(this.file), { recursive: true });
    const fd = openSync(this.file, 'a');
    try {
      writeSync(fd, `${JSON.stringify(full, bigintSafe)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.state = replay(parseJournal(readFileSync(this.file, 'utf8')));
  }
}

/** Takes the cutover lease for this migration, or says who holds it. */
export function takeLease(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'cutover.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new UsageError(`another zdp cutover (pid ${pid}) is working on this migration`, { code: 'CUTOVER_LOCKED', hint: `wait for it, or stop it and run again with --resume (lease: ${file})` });
      }
      rmSync(file, { force: true }); // the holder died: the journal says how far it got
    }
  }
  throw new UsageError(`could not take the cutover lease ${file}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

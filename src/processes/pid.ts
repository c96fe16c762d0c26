/**
 * Which process a recorded pid is: zdp signals a process only when the pid is alive, its command
 * line names zdp's directory for it, and its start time is the one recorded when zdp started it (a
 * recycled pid has another start time).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The process's start time as the kernel gives it (clock ticks since boot on Linux), or undefined when it is gone. */
export function processStartTime(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces: fields count from its close
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    // no /proc (macOS): ps says it
  }
  try {
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out || undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, owned by someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when `pid` is alive and is zdp's process for `dir`: its command line names the directory
 * (where /proc shows it) and, when a start time was recorded, it started then.
 */
export function isOurProcess(pid: number | undefined, dir: string, startTime?: string): boolean {
  if (!pid || !Number.isInteger(pid) || pid <= 0 || !alive(pid)) return false;
  if (startTime !== undefined && processStartTime(pid) !== startTime) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    // no /proc (macOS): the start time decided, where one was recorded
    return true;
  }
}

/** True when the process is provably gone (or is another process now, by its start time). */
export function processGone(pid: number, startTime?: string): boolean {
  if (!alive(pid)) return true;
  return startTime !== undefined && processStartTime(pid) !== startTime;
}

/** `<pid>:<start time>`, kept in state files beside the pid it describes. */
export function stampProcess(pid: number): string | undefined {
  const start = processStartTime(pid);
  return start === undefined ? undefined : `${pid}:${start}`;
}

/** The start time a stamp records for `pid` (undefined when the stamp is for another pid or absent). */
export function stampedStart(pid: number | undefined, stamp: string | undefined): string | undefined {
  return pid !== undefined && stamp?.startsWith(`${pid}:`) ? stamp.slice(String(pid).length + 1) : undefined;
}

/** Keeps a record's stamp in step with its pid before the record is written. */
export function restamp(record: { pid?: number | undefined; pidStamp?: string | undefined }): void {
  if (record.pid === undefined) delete record.pidStamp;
  else if (stampedStart(record.pid, record.pidStamp) === undefined) {
    const stamp = stampProcess(record.pid);
    if (stamp) record.pidStamp = stamp;
    else delete record.pidStamp;
  }
}

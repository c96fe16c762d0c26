/** Recorded pids: zdp signals a process only when its start time and command line still match. */
import { describe, expect, it } from 'vitest';
import { isOurProcess, processGone, processStartTime, restamp, stampedStart } from '../../src/processes/pid.js';

describe('recorded processes', () => {
  it('tells this process from a recycled pid by its start time', () => {
    const start = processStartTime(process.pid);
    expect(start).toBeDefined();
    expect(processStartTime(process.pid)).toBe(start);
    // this test's own process, recorded with the wrong start time, is "another process now"
    expect(isOurProcess(process.pid, '', 'not-the-start-time')).toBe(false);
    expect(processGone(process.pid, 'not-the-start-time')).toBe(true);
    expect(processGone(process.pid, start)).toBe(false);
    expect(processGone(2147483646)).toBe(true);
    expect(isOurProcess(2147483646, '/')).toBe(false);
  });

  it('keeps a state record stamp in step with its pid', () => {
    const record: { pid?: number; pidStamp?: string } = { pid: process.pid };
    restamp(record);
    expect(stampedStart(process.pid, record.pidStamp)).toBe(processStartTime(process.pid));
    // a new pid copied over an old record gets its own stamp, never the old one
    record.pid = process.ppid;
    restamp(record);
    expect(record.pidStamp?.startsWith(`${process.ppid}:`)).toBe(true);
    delete record.pid;
    restamp(record);
    expect(record.pidStamp).toBeUndefined();
  });
});

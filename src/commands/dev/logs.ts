/** `zdp dev logs <name> [-n N] [-f]`: the last lines of a local cluster's broker log. */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parseInteger } from '../../cli/flags.js';
import type { Runtime } from '../../cli/runtime.js';
import { NotFoundError } from '../../errors.js';
import { lastLogLines, logFile, readRecord } from '../../processes/dev-clusters.js';
import { parseDevNames, stateDirOf } from './shared.js';

export interface LogsOptions {
  stateDir: string;
  name: string;
  lines: number;
  follow: boolean;
}

export function parseLogsOptions(name: string, flags: { lines: string; follow: boolean }, rt: ParseContext): LogsOptions {
  return { stateDir: stateDirOf(rt), name: parseDevNames([name])[0]!, lines: parseInteger(flags.lines, '--lines', { min: 1, max: 100_000 }), follow: flags.follow };
}

export async function runLogs(options: LogsOptions, rt: Runtime): Promise<View> {
  const { stateDir, name } = options;
  if (!readRecord(stateDir, name)) throw new NotFoundError('DEV_CLUSTER_NOT_FOUND', `there is no local cluster named "${name}"`, { hint: 'see `zdp dev status`' });
  const file = logFile(stateDir, name);
  const text = lastLogLines(stateDir, name, options.lines);
  if (!options.follow || !existsSync(file)) return { kind: 'DevLogs', data: { name, file, lines: text ? text.split('\n') : [] }, text };
  // following is a stream, not a result: lines go out as they come until Ctrl-C
  if (text) rt.io.out(text);
  let offset = statSync(file).size;
  while (!rt.signal.aborted) {
    await new Promise((r) => setTimeout(r, 500));
    const size = statSync(file).size;
    if (size > offset) {
      const fd = openSync(file, 'r');
      const buf = Buffer.alloc(size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      closeSync(fd);
      rt.io.stdout.write(buf.toString('utf8'));
      offset = size;
    }
  }
  return { kind: 'DevLogs', data: { name, file }, document: '' };
}

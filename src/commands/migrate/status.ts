/** `zdp migrate status --from a --to b [--wait]`: per partition, source end, what MirrorMaker 2 copied, lag in records. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parseRecordCount, parseSeconds } from '../../cli/flags.js';
import { renderTable } from '../../cli/render/table.js';
import type { Runtime } from '../../cli/runtime.js';
import { parsePair, type Pair } from '../../cli/sides.js';
import { CheckFailedError, NotFoundError, isZdpError } from '../../errors.js';
import { waitLine, type PartitionProgress } from '../../core/migration/lag.js';
import { mm2LogFile, readMm2 } from '../../processes/mirror-maker.js';
import { engineOf, migrationDir, replicationStatus } from './shared.js';

export interface StatusFlags {
  from: string;
  to: string;
  wait: boolean;
  maxLag: string;
  timeout: string;
}

export interface StatusOptions {
  pair: Pair;
  wait: boolean;
  maxLag: bigint;
  timeoutMs: number;
}

export function parseStatusOptions(flags: StatusFlags, rt: ParseContext): StatusOptions {
  return {
    maxLag: parseRecordCount(flags.maxLag, '--max-lag'),
    timeoutMs: parseSeconds(flags.timeout, '--timeout', { min: 1, max: 7 * 86_400 }),
    wait: flags.wait,
    pair: parsePair(flags.from, flags.to, rt),
  };
}

export async function runStatus(options: StatusOptions, rt: Runtime): Promise<View> {
  const { pair, maxLag } = options;
  const from = pair.source.name;
  const to = pair.target.name;
  const dir = migrationDir(rt.config().stateDir, from, to);
  const record = readMm2(dir);
  const engine = engineOf(rt, from, to);
  if (!record) throw new NotFoundError('MIGRATION_NOT_STARTED', `MirrorMaker 2 was never started for ${from} -> ${to}`, { hint: `zdp migrate start --from ${from} --to ${to}` });
  const deadline = performance.now() + options.timeoutMs;
  // while waiting, a transient error (MM2 just created its offsets topic, a coordinator moves) is retried
  const read = async (): Promise<PartitionProgress[]> => {
    for (;;) {
      try {
        return await replicationStatus(rt, pair, record.topics);
      } catch (error) {
        if (!options.wait || performance.now() >= deadline || !isZdpError(error) || (error.category !== 'connection' && error.category !== 'notFound')) throw error;
        rt.io.debug(`retrying after: ${error.message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };
  let rows = await read();
  let total = rows.reduce((n, r) => n + r.lag, 0n);
  // a live line on a terminal (lag per topic, copy rate, time left); elsewhere a line every 10 s
  const spinner = options.wait && total > maxLag ? await rt.io.spinner(`waiting until the lag is at most ${maxLag} records (now ${total})…`) : undefined;
  const waitStarted = performance.now();
  let lastLine = waitStarted;
  let previous = { total, at: waitStarted };
  while (options.wait && total > maxLag && performance.now() < deadline && !rt.signal.aborted) {
    if (!(await engine?.running())) break;
    await new Promise((r) => setTimeout(r, 1000));
    rows = await read();
    total = rows.reduce((n, r) => n + r.lag, 0n);
    const now = performance.now();
    const line = waitLine(rows, total, previous, now, deadline);
    previous = { total, at: now };
    spinner?.update(line);
    if (!rt.io.animate && now - lastLine >= 10_000) {
      rt.io.info(line);
      lastLine = now;
    }
  }
  spinner?.stop();
  const running = (await engine?.running()) ?? false;
  const failure = options.wait && total > maxLag ? new CheckFailedError('LAG_ABOVE_THRESHOLD', `replication lag is ${total} records, above ${maxLag}${running ? ` after ${options.timeoutMs / 1000}s` : ' and MirrorMaker 2 is not running'}`, { hint: running ? 'wait longer with --timeout, or see `zdp migrate status` for the partitions behind' : `start it again with \`zdp migrate start --from ${from} --to ${to}\`` }) : undefined;
  return {
    kind: 'MigrationStatus',
    data: { from, to, running, totalLag: total, partitions: rows, log: mm2LogFile(dir) },
    text: `MirrorMaker 2 ${running ? 'running' : 'NOT running'}; total lag ${total} records\n${renderTable(['TOPIC', 'PARTITION', 'SOURCE END', 'COPIED UP TO', 'TARGET END', 'LAG'], rows.map((r) => [r.topic, String(r.partition), String(r.sourceEnd), r.next === undefined ? '-' : String(r.next), r.targetEnd === undefined ? '-' : String(r.targetEnd), String(r.lag)]))}`,
    ...(running ? {} : { warnings: [`MirrorMaker 2 is not running: start it again with \`zdp migrate start --from ${from} --to ${to}\` (it resumes from its committed offsets); log: ${mm2LogFile(dir)}`] }),
    ...(failure ? { failure } : {}),
  };
}

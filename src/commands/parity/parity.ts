/** `zdp parity --from a --to b`: offset and data parity between a source and its MirrorMaker 2 copy. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parseGlobs, parseInteger } from '../../cli/flags.js';
import { keepHeapNearLiveSize } from '../../cli/heap.js';
import { renderTable } from '../../cli/render/table.js';
import type { Runtime } from '../../cli/runtime.js';
import { parsePair, selectSourceTopics, withSides, type Pair } from '../../cli/sides.js';
import { CheckFailedError, PartialError } from '../../errors.js';
import { runParity as compareParity, type GroupParity, type ParityReport } from '../../offsets/parity.js';

export interface ParityFlags {
  from: string;
  to: string;
  topic: string[];
  exclude: string[];
  group: string[];
  tail: string;
  allowLag: boolean;
}

export interface ParityOptions {
  pair: Pair;
  topics: string[];
  exclude: string[];
  groups: string[];
  tail: number;
  allowLag: boolean;
}

export function parseParityOptions(flags: ParityFlags, rt: ParseContext): ParityOptions {
  return {
    topics: parseGlobs(flags.topic, '--topic'),
    exclude: parseGlobs(flags.exclude, '--exclude'),
    groups: parseGlobs(flags.group, '--group'),
    tail: parseInteger(flags.tail, '--tail', { min: 0, max: 10_000 }),
    allowLag: flags.allowLag,
    pair: parsePair(flags.from, flags.to, rt),
  };
}

function describe(o: GroupParity): string {
  const t = o.translation;
  switch (t.kind) {
    case 'exact':
      return String(t.target);
    case 'caught-up':
      return `${t.target} (end)`;
    case 'not-replicated':
      return 'not replicated yet';
    case 'diverged':
      return 'DIVERGED';
    case 'below-log-start':
      return `below log start ${t.logStart}`;
    case 'beyond-end':
      return `beyond end ${t.end}`;
  }
}

export function renderParity(r: ParityReport): string {
  const lines = [
    `${r.summary.partitions} partitions: ${r.summary.ok} ok, ${r.summary.lagging} lagging, ${r.summary.mismatch} mismatched; ${r.summary.groupPartitions} group offsets translated${r.summary.groupPartitions ? `; MirrorMaker 2's checkpoints alone would re-read ${r.summary.mm2ReRead} and skip ${r.summary.mm2Skipped} records` : ''}`,
    '',
    renderTable(
      ['TOPIC', 'PARTITION', 'SOURCE END', 'TARGET END', 'TAIL MATCH', 'STATUS'],
      r.partitions.map((p) => [p.topic, String(p.partition), String(p.source.high), p.target ? String(p.target.high) : '-', `${p.tailMatched}/${p.tailChecked}`, p.status + (p.reason && p.status !== 'ok' ? `: ${p.reason}` : '')]),
    ),
  ];
  if (r.groupErrors.length > 0) {
    lines.push('', renderTable(['GROUP', 'NOT READ'], r.groupErrors.map((g) => [g.group, g.reason])));
  }
  if (r.offsets.length > 0) {
    lines.push(
      '',
      renderTable(
        ['GROUP', 'TOPIC', 'PARTITION', 'SOURCE', 'EXACT TARGET', 'TARGET COMMITTED', 'MM2', 'MM2 ERROR'],
        r.offsets.map((o) => [o.group, o.topic, String(o.partition), String(o.sourceCommitted), describe(o), o.targetCommitted === undefined ? '-' : String(o.targetCommitted), o.mm2 === undefined ? '-' : `${o.mm2} (${o.mm2From})`, o.mm2Error === undefined ? '-' : o.mm2Error > 0 ? `re-reads ${o.mm2Error}` : o.mm2Error < 0 ? `skips ${-o.mm2Error}` : 'exact']),
      ),
    );
  }
  return lines.join('\n');
}

export async function runParity(options: ParityOptions, rt: Runtime): Promise<View> {
  const { pair } = options;
  const from = pair.source.name;
  const to = pair.target.name;
  keepHeapNearLiveSize();
  const spinner = await rt.io.spinner('comparing source and target…');
  const started = performance.now();
  let report: ParityReport;
  try {
    report = await withSides(rt, pair, async (source, target) => compareParity(source, target, { topics: await selectSourceTopics(source, options.topics, options.exclude), groupPatterns: options.groups, tail: options.tail }));
  } finally {
    spinner.stop();
  }
  const durationMs = Math.round(performance.now() - started);
  const lagging = report.summary.lagging + report.offsets.filter((o) => o.status === 'lagging').length;
  const unreadPartitions = report.summary.errors - report.summary.groupErrors;
  const unread = [unreadPartitions > 0 ? `${unreadPartitions} partition${unreadPartitions === 1 ? '' : 's'}` : '', report.summary.groupErrors > 0 ? `${report.summary.groupErrors} group${report.summary.groupErrors === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ');
  const failure = report.summary.errors > 0
    ? new PartialError('PARITY_PARTIAL', `${unread} could not be read; the report covers the others`, { hint: `see ${[unreadPartitions > 0 ? 'the partitions with status "error"' : '', report.summary.groupErrors > 0 ? 'groupErrors' : ''].filter(Boolean).join(' and ')}, and run the command again` })
    : report.summary.mismatch > 0
    ? new CheckFailedError('PARITY_MISMATCH', `${report.summary.mismatch} mismatch${report.summary.mismatch === 1 ? '' : 'es'} between ${from} and ${to}`, { hint: 'a missing topic needs `zdp migrate`; diverged records mean something other than MirrorMaker 2 writes to the target' })
    : lagging > 0 && !options.allowLag
      ? new CheckFailedError('PARITY_LAGGING', `${report.summary.lagging} partition${report.summary.lagging === 1 ? '' : 's'} not fully replicated yet`, { hint: 'wait with `zdp migrate status --wait`, or pass --allow-lag' })
      : undefined;
  return { kind: 'Parity', data: { from, to, durationMs, ...report }, text: () => renderParity(report), ...(failure ? { failure } : {}) };
}

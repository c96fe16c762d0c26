/** `zdp parity --from a --to b`: offset and data parity between a source and its MirrorMaker 2 copy. */
import { Option, type Command } from 'commander';
import type { CommandContext } from '../cli/main.js';
import { renderTable } from '../cli/render/table.js';
import { CheckFailedError, UsageError } from '../errors.js';
import { runParity, type GroupParity, type ParityReport } from '../offsets/parity.js';
import { selectSourceTopics, withSides } from '../cli/sides.js';
import { ZDP_VERSION } from '../version.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

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

export function registerParity(program: Command, ctx: CommandContext): void {
  program
    .command('parity')
    .description("check offset and data parity between a source and its copy: exact group offsets, tail fingerprints, and MirrorMaker 2's own translation")
    .requiredOption('--from <cluster>', 'source cluster profile')
    .requiredOption('--to <cluster>', 'target cluster profile')
    .addOption(new Option('--topic <pattern>', 'topic name or glob; repeatable (default: all but internal)').argParser(collect).default([]))
    .addOption(new Option('--exclude <pattern>', 'topic name or glob to leave out; repeatable').argParser(collect).default([]))
    .addOption(new Option('--group <pattern>', 'consumer group name or glob; repeatable (default: all but tool groups)').argParser(collect).default([]))
    .option('--tail <n>', 'newest records per partition to compare by fingerprint', '8')
    .option('--allow-lag', 'partitions still replicating do not fail the check', false)
    .action(async (flags: { from: string; to: string; topic: string[]; exclude: string[]; group: string[]; tail: string; allowLag: boolean }) => {
      const rt = ctx.runtime();
      const tail = Number(flags.tail);
      if (!Number.isInteger(tail) || tail < 0) throw new UsageError(`--tail ${flags.tail}: expected a whole number`);
      const spinner = await rt.io.spinner('comparing source and target…');
      let report: ParityReport;
      const started = performance.now();
      try {
        report = await withSides(rt, flags.from, flags.to, async (source, target) => runParity(source, target, { topics: await selectSourceTopics(source, flags.topic, flags.exclude), groupPatterns: flags.group, tail }));
      } finally {
        spinner.stop();
      }
      const durationMs = Math.round(performance.now() - started);
      if (rt.globals.json) rt.io.outJson({ kind: 'Parity', version: 1, zdpVersion: ZDP_VERSION, from: flags.from, to: flags.to, durationMs, ...report });
      else rt.io.out(renderParity(report));
      if (report.summary.mismatch > 0) throw new CheckFailedError('PARITY_MISMATCH', `${report.summary.mismatch} mismatch${report.summary.mismatch === 1 ? '' : 'es'} between ${flags.from} and ${flags.to}`, { hint: 'a missing topic needs `zdp migrate`; diverged records mean something other than MirrorMaker 2 writes to the target' });
      const lagging = report.summary.lagging + report.offsets.filter((o) => o.status === 'lagging').length;
      if (lagging > 0 && !flags.allowLag) throw new CheckFailedError('PARITY_LAGGING', `${report.summary.lagging} partition${report.summary.lagging === 1 ? '' : 's'} not fully replicated yet`, { hint: 'wait with `zdp migrate status --wait`, or pass --allow-lag' });
    });
}

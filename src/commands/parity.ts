/** `zdp parity --from a --to b`: offset and data parity between a source and its MirrorMaker 2 copy. */
import { Option, type Command } from 'commander';
import type { CommandContext } from '../cli/main.js';
import type { Runtime } from '../cli/runtime.js';
import { renderTable } from '../cli/render/table.js';
import { CheckFailedError, NotFoundError, UsageError } from '../errors.js';
import { getCluster } from '../config/load.js';
import { selectTopics } from '../core/sampling.js';
import { connectAdmin } from '../kafka/client.js';
import { runParity, type GroupParity, type ParityReport } from '../offsets/parity.js';
import type { Side } from '../offsets/translation.js';
import { ZDP_VERSION } from '../version.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export async function withSides<T>(rt: Runtime, from: string, to: string, fn: (source: Side, target: Side) => Promise<T>): Promise<T> {
  const config = rt.config();
  const sp = getCluster(config, from);
  const tp = getCluster(config, to);
  if (sp.name === tp.name) throw new UsageError('--from and --to name the same cluster');
  const s = await connectAdmin(sp, { env: rt.env, log: rt.kafkaLog, clientId: 'zdp-parity' });
  try {
    const t = await connectAdmin(tp, { env: rt.env, log: rt.kafkaLog, clientId: 'zdp-parity' });
    try {
      return await fn({ kafka: s.kafka, admin: s.admin, profile: sp }, { kafka: t.kafka, admin: t.admin, profile: tp });
    } finally {
      await t.admin.disconnect().catch(() => {});
    }
  } finally {
    await s.admin.disconnect().catch(() => {});
  }
}

export async function selectSourceTopics(source: Side, include: string[], exclude: string[]): Promise<string[]> {
  const all = await source.admin.listTopics();
  const { selected, unmatched } = selectTopics(all, include, exclude);
  if (unmatched.length > 0) throw new NotFoundError('TOPIC_NOT_FOUND', `no topic on cluster "${source.profile.name}" matches ${unmatched.join(', ')}`);
  return selected.filter((t) => !t.startsWith('mm2-') && !t.endsWith('.checkpoints.internal') && t !== 'heartbeats');
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

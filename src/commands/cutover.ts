/** `zdp cutover --from a --to b`: the switch of clients from source to target, resumable and reversible. */
import { Option, type Command } from 'commander';
import type { CommandContext } from '../cli/main.js';
import type { Runtime } from '../cli/runtime.js';
import { renderTable } from '../cli/render/table.js';
import { selectSourceTopics, withSides } from '../cli/sides.js';
import { UsageError } from '../errors.js';
import { FORWARD_STEPS, ROLLBACK_STEPS, runCutover, runRollback, type CutoverOptions, type CutoverReport } from '../cutover/cutover.js';
import { KroxyliciousControl } from '../gateway/control.js';
import { readMm2 } from '../processes/mirror-maker.js';
import { engineFor } from '../migration/engine.js';
import { listProductNames, readProduct } from '../products/store.js';
import { ZDP_VERSION } from '../version.js';
import { migrationDir } from './migrate.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

interface Flags {
  from: string;
  to: string;
  topic: string[];
  group: string[];
  product: string[];
  dryRun: boolean;
  confirm?: string;
  resume: boolean;
  rollback: boolean;
  maxLag: string;
  drainTimeout: string;
  groupWait: string;
  verify: string;
}

function seconds(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} ${value}: expected seconds`);
  return Math.round(n * 1000);
}

function renderReport(r: CutoverReport): string {
  const lines = [
    `${r.kind === 'RollbackReport' ? 'rollback' : 'cutover'} ${r.cutoverId} ${r.from} -> ${r.to}: ${r.outcome}`,
    '',
    renderTable(['STEP', 'TOOK', 'WHAT'], r.steps.map((s) => [s.step, s.fromJournal ? '(journal)' : `${(s.durationMs / 1000).toFixed(1)}s`, s.summary])),
    '',
    `pause seen by producers ${(r.pause.producersMs / 1000).toFixed(2)}s, by consumers ${(r.pause.consumersMs / 1000).toFixed(2)}s; source records missing on the target: ${r.records.sourceRecordsMissingOnTarget}; duplicated by translation: ${r.records.duplicatedByTranslation}${r.records.copiedBack !== undefined ? `; copied back: ${r.records.copiedBack}` : ''}`,
    ...(r.records.mm2CheckpointsWouldReRead !== undefined ? [`with MirrorMaker 2's checkpoints instead, consumers would have re-read ${r.records.mm2CheckpointsWouldReRead} and skipped ${r.records.mm2CheckpointsWouldSkip} records`] : []),
  ];
  if (r.groups.length > 0) {
    lines.push('', renderTable(['GROUP', 'TOPIC', 'PARTITION', 'FROM OFFSET', 'TO OFFSET', 'MATCHED RECORD'], r.groups.map((g) => [g.group, g.topic, String(g.partition), g.sourceOffset, g.targetOffset ?? `- (${g.kind})`, g.fingerprint ? `${g.fingerprint.slice(0, 12)}${g.nextSourceOffset ? ` @${g.nextSourceOffset}` : ''}` : g.kind === 'caught-up' ? 'end of log' : '-'])));
  }
  for (const n of r.notes) lines.push('', `note: ${n}`);
  lines.push('', `journal: ${r.journal}`);
  return lines.join('\n');
}

async function resolveTopics(rt: Runtime, flags: Flags, source: Parameters<typeof selectSourceTopics>[0]): Promise<string[]> {
  const config = rt.config();
  const topics = new Set<string>();
  for (const name of flags.product) {
    const known = listProductNames(config.productsDir);
    if (!known.includes(name)) throw new UsageError(`no data product named ${name}`, { code: 'PRODUCT_NOT_FOUND', hint: `known: ${known.join(', ') || 'none'}` });
    for (const t of Object.values(readProduct(config.productsDir, name).spec.deployment.topics)) topics.add(t);
  }
  if (flags.topic.length > 0) for (const t of await selectSourceTopics(source, flags.topic, [])) topics.add(t);
  if (topics.size === 0) {
    const mm2 = readMm2(migrationDir(config.stateDir, flags.from, flags.to));
    for (const t of mm2?.topics ?? (await selectSourceTopics(source, [], []))) topics.add(t);
  }
  return [...topics].sort();
}

export function registerCutover(program: Command, ctx: CommandContext): void {
  program
    .command('cutover')
    .description('switch clients from source to target through the gateway: fence, drain, exact group offsets, switch, verify; resumable (--resume) and reversible (--rollback)')
    .requiredOption('--from <cluster>', 'source cluster profile')
    .requiredOption('--to <cluster>', 'target cluster profile')
    .addOption(new Option('--topic <pattern>', 'topics to cut over (default: those MirrorMaker 2 replicates)').argParser(collect).default([]))
    .addOption(new Option('--product <name>', "a data product's topics; repeatable").argParser(collect).default([]))
    .addOption(new Option('--group <pattern>', 'consumer groups to move (default: every group with commits on the topics)').argParser(collect).default([]))
    .option('--dry-run', 'print the steps and the preflight result; change nothing', false)
    .option('--confirm <cluster>', 'confirm without a terminal by naming the target cluster (or use --yes)')
    .option('--resume', 'continue an interrupted cutover from its last completed step', false)
    .option('--rollback', 'return clients to the source (copying back what was produced on the target)', false)
    .option('--max-lag <records>', 'preflight: largest replication lag to start from', '10000')
    .option('--drain-timeout <seconds>', 'how long the target may take to receive the last source records', '120')
    .option('--group-wait <seconds>', 'wait for groups with members on the target to empty (0: refuse)', '0')
    .option('--verify <seconds>', 'after the switch, watch this long for clients producing and consuming on the target', '15')
    .action(async (flags: Flags) => {
      const rt = ctx.runtime();
      if (flags.resume && flags.rollback) throw new UsageError('--resume and --rollback go separately (a rollback resumes by running --rollback again)');
      const config = rt.config();
      const dir = migrationDir(config.stateDir, flags.from, flags.to);
      const report = await withSides(rt, flags.from, flags.to, async (source, target) => {
        const topics = await resolveTopics(rt, flags, source);
        const options: CutoverOptions = {
          from: flags.from,
          to: flags.to,
          topics,
          groupPatterns: flags.group,
          maxLag: BigInt(Math.max(0, Math.floor(Number(flags.maxLag) || 0))),
          drainTimeoutMs: seconds(flags.drainTimeout, '--drain-timeout'),
          groupWaitMs: seconds(flags.groupWait, '--group-wait'),
          verifyMs: seconds(flags.verify, '--verify'),
          resume: flags.resume,
        };
        const steps = flags.rollback ? ROLLBACK_STEPS : FORWARD_STEPS;
        if (flags.dryRun) return { dryRun: true as const, topics, steps };
        if (!flags.resume) {
          const named = flags.confirm !== undefined;
          if (named && flags.confirm !== (flags.rollback ? flags.from : flags.to)) throw new UsageError(`--confirm ${flags.confirm} does not name the cluster clients move to (${flags.rollback ? flags.from : flags.to})`);
          if (!named && !(await rt.io.confirm(flags.rollback ? `Move clients back from ${flags.to} to ${flags.from}?` : `Move clients of ${topics.length} topic${topics.length === 1 ? '' : 's'} from ${flags.from} to ${flags.to}? Producers and consumers pause while it runs.`))) return undefined;
        }
        const deps = {
          source,
          target,
          gateway: new KroxyliciousControl(config.stateDir, rt.env, (l: string) => rt.io.info(l)),
          migrationDir: dir,
          ...(() => {
            const engine = engineFor(dir, rt.env, target.profile.connect);
            return engine ? { engine } : {};
          })(),
          log: (l: string) => rt.io.info(l),
          ...(rt.env.ZDP_TEST_CRASH_AT ? { crashAt: rt.env.ZDP_TEST_CRASH_AT } : {}),
        };
        return flags.rollback ? runRollback(deps, options) : runCutover(deps, options);
      });
      if (!report) {
        rt.io.info('nothing changed');
        return;
      }
      if ('dryRun' in report) {
        if (rt.globals.json) rt.io.outJson({ kind: 'CutoverPlan', version: 1, zdpVersion: ZDP_VERSION, from: flags.from, to: flags.to, topics: report.topics, steps: report.steps });
        else rt.io.out([`cutover ${flags.from} -> ${flags.to} of ${report.topics.join(', ')}`, ...report.steps.map((s, i) => `  ${i + 1}. ${s}`), 'dry run: nothing changed'].join('\n'));
        return;
      }
      if (rt.globals.json) rt.io.outJson({ ...report, version: 1, zdpVersion: ZDP_VERSION });
      else rt.io.out(renderReport(report));
    });
}

/** `zdp migrate plan|apply` and `zdp migrate --from a --to b` (plan, confirm, apply). */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { CommandContext } from '../cli/main.js';
import type { Runtime } from '../cli/runtime.js';
import { renderTable } from '../cli/render/table.js';
import { CheckFailedError, ConfigError, NotFoundError, UsageError } from '../errors.js';
import { getCluster } from '../config/load.js';
import { planTopics, type MigrationPlan } from '../core/migration/plan.js';
import { selectTopics } from '../core/sampling.js';
import { connectAdmin } from '../kafka/client.js';
import { createPlannedTopics, snapshotCluster } from '../kafka/topics.js';
import { ZDP_VERSION } from '../version.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

interface PlanFlags {
  from: string;
  to: string;
  topic: string[];
  exclude: string[];
  out?: string;
}

export function migrationDir(stateDir: string, from: string, to: string): string {
  return join(stateDir, 'migrations', `${from}-to-${to}`);
}

function journal(stateDir: string, plan: MigrationPlan, event: Record<string, unknown>): void {
  const dir = migrationDir(stateDir, plan.from.cluster, plan.to.cluster);
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, 'journal.jsonl'), `${JSON.stringify({ time: new Date().toISOString(), from: plan.from, to: plan.to, ...event })}\n`);
}

async function makePlan(rt: Runtime, flags: PlanFlags): Promise<MigrationPlan> {
  const config = rt.config();
  const source = getCluster(config, flags.from);
  const target = getCluster(config, flags.to);
  if (source.name === target.name) throw new UsageError('--from and --to name the same cluster');
  const spinner = await rt.io.spinner(`reading topics of ${source.name} and ${target.name}…`);
  try {
    const s = await connectAdmin(source, { env: rt.env, log: rt.kafkaLog, clientId: 'zdp-migrate' });
    let sourceSnap;
    try {
      const all = await s.admin.listTopics();
      const { selected, unmatched } = selectTopics(all, flags.topic, flags.exclude);
      if (unmatched.length > 0) throw new NotFoundError('TOPIC_NOT_FOUND', `no topic on cluster "${source.name}" matches ${unmatched.join(', ')}`);
      sourceSnap = await snapshotCluster(s.admin, source, selected);
    } finally {
      await s.admin.disconnect().catch(() => {});
    }
    const t = await connectAdmin(target, { env: rt.env, log: rt.kafkaLog, clientId: 'zdp-migrate' });
    try {
      const targetSnap = await snapshotCluster(t.admin, target, Object.keys(sourceSnap.topics));
      return planTopics(sourceSnap, targetSnap, Object.keys(sourceSnap.topics));
    } finally {
      await t.admin.disconnect().catch(() => {});
    }
  } finally {
    spinner.stop();
  }
}

function renderPlan(plan: MigrationPlan): string {
  const rows = plan.topics.map((i) => [
    i.action + (i.blocking ? ' (blocking)' : ''),
    i.topic,
    String(i.partitions),
    String(i.replicationFactor),
    Object.entries(i.configs).map(([k, v]) => `${k}=${v}`).join(' ') || '-',
  ]);
  const lines = [`${plan.from.cluster} (${plan.from.vendor}) -> ${plan.to.cluster} (${plan.to.vendor}): ${plan.summary.create} to create, ${plan.summary.present} present, ${plan.summary.drift} drifted`, '', renderTable(['ACTION', 'TOPIC', 'PARTITIONS', 'RF', 'CONFIGS'], rows)];
  const notes = plan.topics.flatMap((i) => [
    ...i.configChanges.map((c) => `  ${i.topic}: ${c.name} ${c.action === 'drop' ? 'dropped' : c.action === 'rename' ? `renamed to ${c.to}` : `clamped ${c.from} -> ${c.to}`}: ${c.reason}`),
    ...i.drift.map((d) => `  ${i.topic}: drift: ${d}`),
  ]);
  if (notes.length > 0) lines.push('', 'Notes:', ...notes);
  return lines.join('\n');
}

function writePlan(file: string, plan: MigrationPlan): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(plan, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

async function applyPlan(rt: Runtime, planned: MigrationPlan): Promise<{ created: string[]; plan: MigrationPlan }> {
  // the target may have changed since the plan: plan again for the same topics
  const fresh = await makePlan(rt, { from: planned.from.cluster, to: planned.to.cluster, topic: planned.topics.map((t) => t.topic), exclude: [] });
  const blocking = fresh.topics.filter((t) => t.blocking);
  if (blocking.length > 0) {
    throw new CheckFailedError('DRIFT_BLOCKS', `${blocking.length} topic${blocking.length === 1 ? '' : 's'} on ${fresh.to.cluster} cannot receive the source's records; nothing was created`, {
      diagnostics: blocking.flatMap((t) => t.drift.map((d) => ({ code: 'DRIFT', severity: 'error' as const, message: `${t.topic}: ${d}`, path: t.topic }))),
      hint: 'delete or rename those topics on the target (zdp never overwrites them), then apply again',
    });
  }
  const target = getCluster(rt.config(), fresh.to.cluster);
  const { admin } = await connectAdmin(target, { env: rt.env, log: rt.kafkaLog, clientId: 'zdp-migrate' });
  try {
    const created = await createPlannedTopics(admin, target, fresh.topics);
    journal(rt.config().stateDir, fresh, { step: 'apply', created });
    return { created, plan: fresh };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

function reportApply(rt: Runtime, created: string[], plan: MigrationPlan): void {
  if (rt.globals.json) {
    rt.io.outJson({ kind: 'MigrationApply', version: 1, zdpVersion: ZDP_VERSION, from: plan.from.cluster, to: plan.to.cluster, created, present: plan.topics.filter((t) => t.action === 'present').map((t) => t.topic), drift: plan.topics.filter((t) => t.action === 'drift').map((t) => t.topic) });
    return;
  }
  rt.io.out(created.length === 0 ? `nothing to create on ${plan.to.cluster}: every planned topic is present` : `created ${created.length} topic${created.length === 1 ? '' : 's'} on ${plan.to.cluster}: ${created.join(', ')}`);
  for (const t of plan.topics.filter((x) => x.action === 'drift')) rt.io.warn(`${t.topic} differs on ${plan.to.cluster} (left as it is): ${t.drift.join('; ')}`);
}

/** --from, --to, --topic..., --exclude... of the one-shot form. */
export function parseOneShot(args: readonly string[]): PlanFlags {
  const flags: PlanFlags = { from: '', to: '', topic: [], exclude: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
      return v;
    };
    if (name === '--from') flags.from = value();
    else if (name === '--to') flags.to = value();
    else if (name === '--topic') flags.topic.push(value());
    else if (name === '--exclude') flags.exclude.push(value());
    else throw new UsageError(`unknown option '${a}' for zdp migrate`, { hint: 'see `zdp migrate --help`' });
  }
  if (!flags.from || !flags.to) throw new UsageError('zdp migrate needs --from <cluster> and --to <cluster> (or use `zdp migrate plan` / `zdp migrate apply`)');
  return flags;
}

export function registerMigrate(program: Command, ctx: CommandContext): void {
  // `zdp migrate --from a --to b` runs plan, confirm and apply. Its flags are read by hand: declared on
  // this command, commander would take them away from the `plan` subcommand's own --from/--to.
  const migrate = program
    .command('migrate')
    .description('prepare the target cluster: plan and create topics and configs for the target vendor (MirrorMaker 2 comes next)')
    .usage('--from <cluster> --to <cluster> [--topic <pattern>...] [--exclude <pattern>...]  |  plan ...  |  apply <plan>')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_opts: unknown, command: Command) => {
      const rt = ctx.runtime();
      const flags = parseOneShot(command.args);
      const plan = await makePlan(rt, flags);
      rt.io.info(renderPlan(plan));
      if (plan.summary.create > 0 && !(await rt.io.confirm(`Create ${plan.summary.create} topic${plan.summary.create === 1 ? '' : 's'} on ${plan.to.cluster}?`))) {
        rt.io.info('nothing created');
        return;
      }
      const { created, plan: applied } = await applyPlan(rt, plan);
      reportApply(rt, created, applied);
    });

  migrate
    .command('plan')
    .description('compare source and target: each topic is create, present or drift; configs translated for the target vendor')
    .requiredOption('--from <cluster>', 'source cluster profile')
    .requiredOption('--to <cluster>', 'target cluster profile')
    .addOption(new Option('--topic <pattern>', 'topic name or glob; repeatable (default: all but internal)').argParser(collect).default([]))
    .addOption(new Option('--exclude <pattern>', 'topic name or glob to leave out; repeatable').argParser(collect).default([]))
    .option('-o, --out <file>', 'plan file (default: <state>/migrations/<from>-to-<to>/plan.json)')
    .action(async (flags: PlanFlags) => {
      const rt = ctx.runtime();
      const plan = await makePlan(rt, flags);
      const file = flags.out ? resolve(rt.cwd, flags.out) : join(migrationDir(rt.config().stateDir, plan.from.cluster, plan.to.cluster), 'plan.json');
      writePlan(file, plan);
      journal(rt.config().stateDir, plan, { step: 'plan', summary: plan.summary });
      if (rt.globals.json) rt.io.outJson({ version: 1, zdpVersion: ZDP_VERSION, planFile: relative(rt.cwd, file) || file, ...plan });
      else {
        rt.io.out(renderPlan(plan));
        rt.io.info(`Plan written to ${relative(rt.cwd, file) || file}. Next: \`zdp migrate apply ${relative(rt.cwd, file) || file}\``);
      }
    });

  migrate
    .command('apply')
    .description('create the planned topics on the target (never overwrites drift); re-running changes nothing')
    .argument('<plan>', 'plan file from `zdp migrate plan`')
    .action(async (file: string) => {
      const rt = ctx.runtime();
      const path = resolve(rt.cwd, file);
      if (!existsSync(path)) throw new NotFoundError('PLAN_NOT_FOUND', `no plan file at ${file}`, { hint: 'write one with `zdp migrate plan --from <a> --to <b>`' });
      let plan: MigrationPlan;
      try {
        plan = JSON.parse(readFileSync(path, 'utf8')) as MigrationPlan;
      } catch {
        throw new ConfigError('PLAN_INVALID', `${file} is not a zdp migration plan (not JSON)`);
      }
      if (plan.kind !== 'MigrationPlan' || plan.formatVersion !== 1) throw new ConfigError('PLAN_INVALID', `${file} is not a zdp migration plan (kind ${String(plan.kind)})`);
      if (plan.topics.some((t) => t.action === 'create') && !(await rt.io.confirm(`Create the planned topics on ${plan.to.cluster}?`))) {
        rt.io.info('nothing created');
        return;
      }
      const { created, plan: applied } = await applyPlan(rt, plan);
      reportApply(rt, created, applied);
    });
}

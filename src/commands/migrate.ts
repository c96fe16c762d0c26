/** `zdp migrate plan|apply` and `zdp migrate --from a --to b` (plan, confirm, apply). */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { writeAtomic } from '../atomic-file.js';
import { dirname, join, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { CommandContext } from '../cli/main.js';
import type { Runtime } from '../cli/runtime.js';
import { renderTable } from '../cli/render/table.js';
import { CheckFailedError, ConfigError, EnvironmentError, NotFoundError, UsageError, isZdpError } from '../errors.js';
import { getCluster, readSecret } from '../config/load.js';
import { planTopics, type MigrationPlan } from '../core/migration/plan.js';
import { selectTopics } from '../core/sampling.js';
import { connectAdmin } from '../kafka/client.js';
import { createPlannedTopics, snapshotCluster } from '../kafka/topics.js';
import { ZDP_VERSION } from '../version.js';
import { findJava } from '../processes/java.js';
import { mm2LogFile, readMm2, resolveMirrorMaker, startMirrorMaker, writeMm2, MM2_VERSION } from '../processes/mirror-maker.js';
import { engineFor, type ReplicationEngine } from '../migration/engine.js';
import { ConnectClient } from '../migration/connect-client.js';
import { connectConnectors, renderMm2Properties, SOURCE_ALIAS, TARGET_ALIAS, type Mm2ClusterSettings } from '../core/migration/mm2.js';
import { mm2Security, renderSecretsFile } from '../core/migration/mm2-security.js';
import { waitLine, type PartitionProgress } from '../core/migration/lag.js';
import { replicationProgress } from '../migration/progress.js';
import { withSides } from '../cli/sides.js';
import { describeAcl, planAcls, type AclState } from '../core/migration/acls.js';
import { createAclBindings, describeAllAcls } from '../kafka/acls.js';
import { applyRegistryCopy, checkRegistryCopy, planRegistryCopy } from '../migration/registry-copy.js';
import type { ClusterProfile } from '../config/types.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

interface PlanFlags {
  from: string;
  to: string;
  topic: string[];
  exclude: string[];
  out?: string;
  /** false with --no-acls */
  acls?: boolean;
  /** false with --no-subjects */
  subjects?: boolean;
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
    let sourceAcls: AclState | undefined;
    try {
      const all = await s.admin.listTopics();
      const { selected, unmatched } = selectTopics(all, flags.topic, flags.exclude);
      if (unmatched.length > 0) throw new NotFoundError('TOPIC_NOT_FOUND', `no topic on cluster "${source.name}" matches ${unmatched.join(', ')}`);
      sourceSnap = await snapshotCluster(s.admin, source, selected);
      if (flags.acls !== false) sourceAcls = await describeAllAcls(s.admin, source.name);
    } finally {
      await s.admin.disconnect().catch(() => {});
    }
    const t = await connectAdmin(target, { env: rt.env, log: rt.kafkaLog, clientId: 'zdp-migrate' });
    let plan: MigrationPlan;
    try {
      const targetSnap = await snapshotCluster(t.admin, target, Object.keys(sourceSnap.topics));
      plan = planTopics(sourceSnap, targetSnap, Object.keys(sourceSnap.topics));
      if (sourceAcls) plan.acls = planAcls(sourceAcls, await describeAllAcls(t.admin, target.name), plan.topics.map((i) => i.topic), target.vendor);
    } finally {
      await t.admin.disconnect().catch(() => {});
    }
    const notes: string[] = [];
    if (flags.subjects !== false && source.schemaRegistry) {
      if (target.schemaRegistry) {
        plan.subjects = await planRegistryCopy(source, target, rt.env);
      } else notes.push(`${source.name} has a schema registry and ${target.name} none (clusters.${target.name}.schemaRegistry): registry-framed records replicated to ${target.name} will not resolve their schemas`);
    }
    if (notes.length > 0) plan.notes = notes;
    return plan;
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
  if (plan.acls) {
    const a = plan.acls;
    lines.push('', !a.source.authorizer ? `ACLs: ${plan.from.cluster} runs no authorizer, nothing to copy` : `ACLs: ${a.summary.create} to create, ${a.summary.present} present, ${a.summary.skip} skipped`);
    if (a.items.length > 0) lines.push(renderTable(['ACTION', 'ACL'], a.items.map((i) => [i.action, describeAcl(i.binding) + (i.reason ? ` (${i.reason})` : '')])));
    notes.push(...a.notes.map((n) => `  ACLs: ${n}`));
  }
  if (plan.subjects) {
    const sp = plan.subjects;
    lines.push('', `Subjects: ${sp.summary.create} version${sp.summary.create === 1 ? '' : 's'} to copy with their ids${sp.summary.create > 0 ? ` (${sp.method === 'apicurio' ? 'Apicurio import' : sp.method === 'import-mode' ? 'IMPORT mode' : 'NOT POSSIBLE'})` : ''}, ${sp.summary.present} present, ${sp.summary.conflict} in conflict`);
    if (sp.items.length > 0) lines.push(renderTable(['ACTION', 'SUBJECT', 'VERSION', 'ID', 'TYPE'], sp.items.map((i) => [i.action, i.subject, String(i.version), String(i.id), i.schemaType])));
    for (const i of sp.items.filter((x) => x.reason)) notes.push(`  ${i.subject} v${i.version}: ${i.reason}`);
    for (const c of sp.compatibility.filter((x) => x.target !== undefined && x.target !== 'NONE' && x.target !== x.level)) notes.push(`  ${c.subject}: compatibility ${c.target} on the target, ${c.level} on the source (left as it is)`);
    if (sp.method === 'none' && sp.summary.create > 0) notes.push(`  subjects: ${sp.why}`);
  }
  for (const n of plan.notes ?? []) notes.push(`  ${n}`);
  if (notes.length > 0) lines.push('', 'Notes:', ...notes);
  return lines.join('\n');
}

function writePlan(file: string, plan: MigrationPlan): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(plan, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

function pendingChanges(plan: MigrationPlan): number {
  return plan.summary.create + (plan.acls?.summary.create ?? 0) + (plan.subjects?.summary.create ?? 0);
}

function describeChanges(plan: MigrationPlan): string {
  const n = (count: number, what: string) => (count > 0 ? [`${count} ${what}${count === 1 ? '' : 's'}`] : []);
  return [...n(plan.summary.create, 'topic'), ...n(plan.acls?.summary.create ?? 0, 'ACL'), ...n(plan.subjects?.summary.create ?? 0, 'subject version')].join(', ');
}

interface ApplyResult {
  created: string[];
  acls: string[];
  subjects: string[];
  compatibility: string[];
  plan: MigrationPlan;
}

async function applyPlan(rt: Runtime, planned: MigrationPlan): Promise<ApplyResult> {
  // the target may have changed since the plan: plan again for the same topics, ACLs and subjects
  const fresh = await makePlan(rt, { from: planned.from.cluster, to: planned.to.cluster, topic: planned.topics.map((t) => t.topic), exclude: [], acls: planned.acls !== undefined, subjects: planned.subjects !== undefined });
  const blocking = fresh.topics.filter((t) => t.blocking);
  if (blocking.length > 0) {
    throw new CheckFailedError('DRIFT_BLOCKS', `${blocking.length} topic${blocking.length === 1 ? '' : 's'} on ${fresh.to.cluster} cannot receive the source's records; nothing was created`, {
      diagnostics: blocking.flatMap((t) => t.drift.map((d) => ({ code: 'DRIFT', severity: 'error' as const, message: `${t.topic}: ${d}`, path: t.topic }))),
      hint: 'delete or rename those topics on the target (zdp never overwrites them), then apply again',
    });
  }
  if (fresh.subjects) checkRegistryCopy(fresh.subjects, fresh.to.cluster);
  const config = rt.config();
  const source = getCluster(config, fresh.from.cluster);
  const target = getCluster(config, fresh.to.cluster);
  const { admin } = await connectAdmin(target, { env: rt.env, log: rt.kafkaLog, clientId: 'zdp-migrate' });
  let created: string[];
  const acls: string[] = [];
  try {
    created = await createPlannedTopics(admin, target, fresh.topics);
    journal(config.stateDir, fresh, { step: 'apply', created });
    const toCreate = fresh.acls?.items.filter((i) => i.action === 'create').map((i) => i.binding) ?? [];
    await createAclBindings(admin, target.name, toCreate);
    acls.push(...toCreate.map(describeAcl));
    if (acls.length > 0) journal(config.stateDir, fresh, { step: 'apply-acls', created: acls });
  } finally {
    await admin.disconnect().catch(() => {});
  }
  let subjects: string[] = [];
  let compatibility: string[] = [];
  if (fresh.subjects) {
    ({ created: subjects, compatibility } = await applyRegistryCopy(source, target, rt.env, fresh.subjects));
    if (subjects.length > 0 || compatibility.length > 0) journal(config.stateDir, fresh, { step: 'apply-subjects', created: subjects, compatibility });
  }
  return { created, acls, subjects, compatibility, plan: fresh };
}

function reportApply(rt: Runtime, r: ApplyResult): void {
  const { created, plan } = r;
  if (rt.globals.json) {
    rt.io.outJson({ kind: 'MigrationApply', version: 1, zdpVersion: ZDP_VERSION, from: plan.from.cluster, to: plan.to.cluster, created, present: plan.topics.filter((t) => t.action === 'present').map((t) => t.topic), drift: plan.topics.filter((t) => t.action === 'drift').map((t) => t.topic), acls: r.acls, subjects: r.subjects, compatibility: r.compatibility, notes: [...(plan.acls?.notes ?? []), ...(plan.notes ?? [])] });
    return;
  }
  rt.io.out(created.length === 0 ? `nothing to create on ${plan.to.cluster}: every planned topic is present` : `created ${created.length} topic${created.length === 1 ? '' : 's'} on ${plan.to.cluster}: ${created.join(', ')}`);
  if (plan.acls) rt.io.out(r.acls.length === 0 ? `ACLs: nothing to create (${plan.acls.summary.present} present, ${plan.acls.summary.skip} skipped)` : `created ${r.acls.length} ACL${r.acls.length === 1 ? '' : 's'}:\n${r.acls.map((a) => `  ${a}`).join('\n')}`);
  if (plan.subjects) rt.io.out(r.subjects.length === 0 ? `subjects: nothing to copy (${plan.subjects.summary.present} present)` : `copied ${r.subjects.length} subject version${r.subjects.length === 1 ? '' : 's'} with their ids: ${r.subjects.join(', ')}`);
  if (r.compatibility.length > 0) rt.io.out(`compatibility levels set: ${r.compatibility.join(', ')}`);
  for (const t of plan.topics.filter((x) => x.action === 'drift')) rt.io.warn(`${t.topic} differs on ${plan.to.cluster} (left as it is): ${t.drift.join('; ')}`);
  for (const n of [...(plan.acls?.notes ?? []), ...(plan.notes ?? [])]) rt.io.warn(n);
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
    else if (a === '--no-acls') flags.acls = false;
    else if (a === '--no-subjects') flags.subjects = false;
    else throw new UsageError(`unknown option '${a}' for zdp migrate`, { hint: 'see `zdp migrate --help`' });
  }
  if (!flags.from || !flags.to) throw new UsageError('zdp migrate needs --from <cluster> and --to <cluster> (or use `zdp migrate plan` / `zdp migrate apply`)');
  return flags;
}

/**
 * Client settings MM2 needs for a profile: security settings with secrets as references to one
 * secrets file (mode 0600) in the migration's directory, which is written here from the profile's
 * secret references. Nothing secret goes into mm2.properties, the connector configs or the output.
 */
function mm2Clients(rt: Runtime, dir: string, profiles: { alias: string; profile: ClusterProfile }[]): { clients: Mm2ClusterSettings[]; secretsFile?: string; notes: string[] } {
  const secretsFile = join(dir, 'mm2-secrets.properties');
  const values: Record<string, string> = {};
  const notes: string[] = [];
  const clients = profiles.map(({ alias, profile }) => {
    const s = mm2Security(profile, alias, secretsFile);
    for (const [key, ref] of Object.entries(s.secrets)) values[key] = readSecret(ref, rt.env);
    notes.push(...s.notes);
    return { bootstrapServers: profile.bootstrapServers, client: s.client };
  });
  if (Object.keys(values).length === 0) return { clients, notes };
  mkdirSync(dir, { recursive: true });
  writeAtomic(secretsFile, renderSecretsFile(values), 0o600);
  return { clients, secretsFile, notes };
}

function engineOf(rt: Runtime, from: string, to: string): ReplicationEngine | undefined {
  const config = rt.config();
  return engineFor(migrationDir(config.stateDir, from, to), rt.env, config.clusters[to]?.connect);
}

async function replicationStatus(rt: Runtime, from: string, to: string, topics: readonly string[]): Promise<PartitionProgress[]> {
  return withSides(rt, from, to, (source, target) => replicationProgress(source, target, topics, engineOf(rt, from, to)));
}

export function registerMigrate(program: Command, ctx: CommandContext): void {
  // `zdp migrate --from a --to b` runs plan, confirm and apply. Its flags are read by hand: declared on
  // this command, commander would take them away from the `plan` subcommand's own --from/--to.
  const migrate = program
    .command('migrate')
    .description('prepare the target (topics and configs translated for its vendor) and replicate with MirrorMaker 2: plan, apply, start, status, stop')
    .usage('--from <cluster> --to <cluster> [--topic <pattern>...] [--exclude <pattern>...]  |  plan ...  |  apply <plan>  |  start|status|stop ...')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_opts: unknown, command: Command) => {
      const rt = ctx.runtime();
      const flags = parseOneShot(command.args);
      const plan = await makePlan(rt, flags);
      rt.io.info(renderPlan(plan));
      if (pendingChanges(plan) > 0 && !(await rt.io.confirm(`Create ${describeChanges(plan)} on ${plan.to.cluster}?`))) {
        rt.io.info('nothing created');
        return;
      }
      reportApply(rt, await applyPlan(rt, plan));
    });

  migrate
    .command('plan')
    .description('compare source and target: each topic is create, present or drift; configs translated for the target vendor')
    .requiredOption('--from <cluster>', 'source cluster profile')
    .requiredOption('--to <cluster>', 'target cluster profile')
    .addOption(new Option('--topic <pattern>', 'topic name or glob; repeatable (default: all but internal)').argParser(collect).default([]))
    .addOption(new Option('--exclude <pattern>', 'topic name or glob to leave out; repeatable').argParser(collect).default([]))
    .option('-o, --out <file>', 'plan file (default: <state>/migrations/<from>-to-<to>/plan.json)')
    .option('--no-acls', 'leave ACLs out (default: copy those of the selected topics, groups, transactional ids and the cluster)')
    .option('--no-subjects', 'leave schema-registry subjects out (default: copy every subject version with its id)')
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
    .command('start')
    .description('run MirrorMaker 2 (dedicated mode, supervised local process) from source to target for the selected topics')
    .requiredOption('--from <cluster>', 'source cluster profile')
    .requiredOption('--to <cluster>', 'target cluster profile')
    .addOption(new Option('--topic <pattern>', 'topic name or glob; repeatable (default: all but internal)').argParser(collect).default([]))
    .addOption(new Option('--exclude <pattern>', 'topic name or glob to leave out; repeatable').argParser(collect).default([]))
    .addOption(new Option('--group <regex>', 'consumer groups to checkpoint; repeatable (default: all)').argParser(collect).default([]))
    .option('--rest-port <port>', 'dedicated engine: MirrorMaker 2 internal REST port (exactly-once needs it)', '18083')
    .addOption(new Option('--engine <engine>', 'where MirrorMaker 2 runs: a supervised local process, or connectors on an existing Kafka Connect cluster').choices(['dedicated', 'connect']).default('dedicated'))
    .option('--connect-url <url>', 'connect engine: REST URL of a Connect worker whose workers write to the target (default: clusters.<to>.connect.url)')
    .action(async (flags: PlanFlags & { group: string[]; restPort: string; engine: 'dedicated' | 'connect'; connectUrl?: string }) => {
      const rt = ctx.runtime();
      const config = rt.config();
      const dir = migrationDir(config.stateDir, flags.from, flags.to);
      const existing = readMm2(dir);
      const current = engineOf(rt, flags.from, flags.to);
      if (existing && current && (await current.running())) {
        if (rt.globals.json) rt.io.outJson({ kind: 'MigrationStart', version: 1, zdpVersion: ZDP_VERSION, alreadyRunning: true, engine: current.kind, pid: existing.pid, connectors: existing.connectors, topics: existing.topics });
        else rt.io.out(`MirrorMaker 2 already runs for ${flags.from} -> ${flags.to} (${current.where()})`);
        return;
      }
      // a wrong Connect URL fails before anything is read or written
      const targetProfile = getCluster(config, flags.to);
      const connectService = flags.engine === 'connect' ? (flags.connectUrl ? { ...(targetProfile.connect?.url.replace(/\/+$/, '') === flags.connectUrl.replace(/\/+$/, '') ? targetProfile.connect : {}), url: flags.connectUrl } : targetProfile.connect) : undefined;
      if (flags.engine === 'connect' && !connectService) throw new UsageError('the connect engine needs --connect-url or clusters.' + flags.to + '.connect.url');
      const connect = connectService ? new ConnectClient(connectService, rt.env) : undefined;
      const info = connect ? await connect.info() : undefined;
      const plan = await makePlan(rt, { ...flags, acls: false, subjects: false });
      const missing = plan.topics.filter((t) => t.action === 'create').map((t) => t.topic);
      if (missing.length > 0) throw new CheckFailedError('TARGET_NOT_READY', `${missing.length} topic${missing.length === 1 ? ' is' : 's are'} not on ${flags.to} yet: ${missing.join(', ')}`, { hint: `create them first: zdp migrate --from ${flags.from} --to ${flags.to}` });
      const blocking = plan.topics.filter((t) => t.blocking);
      if (blocking.length > 0) throw new CheckFailedError('DRIFT_BLOCKS', `${blocking.map((t) => t.topic).join(', ')} cannot receive the source's records on ${flags.to}`, { hint: 'see `zdp migrate plan`' });
      const topics = plan.topics.map((t) => t.topic);
      const id = existing?.id ?? randomBytes(4).toString('hex');
      const security = mm2Clients(rt, dir, [{ alias: SOURCE_ALIAS, profile: getCluster(config, flags.from) }, { alias: TARGET_ALIAS, profile: targetProfile }]);
      for (const note of security.notes) rt.io.warn(note);
      const options = {
        migrationId: id,
        source: security.clients[0]!,
        target: security.clients[1]!,
        ...(security.secretsFile ? { secretsFile: security.secretsFile } : {}),
        topics,
        groups: flags.group,
        replicationFactor: Math.min(...plan.topics.map((t) => t.replicationFactor), 3),
        restPort: Number(flags.restPort),
        exactlyOnce: true,
        tasksMax: 1,
      };
      if (connect && info) {
        const connectors = connectConnectors(options, id);
        for (const c of connectors) await connect.putConfig(c.name, c.config);
        // both connectors and their tasks running, or the worker's reason why not
        const deadline = performance.now() + 60_000;
        for (;;) {
          const states = await Promise.all(connectors.map((c) => connect.status(c.name)));
          const failed = states.flatMap((st) => (st ? [st.connector, ...st.tasks] : [])).find((x) => x.state === 'FAILED');
          if (failed) throw new EnvironmentError('MM2_CONNECTOR_FAILED', `a MirrorMaker 2 connector failed on ${connect.url}: ${(failed.trace ?? '').split('\n')[0]}`);
          // the checkpoint connector has no task until a group to checkpoint exists
          if (states.every((st, i) => st && st.connector.state === 'RUNNING' && (i > 0 || st.tasks.length > 0) && st.tasks.every((t) => t.state === 'RUNNING'))) break;
          if (performance.now() > deadline) throw new EnvironmentError('MM2_CONNECTOR_NOT_RUNNING', `the MirrorMaker 2 connectors on ${connect.url} are not running after 60s`, { hint: `see \`curl ${connect.url}/connectors/${connectors[0]!.name}/status\`` });
          await new Promise((r) => setTimeout(r, 500));
        }
        const names = connectors.map((c) => c.name);
        writeMm2(dir, { formatVersion: 1, id, engine: 'connect', connectUrl: connect.url, connectors: names, from: flags.from, to: flags.to, topics, groups: flags.group, startedAt: new Date().toISOString() });
        journal(config.stateDir, plan, { step: 'start-mm2', engine: 'connect', connectUrl: connect.url, connectors: names, topics });
        if (rt.globals.json) rt.io.outJson({ kind: 'MigrationStart', version: 1, zdpVersion: ZDP_VERSION, alreadyRunning: false, engine: 'connect', connectUrl: connect.url, connectVersion: info.version, connectors: names, topics });
        else rt.io.out(`MirrorMaker 2 connectors ${names.join(', ')} running on Kafka Connect ${info.version} at ${connect.url}, replicating ${topics.length} topic${topics.length === 1 ? '' : 's'}. Next: \`zdp migrate status --from ${flags.from} --to ${flags.to} --wait\``);
        return;
      }
      const properties = renderMm2Properties(options);
      const java = await findJava(rt.env);
      const lib = await resolveMirrorMaker(rt.env, (l) => rt.io.info(l));
      const pid = await startMirrorMaker(dir, properties, java, lib, rt.env);
      writeMm2(dir, { formatVersion: 1, id, engine: 'dedicated', from: flags.from, to: flags.to, topics, groups: flags.group, pid, startedAt: new Date().toISOString() });
      journal(config.stateDir, plan, { step: 'start-mm2', pid, topics });
      if (rt.globals.json) rt.io.outJson({ kind: 'MigrationStart', version: 1, zdpVersion: ZDP_VERSION, alreadyRunning: false, engine: 'dedicated', pid, topics, mirrorMaker: MM2_VERSION });
      else rt.io.out(`MirrorMaker 2 (Kafka ${MM2_VERSION}) replicating ${topics.length} topic${topics.length === 1 ? '' : 's'} ${flags.from} -> ${flags.to} (pid ${pid}). Next: \`zdp migrate status --from ${flags.from} --to ${flags.to} --wait\``);
    });

  migrate
    .command('stop')
    .description('stop the MirrorMaker 2 process zdp started for this migration')
    .requiredOption('--from <cluster>', 'source cluster profile')
    .requiredOption('--to <cluster>', 'target cluster profile')
    .action(async (flags: { from: string; to: string }) => {
      const rt = ctx.runtime();
      const stopped = (await engineOf(rt, flags.from, flags.to)?.stop()) ?? false;
      if (rt.globals.json) rt.io.outJson({ kind: 'MigrationStop', version: 1, zdpVersion: ZDP_VERSION, stopped });
      else rt.io.out(stopped ? 'MirrorMaker 2 stopped' : 'nothing to stop: MirrorMaker 2 is not running for this migration');
    });

  migrate
    .command('status')
    .description('per topic and partition: source end offset, what MirrorMaker 2 has copied, lag in records')
    .requiredOption('--from <cluster>', 'source cluster profile')
    .requiredOption('--to <cluster>', 'target cluster profile')
    .option('--wait', 'poll until the total lag is at most --max-lag', false)
    .option('--max-lag <records>', 'with --wait: acceptable total lag', '0')
    .option('--timeout <seconds>', 'with --wait: give up after this long (exit 7)', '300')
    .action(async (flags: { from: string; to: string; wait: boolean; maxLag: string; timeout: string }) => {
      const rt = ctx.runtime();
      const dir = migrationDir(rt.config().stateDir, flags.from, flags.to);
      const record = readMm2(dir);
      const engine = engineOf(rt, flags.from, flags.to);
      if (!record) throw new NotFoundError('MIGRATION_NOT_STARTED', `MirrorMaker 2 was never started for ${flags.from} -> ${flags.to}`, { hint: `zdp migrate start --from ${flags.from} --to ${flags.to}` });
      const maxLag = BigInt(Math.max(0, Number(flags.maxLag) || 0));
      const deadline = performance.now() + Number(flags.timeout) * 1000;
      // while waiting, a transient error (MM2 just created its offsets topic, a coordinator moves) is retried
      const read = async (): Promise<PartitionProgress[]> => {
        for (;;) {
          try {
            return await replicationStatus(rt, flags.from, flags.to, record.topics);
          } catch (error) {
            if (!flags.wait || performance.now() >= deadline || !isZdpError(error) || (error.category !== 'connection' && error.category !== 'notFound')) throw error;
            rt.io.debug(`retrying after: ${error.message}`);
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      };
      let rows = await read();
      let total = rows.reduce((n, r) => n + r.lag, 0n);
      // a live line on a terminal (lag per topic, copy rate, time left); in CI logs a line every 10 s
      const spinner = flags.wait && total > maxLag ? await rt.io.spinner(`waiting until the lag is at most ${maxLag} records (now ${total})…`) : undefined;
      const waitStarted = performance.now();
      let lastLine = waitStarted;
      let previous = { total, at: waitStarted };
      while (flags.wait && total > maxLag && performance.now() < deadline) {
        if (!(await engine?.running())) break;
        await new Promise((r) => setTimeout(r, 1000));
        rows = await read();
        total = rows.reduce((n, r) => n + r.lag, 0n);
        const now = performance.now();
        const line = waitLine(rows, total, previous, now, deadline);
        previous = { total, at: now };
        spinner?.update(line);
        if (!rt.io.stderrIsTTY && now - lastLine >= 10_000) {
          rt.io.info(line);
          lastLine = now;
        }
      }
      spinner?.stop();
      const running = (await engine?.running()) ?? false;
      if (rt.globals.json) rt.io.outJson({ kind: 'MigrationStatus', version: 1, zdpVersion: ZDP_VERSION, from: flags.from, to: flags.to, running, totalLag: total, partitions: rows, log: mm2LogFile(dir) });
      else {
        rt.io.out(`MirrorMaker 2 ${running ? 'running' : 'NOT running'}; total lag ${total} records`);
        rt.io.out(renderTable(['TOPIC', 'PARTITION', 'SOURCE END', 'COPIED UP TO', 'TARGET END', 'LAG'], rows.map((r) => [r.topic, String(r.partition), String(r.sourceEnd), r.next === undefined ? '-' : String(r.next), r.targetEnd === undefined ? '-' : String(r.targetEnd), String(r.lag)])));
      }
      if (!running) rt.io.warn(`MirrorMaker 2 is not running: start it again with \`zdp migrate start --from ${flags.from} --to ${flags.to}\` (it resumes from its committed offsets); log: ${mm2LogFile(dir)}`);
      if (flags.wait && total > maxLag) throw new CheckFailedError('LAG_ABOVE_THRESHOLD', `replication lag is ${total} records, above ${maxLag}${running ? ` after ${flags.timeout}s` : ' and MirrorMaker 2 is not running'}`);
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
      if (pendingChanges(plan) > 0 && !(await rt.io.confirm(`Create ${describeChanges(plan)} on ${plan.to.cluster}?`))) {
        rt.io.info('nothing created');
        return;
      }
      reportApply(rt, await applyPlan(rt, plan));
    });
}

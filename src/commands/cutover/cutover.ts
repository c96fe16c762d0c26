/** `zdp cutover --from a --to b`: the switch of clients from source to target, resumable and reversible. */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parseGlobs, parsePlainText, parseRecordCount, parseSeconds } from '../../cli/flags.js';
import { renderTable } from '../../cli/render/table.js';
import type { Runtime } from '../../cli/runtime.js';
import { parsePair, selectSourceTopics, withSides, type Pair } from '../../cli/sides.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { FORWARD_STEPS, ROLLBACK_STEPS, planCutover, runCutover as runForward, runRollback, type CutoverOptions as EngineOptions, type CutoverReport } from '../../cutover/cutover.js';
import { KroxyliciousControl, type GatewayControl } from '../../gateway/control.js';
import { ExternalFleetControl } from '../../gateway/fleet.js';
import { readSecret } from '../../config/load.js';
import type { ExternalGateway } from '../../config/types.js';
import { readMm2 } from '../../processes/mirror-maker.js';
import { engineFor } from '../../migration/engine.js';
import { listProductNames, readProduct } from '../../products/store.js';
import { migrationDir } from '../migrate/shared.js';
import { globMatch } from '../../core/sampling.js';
import { parseProductRef } from '../product/shared.js';

export interface CutoverFlags {
  from: string;
  to: string;
  topic: string[];
  exclude: string[];
  group: string[];
  product: string[];
  dryRun: boolean;
  confirm?: string;
  resume: boolean;
  rollback: boolean;
  new?: boolean;
  maxLag: string;
  drainTimeout: string;
  drainConsumersTimeout: string;
  groupWait: string;
  verify: string;
}

export interface CutoverOptions {
  pair: Pair;
  stateDir: string;
  productsDir: string;
  /** zdp.yaml's gateway.instances: a fleet zdp did not start, driven through its control endpoints */
  fleet?: ExternalGateway;
  topics: string[];
  exclude: string[];
  groups: string[];
  products: string[];
  dryRun: boolean;
  confirm?: string;
  resume: boolean;
  rollback: boolean;
  /** start a new cutover even when the journal holds one (finished, or contradicted by the gateway) */
  newCutover: boolean;
  maxLag: bigint;
  drainTimeoutMs: number;
  drainConsumersTimeoutMs: number;
  groupWaitMs: number;
  verifyMs: number;
}

export function parseCutoverOptions(flags: CutoverFlags, rt: ParseContext): CutoverOptions {
  if (flags.resume && flags.rollback) throw new UsageError('--resume and --rollback go separately (a rollback resumes by running --rollback again)');
  if (flags.new && (flags.resume || flags.rollback)) throw new UsageError(`--new starts a cutover; it does not go with --${flags.resume ? 'resume' : 'rollback'}`);
  const options: CutoverOptions = {
    topics: parseGlobs(flags.topic, '--topic'),
    exclude: parseGlobs(flags.exclude, '--exclude'),
    groups: parseGlobs(flags.group, '--group'),
    products: flags.product.map((p) => parseProductRef(p, '--product').name),
    dryRun: flags.dryRun,
    resume: flags.resume,
    rollback: flags.rollback,
    newCutover: flags.new === true,
    maxLag: parseRecordCount(flags.maxLag, '--max-lag'),
    drainTimeoutMs: parseSeconds(flags.drainTimeout, '--drain-timeout', { min: 1, max: 86_400 }),
    drainConsumersTimeoutMs: parseSeconds(flags.drainConsumersTimeout, '--drain-consumers-timeout', { min: 0, max: 3_600 }),
    groupWaitMs: parseSeconds(flags.groupWait, '--group-wait', { min: 0, max: 86_400 }),
    verifyMs: parseSeconds(flags.verify, '--verify', { min: 0, max: 3600 }),
    pair: parsePair(flags.from, flags.to, rt),
    stateDir: rt.config().stateDir,
    productsDir: rt.config().productsDir,
  };
  if (flags.confirm !== undefined) options.confirm = parsePlainText(flags.confirm, '--confirm', 100);
  const fleet = rt.config().gateway;
  if (fleet) options.fleet = fleet;
  return options;
}

function renderReport(r: CutoverReport): string {
  const lines = [
    `${r.kind === 'RollbackReport' ? 'rollback' : 'cutover'} ${r.cutoverId} ${r.from} -> ${r.to}: ${r.outcome}`,
    '',
    renderTable(['STEP', 'TOOK', 'WHAT'], r.steps.map((s) => [s.step, s.fromJournal ? '(journal)' : `${(s.durationMs / 1000).toFixed(1)}s`, s.summary])),
    '',
    `pause seen by producers ${(r.pause.producersMs / 1000).toFixed(2)}s, by consumers ${(r.pause.consumersMs / 1000).toFixed(2)}s; source records missing on the target: ${r.records.sourceRecordsMissingOnTarget}; duplicated by translation: ${r.records.duplicatedByTranslation}${r.records.copiedBack !== undefined ? `; copied back: ${r.records.copiedBack}` : ''}`,
    r.quiesce.via === 'filter'
      ? `clients quiesced by zdp's filter in the gateway (${r.quiesce.instances ?? 1} instance${(r.quiesce.instances ?? 1) === 1 ? '' : 's'}): consumers drained, then producers held; records delivered but not committed at the switch: ${r.quiesce.groups.reduce((n, g) => n + g.uncommitted, 0)}`
      : 'clients fenced by restarting the gateway (no filter loaded)',
    ...(r.records.mm2CheckpointsWouldReRead !== undefined ? [`with MirrorMaker 2's checkpoints instead, consumers would have re-read ${r.records.mm2CheckpointsWouldReRead} and skipped ${r.records.mm2CheckpointsWouldSkip} records`] : []),
  ];
  if (r.quiesce.groups.length > 0) lines.push('', renderTable(['GROUP', 'DRAINED', 'DELIVERED, NOT COMMITTED'], r.quiesce.groups.map((g) => [g.group, g.complete ? 'yes' : 'no (timeout)', String(g.uncommitted)])));
  if (r.groups.length > 0) {
    lines.push('', renderTable(['GROUP', 'TOPIC', 'PARTITION', 'FROM OFFSET', 'TO OFFSET', 'MATCHED RECORD'], r.groups.map((g) => [g.group, g.topic, String(g.partition), g.sourceOffset, g.targetOffset ?? `- (${g.kind})`, g.fingerprint ? `${g.fingerprint.slice(0, 12)}${g.nextSourceOffset ? ` @${g.nextSourceOffset}` : ''}` : g.kind === 'caught-up' ? 'end of log' : '-'])));
  }
  for (const n of r.notes) lines.push('', `note: ${n}`);
  lines.push('', `journal: ${r.journal}`);
  return lines.join('\n');
}

async function resolveTopics(o: CutoverOptions, source: Parameters<typeof selectSourceTopics>[0]): Promise<string[]> {
  const topics = new Set<string>();
  for (const name of o.products) {
    const known = listProductNames(o.productsDir);
    if (!known.includes(name)) throw new NotFoundError('PRODUCT_NOT_FOUND', `no data product named ${name}`, { hint: `known: ${known.join(', ') || 'none'}` });
    for (const t of Object.values(readProduct(o.productsDir, name).spec.deployment.topics)) topics.add(t);
  }
  if (o.topics.length > 0) for (const t of await selectSourceTopics(source, o.topics, [])) topics.add(t);
  if (topics.size === 0) {
    const mm2 = readMm2(migrationDir(o.stateDir, o.pair.source.name, o.pair.target.name));
    for (const t of mm2?.topics ?? (await selectSourceTopics(source, [], []))) topics.add(t);
  }
  return [...topics].filter((t) => !o.exclude.some((p) => globMatch(p, t))).sort();
}

export async function runCutover(o: CutoverOptions, rt: Runtime): Promise<View> {
  const from = o.pair.source.name;
  const to = o.pair.target.name;
  const dir = migrationDir(o.stateDir, from, to);
  // a fleet's token is checked before any connection: a missing one says so, not a refused instance
  if (o.fleet) readSecret(o.fleet.token, rt.env);
  const gateway: GatewayControl = o.fleet ? new ExternalFleetControl(o.fleet, rt.env) : new KroxyliciousControl(o.stateDir, rt.env, (l: string) => rt.io.info(l));
  const report = await withSides(rt, o.pair, async (source, target) => {
    const topics = await resolveTopics(o, source);
    const options: EngineOptions = { from, to, topics, groupPatterns: o.groups, maxLag: o.maxLag, drainTimeoutMs: o.drainTimeoutMs, drainConsumersTimeoutMs: o.drainConsumersTimeoutMs, groupWaitMs: o.groupWaitMs, verifyMs: o.verifyMs, resume: o.resume, newCutover: o.newCutover };
    const steps = o.rollback ? ROLLBACK_STEPS : FORWARD_STEPS;
    // a dry run changes nothing: no confirmation
    if (!o.resume && !o.dryRun) {
      const moveTo = o.rollback ? from : to;
      if (o.confirm !== undefined && o.confirm !== moveTo) throw new UsageError(`--confirm ${o.confirm} does not name the cluster clients move to (${moveTo})`);
      if (o.confirm === undefined && !(await rt.io.confirm(o.rollback ? `Move clients back from ${to} to ${from}?` : `Move clients of ${topics.length} topic${topics.length === 1 ? '' : 's'} from ${from} to ${to}? Producers and consumers pause while it runs.`, `--yes or --confirm ${moveTo}`))) return undefined;
    }
    const engine = engineFor(dir, rt.env, target.profile.connect);
    const deps = {
      source,
      target,
      gateway,
      migrationDir: dir,
      ...(engine ? { engine } : {}),
      log: (l: string) => rt.io.info(l),
      ...(rt.hooks.onCutoverStep ? { onStep: rt.hooks.onCutoverStep } : {}),
    };
    if (o.dryRun) return { dryRun: true as const, topics, steps, ...(await planCutover(deps, options, o.rollback)) };
    return o.rollback ? runRollback(deps, options) : runForward(deps, options);
  });
  if (!report) return { kind: 'CutoverCancelled', data: { changed: false }, text: '', notes: ['nothing changed'] };
  if ('dryRun' in report) {
    return {
      kind: 'CutoverPlan',
      data: { from, to, topics: report.topics, steps: report.steps, plan: report.plan, ...(report.preflight ? { preflight: report.preflight } : {}) },
      text: [
        `cutover ${from} -> ${to} of ${report.topics.join(', ')}`,
        ...(report.preflight ? [`preflight passed: gateway on ${report.preflight.gatewayCluster}, ${report.preflight.groups} groups (${report.preflight.activeGroups.length} active), lag ${report.preflight.lag}, parity ok`] : []),
        ...report.plan.map((p, i) => `  ${i + 1}. ${p.step}: ${p.does}`),
        'dry run: nothing changed',
      ].join('\n'),
    };
  }
  const { kind, ...data } = report;
  return { kind, data, text: renderReport(report) };
}

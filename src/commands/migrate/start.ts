/** `zdp migrate start`: MirrorMaker 2 from source to target (a supervised local process, or connectors on Kafka Connect). */
import { randomBytes } from 'node:crypto';
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parseChoice, parseGlobs, parsePlainText, parsePort } from '../../cli/flags.js';
import type { Runtime } from '../../cli/runtime.js';
import { parsePair, type Pair } from '../../cli/sides.js';
import { CheckFailedError, EnvironmentError, UsageError } from '../../errors.js';
import { findJava } from '../../processes/java.js';
import { readMm2, resolveMirrorMaker, startMirrorMaker, writeMm2, MM2_VERSION } from '../../processes/mirror-maker.js';
import { ensurePortFree, freePort, pickAnother } from '../../processes/ports.js';
import { ConnectClient } from '../../migration/connect-client.js';
import { connectConnectors, renderMm2Properties, SOURCE_ALIAS, TARGET_ALIAS } from '../../core/migration/mm2.js';
import { engineOf, journal, makePlan, migrationDir, mm2Clients, type PlanSelection } from './shared.js';
import { parseSelection } from './plan.js';

export interface StartFlags {
  from: string;
  to: string;
  topic: string[];
  exclude: string[];
  group: string[];
  restPort?: string;
  engine: string;
  connectUrl?: string;
}

export interface StartOptions {
  pair: Pair;
  selection: PlanSelection;
  /** regexes of groups to checkpoint (MirrorMaker 2's own syntax) */
  groups: string[];
  /** undefined: zdp picks a free port and records it */
  restPort?: number;
  engine: 'dedicated' | 'connect';
  connectUrl?: string;
  /** notes for flags in a form that goes away */
  deprecations: string[];
}

/** A glob as the regular expression MirrorMaker 2's group filter takes. */
export function globToMm2Regex(glob: string): string {
  return glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
}

/** Regex-only syntax: a --group written for the old regex form (kept for one release). */
const REGEX_SYNTAX = /\.\*|[\^$()[\]+|\\]/;

export function parseStartOptions(flags: StartFlags, rt: ParseContext): StartOptions {
  const deprecated: string[] = [];
  const groups = parseGlobs(flags.group, '--group').map((g) => {
    if (!REGEX_SYNTAX.test(g)) return globToMm2Regex(g);
    try {
      new RegExp(g);
    } catch {
      throw new UsageError(`--group ${JSON.stringify(g)} is neither a glob nor a regular expression`, { code: 'BAD_PATTERN', hint: 'groups are globs, as everywhere in zdp: --group "billing-*"' });
    }
    deprecated.push(g);
    return g;
  });
  const engine = parseChoice(flags.engine, '--engine', ['dedicated', 'connect'] as const);
  const options: StartOptions = { pair: parsePair(flags.from, flags.to, rt), selection: { ...parseSelection(flags), acls: false, subjects: false }, groups, engine, deprecations: deprecated.map((g) => `--group ${g} is read as a regular expression, as before; groups are globs everywhere in zdp, and the regex form goes in the next release (write e.g. "billing-*")`) };
  if (flags.restPort !== undefined) options.restPort = parsePort(flags.restPort, '--rest-port');
  if (flags.connectUrl !== undefined) {
    if (!/^https?:\/\/[^/@\s]+(\/.*)?$/.test(parsePlainText(flags.connectUrl, '--connect-url'))) throw new UsageError(`--connect-url ${JSON.stringify(flags.connectUrl)}: expected an http(s) URL without credentials`, { code: 'BAD_FLAG' });
    options.connectUrl = flags.connectUrl;
  }
  return options;
}

export async function runStart(options: StartOptions, rt: Runtime): Promise<View> {
  const { pair } = options;
  const from = pair.source.name;
  const to = pair.target.name;
  const dir = migrationDir(rt.config().stateDir, from, to);
  const existing = readMm2(dir);
  const current = engineOf(rt, from, to);
  if (existing && current && (await current.running())) {
    return { kind: 'MigrationStart', data: { alreadyRunning: true, engine: current.kind, pid: existing.pid, connectors: existing.connectors, topics: existing.topics }, text: `MirrorMaker 2 already runs for ${from} -> ${to} (${current.where()})` };
  }
  // a wrong Connect URL or a taken port fails before anything is read or written
  const targetProfile = pair.target;
  const connectService = options.engine === 'connect' ? (options.connectUrl ? { ...(targetProfile.connect?.url.replace(/\/+$/, '') === options.connectUrl.replace(/\/+$/, '') ? targetProfile.connect : {}), url: options.connectUrl } : targetProfile.connect) : undefined;
  if (options.engine === 'connect' && !connectService) throw new UsageError(`the connect engine needs --connect-url or clusters.${to}.connect.url`);
  const connect = connectService ? new ConnectClient(connectService, rt.env) : undefined;
  const info = connect ? await connect.info() : undefined;
  let restPort = options.restPort;
  if (!connect) {
    if (restPort !== undefined) await ensurePortFree(restPort, "MirrorMaker 2's internal REST listener", pickAnother('--rest-port'));
    else restPort = await freePort();
  }
  const plan = await makePlan(rt, pair, options.selection);
  const missing = plan.topics.filter((t) => t.action === 'create').map((t) => t.topic);
  if (missing.length > 0) throw new CheckFailedError('TARGET_NOT_READY', `${missing.length} topic${missing.length === 1 ? ' is' : 's are'} not on ${to} yet: ${missing.join(', ')}`, { hint: `create them first: zdp migrate --from ${from} --to ${to}` });
  const blocking = plan.topics.filter((t) => t.blocking);
  if (blocking.length > 0) throw new CheckFailedError('DRIFT_BLOCKS', `${blocking.map((t) => t.topic).join(', ')} cannot receive the source's records on ${to}`, { hint: 'see `zdp migrate plan`' });
  const topics = plan.topics.map((t) => t.topic);
  const id = existing?.id ?? randomBytes(4).toString('hex');
  const security = mm2Clients(rt, dir, [{ alias: SOURCE_ALIAS, profile: pair.source }, { alias: TARGET_ALIAS, profile: targetProfile }]);
  const mm2Options = {
    migrationId: id,
    source: security.clients[0]!,
    target: security.clients[1]!,
    ...(security.secretsFile ? { secretsFile: security.secretsFile } : {}),
    topics,
    groups: options.groups,
    replicationFactor: Math.min(...plan.topics.map((t) => t.replicationFactor), 3),
    restPort: restPort ?? 0,
    exactlyOnce: true,
    tasksMax: 1,
  };
  const next = `Next: \`zdp migrate status --from ${from} --to ${to} --wait\``;
  if (connect && info) {
    const connectors = connectConnectors(mm2Options, id);
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
    writeMm2(dir, { formatVersion: 1, id, engine: 'connect', connectUrl: connect.url, connectors: names, from, to, topics, groups: options.groups, startedAt: new Date().toISOString() });
    journal(rt.config().stateDir, plan, { step: 'start-mm2', engine: 'connect', connectUrl: connect.url, connectors: names, topics });
    return {
      kind: 'MigrationStart',
      data: { alreadyRunning: false, engine: 'connect', connectUrl: connect.url, connectVersion: info.version, connectors: names, topics },
      text: `MirrorMaker 2 connectors ${names.join(', ')} running on Kafka Connect ${info.version} at ${connect.url}, replicating ${topics.length} topic${topics.length === 1 ? '' : 's'}. ${next}`,
      warnings: [...options.deprecations, ...security.notes],
    };
  }
  const properties = renderMm2Properties(mm2Options);
  const java = await findJava(rt.env);
  const lib = await resolveMirrorMaker(rt.env, (l) => rt.io.info(l));
  const pid = await startMirrorMaker(dir, properties, java, lib, rt.env);
  writeMm2(dir, { formatVersion: 1, id, engine: 'dedicated', from, to, topics, groups: options.groups, pid, restPort: restPort!, startedAt: new Date().toISOString() });
  journal(rt.config().stateDir, plan, { step: 'start-mm2', pid, topics });
  return {
    kind: 'MigrationStart',
    data: { alreadyRunning: false, engine: 'dedicated', pid, restPort, topics, mirrorMaker: MM2_VERSION },
    text: `MirrorMaker 2 (Kafka ${MM2_VERSION}) replicating ${topics.length} topic${topics.length === 1 ? '' : 's'} ${from} -> ${to} (pid ${pid}). ${next}`,
    warnings: [...options.deprecations, ...security.notes],
  };
}

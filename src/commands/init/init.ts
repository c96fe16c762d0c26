/** `zdp init`: write a zdp.yaml, asking on a terminal, from flags otherwise. */
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parseName, parsePlainText, resolvePath } from '../../cli/flags.js';
import type { Runtime } from '../../cli/runtime.js';
import { UsageError } from '../../errors.js';
import { writeAtomic } from '../../atomic-file.js';
import { decodeConfigText } from '../../config/decode.js';
import { PROJECT_FILE } from '../../config/load.js';
import { renderProjectConfig, type InitCluster } from '../../config/render.js';
import { SASL_MECHANISMS, VENDORS } from '../../config/schema.js';

export interface InitFlags {
  cluster?: string;
  vendor: string;
  bootstrap?: string;
  saslMechanism?: string;
  username?: string;
  passwordEnv?: string;
  passwordFile?: string;
  tls: boolean;
  caFile?: string;
  schemaRegistry?: string;
  connectUrl?: string;
  force: boolean;
}

export interface InitOptions {
  /** the zdp.yaml to write */
  file: string;
  /** a profile given by flags; none: ask on a terminal */
  cluster?: InitCluster;
  force: boolean;
}

function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** `--config` names the file to write (a directory: its zdp.yaml). */
export function parseInitOptions(flags: InitFlags, configFlag: string | undefined, rt: ParseContext): InitOptions {
  let file = configFlag === undefined ? join(rt.cwd, PROJECT_FILE) : resolvePath(rt.cwd, configFlag, '--config');
  if (configFlag !== undefined && (configFlag.endsWith('/') || (existsSync(file) && statSync(file).isDirectory()))) file = join(file, PROJECT_FILE);
  for (const [flag, value] of [['--username', flags.username], ['--password-file', flags.passwordFile], ['--ca-file', flags.caFile], ['--schema-registry', flags.schemaRegistry], ['--connect-url', flags.connectUrl], ['--bootstrap', flags.bootstrap]] as const) {
    if (value !== undefined) parsePlainText(value, flag);
  }
  const options: InitOptions = { file, force: flags.force };
  if (flags.cluster !== undefined) options.cluster = clusterFromFlags({ ...flags, cluster: parseName(flags.cluster, '--cluster', 'profile') });
  else for (const f of ['bootstrap', 'saslMechanism', 'username', 'passwordEnv', 'passwordFile', 'caFile', 'schemaRegistry', 'connectUrl'] as const) {
    if (flags[f] !== undefined) throw new UsageError(`--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} describes a cluster profile: name it with --cluster <name>`, { code: 'INIT_FLAGS' });
  }
  return options;
}

function clusterFromFlags(opts: InitFlags): InitCluster {
  if (!opts.bootstrap) throw new UsageError('--cluster needs --bootstrap <host:port,...>', { code: 'INIT_FLAGS', hint: 'for example: zdp init --cluster prod --bootstrap broker1:9092' });
  let sasl: InitCluster['sasl'];
  if (opts.saslMechanism) {
    if (!opts.username) throw new UsageError('--sasl-mechanism needs --username', { code: 'INIT_FLAGS' });
    if (!opts.passwordEnv && !opts.passwordFile) throw new UsageError('--sasl-mechanism needs --password-env <VAR> or --password-file <path> (passwords are never written into zdp.yaml)', { code: 'INIT_FLAGS' });
    sasl = { mechanism: opts.saslMechanism, username: opts.username, ...(opts.passwordEnv ? { passwordEnv: opts.passwordEnv } : {}), ...(opts.passwordFile ? { passwordFile: opts.passwordFile } : {}) };
  }
  return {
    name: opts.cluster!,
    vendor: opts.vendor,
    bootstrapServers: splitList(opts.bootstrap),
    tls: opts.tls || opts.caFile ? { ...(opts.caFile ? { caFile: opts.caFile } : {}) } : undefined,
    sasl,
    schemaRegistryUrl: opts.schemaRegistry,
    connectUrl: opts.connectUrl,
  };
}

async function ask(rt: Runtime): Promise<InitCluster[]> {
  const clusters: InitCluster[] = [];
  const p = await rt.io.prompts();
  while (await p.confirm(clusters.length === 0 ? 'Add a cluster profile now?' : 'Add another cluster profile?', clusters.length === 0)) {
    const name = await p.input('Profile name', clusters.length === 0 ? 'source' : 'target');
    const vendor = await p.select('Vendor', VENDORS, 'apache');
    const bootstrap = await p.input('Bootstrap servers (host:port, comma-separated)', '127.0.0.1:9092');
    const tls = await p.confirm('Use TLS?', false);
    const caFile = tls ? await p.input('CA certificate file (empty: system CAs)', '') : '';
    const mechanism = await p.select('SASL', ['none', ...SASL_MECHANISMS] as const, 'none');
    let sasl: InitCluster['sasl'];
    if (mechanism !== 'none') {
      const username = await p.input('SASL user name');
      const passwordEnv = await p.input('Environment variable holding the password', `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_KAFKA_PASSWORD`);
      sasl = { mechanism, username, passwordEnv };
    }
    const registry = await p.input('Schema Registry URL (empty: none)', '');
    clusters.push({ name, vendor, bootstrapServers: splitList(bootstrap), tls: tls ? { ...(caFile ? { caFile } : {}) } : undefined, sasl, schemaRegistryUrl: registry || undefined });
  }
  return clusters;
}

export async function runInit(options: InitOptions, rt: Runtime): Promise<View> {
  const shown = relative(rt.cwd, options.file) || options.file;
  if (existsSync(options.file) && !options.force) {
    throw new UsageError(`${shown} already exists`, { code: 'INIT_EXISTS', hint: 'pass --force to overwrite it, or edit it by hand' });
  }
  const clusters = options.cluster ? [options.cluster] : rt.io.interactive && !rt.globals.yes ? await ask(rt) : [];
  const text = renderProjectConfig(clusters);
  const check = decodeConfigText(text, PROJECT_FILE);
  if (check.diagnostics.length > 0) {
    throw new UsageError(`the answers do not make a valid config: ${check.diagnostics.map((d) => d.message).join('; ')}`, { code: 'INIT_INVALID' });
  }
  writeAtomic(options.file, text);
  return {
    kind: 'Init',
    data: { file: options.file, clusters: clusters.map((c) => c.name) },
    text: `wrote ${options.file} with ${clusters.length} cluster profile${clusters.length === 1 ? '' : 's'}`,
    notes: [clusters.length > 0 ? `Next: \`zdp cluster check ${clusters[0]!.name}\`` : 'Next: `zdp dev up` for local clusters, or add profiles to zdp.yaml'],
  };
}

/**
 * Loads zdp configuration from its layers and resolves it in one place.
 * Precedence, lowest first: built-in defaults < user file ($XDG_CONFIG_HOME/zdp/config.yaml)
 * < local dev clusters (<state>/dev/profiles.yaml, written by `zdp dev up`) < project file
 * (zdp.yaml in the working directory or the nearest parent, --config or ZDP_CONFIG) < ZDP_<KEY>
 * environment variables < --set key=value and --products flags.
 */
import { printable } from '../core/names.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigError, UsageError, type Diagnostic } from '../errors.js';
import { closest } from '../core/suggest.js';
import { decodeConfigText, type DecodedLayer, type PlainObject } from './decode.js';
import { envOverrides, keyLayer } from './env.js';
import { configSpec, PATH_KEYS, specAt } from './schema.js';
import {
  DEFAULT_TIMEOUT_MS,
  type ClusterProfile,
  type ExternalGateway,
  type GatewayInstanceRef,
  type HttpService,
  type ResolvedConfig,
  type SaslMechanism,
  type SecretRef,
  type Vendor,
} from './types.js';

export interface LoadOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** --config */
  configFile?: string | undefined;
  /** --set key=value, in order */
  sets?: readonly string[];
  /** --products <dir> */
  productsDir?: string | undefined;
}

export const PROJECT_FILE = 'zdp.yaml';
export const DEV_PROFILES_FILE = join('dev', 'profiles.yaml');

export function userConfigFile(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.length > 0 ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'zdp', 'config.yaml');
}

interface Layer {
  file: string;
  decoded: DecodedLayer;
}

function readLayer(file: string, displayName: string): Layer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new ConfigError('CONFIG_UNREADABLE', `${displayName} is a directory, not a config file`, { cause, hint: 'name the zdp.yaml file itself (--config <file>)' });
    if (code === 'EACCES' || code === 'EPERM') throw new ConfigError('CONFIG_UNREADABLE', `cannot read ${displayName}: permission denied`, { cause, hint: "check the file's permissions" });
    throw new ConfigError('CONFIG_UNREADABLE', `cannot read ${displayName}: ${code ?? 'error'}`, { cause, hint: 'check the path given with --config or ZDP_CONFIG' });
  }
  const decoded = decodeConfigText(text, displayName);
  absolutizePaths(decoded.value, dirname(file));
  return { file: displayName, decoded };
}

/** Relative file paths in a layer are relative to the file that wrote them. */
function absolutizePaths(value: PlainObject, baseDir: string): void {
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' && PATH_KEYS.has(k) && !isAbsolute(v)) value[k] = resolve(baseDir, v);
    else if (v && typeof v === 'object' && !Array.isArray(v)) absolutizePaths(v, baseDir);
  }
}

function mergeInto(target: PlainObject, source: PlainObject): void {
  for (const [k, v] of Object.entries(source)) {
    const existing = target[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && existing && typeof existing === 'object' && !Array.isArray(existing)) {
      mergeInto(existing, v);
    } else {
      target[k] = structuredClone(v);
    }
  }
}

function failOn(diagnostics: Diagnostic[], what: string): void {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) return;
  const first = errors[0]!;
  throw new ConfigError(first.code === 'YAML_SYNTAX' ? 'CONFIG_YAML' : 'CONFIG_INVALID', `${what} has ${errors.length} problem${errors.length === 1 ? '' : 's'}`, {
    diagnostics: errors,
    hint: 'fix the keys listed above; `zdp config validate` checks the file again',
  });
}

/** Parses `--set clusters.prod.brokers=a:9092` into a one-key layer, checked against the schema. */
export function decodeSet(expression: string): DecodedLayer {
  const eq = expression.indexOf('=');
  if (eq <= 0) {
    throw new ConfigError('CONFIG_SET', `--set ${expression}: expected key=value`, { hint: 'for example --set clusters.prod.timeoutMs=5000' });
  }
  const path = expression.slice(0, eq).split('.');
  const spec = specAt(path, configSpec);
  if (!spec || spec.type === 'object' || spec.type === 'map' || path[0] === 'apiVersion' || path[0] === 'kind') {
    throw new ConfigError('CONFIG_SET', `--set ${path.join('.')}: no such key`, { hint: 'keys are written as in zdp.yaml, e.g. clusters.prod.bootstrapServers' });
  }
  return keyLayer(path, expression.slice(eq + 1), '--set');
}

export function loadConfig(options: LoadOptions): ResolvedConfig {
  const { cwd, env } = options;
  const layers: Layer[] = [];
  const files: string[] = [];
  const display = (file: string) => {
    const rel = relative(cwd, file);
    return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
  };

  const userFile = userConfigFile(env);
  if (existsSync(userFile)) layers.push(readLayer(userFile, userFile));

  const explicit = options.configFile ?? (env.ZDP_CONFIG && env.ZDP_CONFIG.length > 0 ? env.ZDP_CONFIG : undefined);
  let projectFile: string | undefined;
  if (explicit) {
    projectFile = resolve(cwd, explicit);
    // a directory names its zdp.yaml, as `git -C` names a work tree
    const directory = existsSync(projectFile) && statSync(projectFile).isDirectory();
    if (directory) projectFile = join(projectFile, PROJECT_FILE);
    if (!existsSync(projectFile)) {
      if (directory) throw new ConfigError('CONFIG_NOT_FOUND', `directory ${explicit} has no ${PROJECT_FILE} (--config with a directory reads its ${PROJECT_FILE})`, { hint: `create one there with \`zdp init --config ${explicit}\`, or run the command in that directory without --config` });
      throw new ConfigError('CONFIG_NOT_FOUND', `config file ${explicit} does not exist`, { hint: 'create one with `zdp init`, or drop --config to use ./zdp.yaml' });
    }
  } else {
    // zdp.yaml in the working directory or the nearest parent that has one, as git finds its repository
    for (let dir = resolve(cwd); ; dir = dirname(dir)) {
      const candidate = join(dir, PROJECT_FILE);
      if (existsSync(candidate)) {
        projectFile = candidate;
        break;
      }
      if (dirname(dir) === dir) break;
    }
  }
  const projectLayer = projectFile ? readLayer(projectFile, display(projectFile)) : undefined;
  const projectDir = projectFile ? dirname(projectFile) : cwd;

  for (const layer of [...layers, ...(projectLayer ? [projectLayer] : [])]) failOn(layer.decoded.diagnostics, layer.file);

  const setLayers = (options.sets ?? []).map((s) => decodeSet(s));
  for (const s of setLayers) failOn(s.diagnostics, '--set');

  // profiles the files define, so ZDP_CLUSTERS_PROD_EU_... finds prod-eu; dev profiles are read below
  const fileProfiles = [...layers, ...(projectLayer ? [projectLayer] : [])].flatMap((l) => Object.keys((l.decoded.value.clusters ?? {}) as PlainObject));
  const envSeed = envOverrides(env, fileProfiles);
  failOn(envSeed.diagnostics, 'the environment');
  for (const l of envSeed.layers) failOn(l.diagnostics, l.diagnostics[0]?.file ?? 'the environment');

  // State dir decides where dev profiles live, so resolve it first. A value given on the command
  // line or in the environment is relative to the working directory, one in a file to its project.
  const pick = (key: 'state' | 'products'): { value?: string; origin?: string; base: string } => {
    const sources = [
      ...setLayers.map((d) => ({ decoded: d, base: cwd })),
      ...[...envSeed.layers].reverse().map((d) => ({ decoded: d, base: cwd })),
      ...(projectLayer ? [{ decoded: projectLayer.decoded, base: projectDir }] : []),
      ...layers.map((l) => ({ decoded: l.decoded, base: projectDir })),
    ];
    for (const l of sources) {
      const section = l.decoded.value[key];
      if (section && typeof section === 'object' && !Array.isArray(section) && typeof section.dir === 'string') {
        return { value: section.dir, origin: l.decoded.origins.get(`${key}.dir`) ?? 'config', base: l.base };
      }
    }
    return { base: projectDir };
  };
  const statePick = pick('state');
  const stateDir = resolve(statePick.base, statePick.value ?? '.zdp');
  const productsPick = options.productsDir !== undefined ? { value: options.productsDir, origin: '--products', base: cwd } : pick('products');
  const productsDir = resolve(productsPick.base, productsPick.value ?? 'products');

  const devFile = join(stateDir, DEV_PROFILES_FILE);
  const devLayer = existsSync(devFile) ? readLayer(devFile, display(devFile)) : undefined;
  if (devLayer) failOn(devLayer.decoded.diagnostics, devLayer.file);

  // the environment again, now that dev profiles are known too
  const envLayers = devLayer ? envOverrides(env, [...fileProfiles, ...Object.keys((devLayer.decoded.value.clusters ?? {}) as PlainObject)]).layers : envSeed.layers;
  for (const l of envLayers) absolutizePaths(l.value, cwd);
  const ordered: DecodedLayer[] = [
    ...layers.map((l) => l.decoded),
    ...(devLayer ? [devLayer.decoded] : []),
    ...(projectLayer ? [projectLayer.decoded] : []),
    ...envLayers,
    ...setLayers,
  ];
  for (const l of [...layers, ...(devLayer ? [devLayer] : []), ...(projectLayer ? [projectLayer] : [])]) files.push(l.file);

  const merged: PlainObject = {};
  const origins = new Map<string, string>();
  for (const layer of ordered) {
    mergeInto(merged, layer.value);
    for (const [k, v] of layer.origins) origins.set(k, v);
  }
  origins.set('state.dir', statePick.origin ?? 'default');
  origins.set('products.dir', productsPick.origin ?? 'default');

  const clusters: Record<string, ClusterProfile> = {};
  const diagnostics: Diagnostic[] = [];
  const rawClusters = (merged.clusters ?? {}) as Record<string, PlainObject>;
  for (const name of Object.keys(rawClusters).sort()) {
    const built = buildProfile(name, rawClusters[name]!, origins, diagnostics);
    if (built) clusters[name] = built;
  }
  const gateway = buildGateway(merged.gateway as PlainObject | undefined, origins, diagnostics);
  failOn(diagnostics, projectLayer?.file ?? 'the configuration');

  const defaultCluster = typeof merged.defaultCluster === 'string' ? merged.defaultCluster : undefined;
  return {
    ...(projectFile ? { projectFile } : {}),
    ...(defaultCluster ? { defaultCluster } : {}),
    projectDir,
    stateDir,
    productsDir,
    clusters,
    ...(gateway ? { gateway } : {}),
    origins,
    files,
  };
}

/** Where a key was set (file and line), else where anything under `section` was: for diagnostics. */
function locate(origins: Map<string, string>, key: string, section: string): Pick<Diagnostic, 'file' | 'line'> {
  const origin = origins.get(key) ?? [...origins.entries()].find(([k]) => k.startsWith(`${section}.`))?.[1];
  if (!origin) return {};
  const idx = origin.lastIndexOf(':');
  return idx > 0 ? { file: origin.slice(0, idx), line: Number(origin.slice(idx + 1)) } : { file: origin };
}

function buildGateway(raw: PlainObject | undefined, origins: Map<string, string>, diagnostics: Diagnostic[]): ExternalGateway | undefined {
  if (!raw) return undefined;
  const at = (key: string) => locate(origins, key, 'gateway');
  const instances: GatewayInstanceRef[] = [];
  const rawInstances = (raw.instances ?? {}) as Record<string, PlainObject>;
  for (const name of Object.keys(rawInstances).sort()) {
    const i = rawInstances[name]!;
    const missing = (['control', 'bootstrap'] as const).filter((k) => typeof i[k] !== 'string');
    if (missing.length > 0) {
      diagnostics.push({ code: 'CONFIG_REQUIRED', severity: 'error', message: `gateway.instances.${name} needs ${missing.join(' and ')}`, path: `gateway.instances.${name}`, ...at(`gateway.instances.${name}.${missing[0]}`) });
      continue;
    }
    instances.push({ name, control: (i.control as string).replace(/\/+$/, ''), bootstrap: i.bootstrap as string });
  }
  const token = secretRef(raw, 'gateway', 'token');
  if (instances.length === 0) {
    diagnostics.push({ code: 'CONFIG_REQUIRED', severity: 'error', message: 'gateway.instances lists no instance (name: { control: http://host:port, bootstrap: host:port })', path: 'gateway.instances', ...at('gateway.instances') });
    return undefined;
  }
  if (raw.tokenEnv !== undefined && raw.tokenFile !== undefined) {
    diagnostics.push({ code: 'CONFIG_CONFLICT', severity: 'error', message: 'gateway: give tokenEnv or tokenFile, not both', path: 'gateway', ...at('gateway.tokenEnv') });
  }
  if (!token) {
    diagnostics.push({ code: 'CONFIG_REQUIRED', severity: 'error', message: "gateway needs tokenEnv or tokenFile: the bearer token the instances' control endpoints accept", path: 'gateway', ...at('gateway.instances') });
    return undefined;
  }
  return { instances, token };
}

function secretRef(section: PlainObject, prefix: string, kind: 'password' | 'token' | 'keyPassword'): SecretRef | undefined {
  const env = section[`${kind}Env`];
  const file = section[`${kind}File`];
  if (env === undefined && file === undefined) return undefined;
  return {
    key: `${prefix}.${kind}${env !== undefined ? 'Env' : 'File'}`,
    ...(typeof env === 'string' ? { env } : {}),
    ...(typeof file === 'string' ? { file } : {}),
  };
}

function buildProfile(name: string, raw: PlainObject, origins: Map<string, string>, diagnostics: Diagnostic[]): ClusterProfile | undefined {
  const base = `clusters.${name}`;
  const at = (key: string) => locate(origins, key, base);
  const bootstrap = raw.bootstrapServers;
  if (!Array.isArray(bootstrap)) {
    diagnostics.push({ code: 'CONFIG_REQUIRED', severity: 'error', message: `${base}.bootstrapServers is required (host:port list)`, path: `${base}.bootstrapServers`, ...at(base) });
    return undefined;
  }
  const profile: ClusterProfile = {
    name,
    vendor: (raw.vendor as Vendor | undefined) ?? 'apache',
    bootstrapServers: bootstrap as string[],
    timeoutMs: (raw.timeoutMs as number | undefined) ?? DEFAULT_TIMEOUT_MS,
  };
  if (!origins.has(`${base}.vendor`)) origins.set(`${base}.vendor`, 'default');
  if (!origins.has(`${base}.timeoutMs`)) origins.set(`${base}.timeoutMs`, 'default');

  const tls = raw.tls as PlainObject | undefined;
  if (tls) {
    const keyPassword = secretRef(tls, `${base}.tls`, 'keyPassword');
    if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
      diagnostics.push({ code: 'CONFIG_REQUIRED', severity: 'error', message: `${base}.tls: certFile and keyFile go together (client certificate)`, path: `${base}.tls`, ...at(`${base}.tls.certFile`) });
    }
    profile.tls = {
      enabled: (tls.enabled as boolean | undefined) ?? true,
      insecureSkipVerify: (tls.insecureSkipVerify as boolean | undefined) ?? false,
      ...(typeof tls.caFile === 'string' ? { caFile: tls.caFile } : {}),
      ...(typeof tls.certFile === 'string' ? { certFile: tls.certFile } : {}),
      ...(typeof tls.keyFile === 'string' ? { keyFile: tls.keyFile } : {}),
      ...(typeof tls.serverName === 'string' ? { serverName: tls.serverName } : {}),
      ...(keyPassword ? { keyPassword } : {}),
    };
  }
  const sasl = raw.sasl as PlainObject | undefined;
  if (sasl) {
    const password = secretRef(sasl, `${base}.sasl`, 'password');
    const missing: string[] = [];
    if (typeof sasl.mechanism !== 'string') missing.push('mechanism');
    if (typeof sasl.username !== 'string') missing.push('username');
    if (!password) missing.push('passwordEnv or passwordFile');
    if (sasl.passwordEnv !== undefined && sasl.passwordFile !== undefined) {
      diagnostics.push({ code: 'CONFIG_CONFLICT', severity: 'error', message: `${base}.sasl: give passwordEnv or passwordFile, not both`, path: `${base}.sasl`, ...at(`${base}.sasl.passwordEnv`) });
    }
    if (missing.length > 0) {
      diagnostics.push({ code: 'CONFIG_REQUIRED', severity: 'error', message: `${base}.sasl needs ${missing.join(', ')}`, path: `${base}.sasl`, ...at(`${base}.sasl.mechanism`) });
    } else {
      profile.sasl = { mechanism: sasl.mechanism as SaslMechanism, username: sasl.username as string, password: password! };
    }
  }
  for (const svc of ['schemaRegistry', 'connect'] as const) {
    const section = raw[svc] as PlainObject | undefined;
    if (!section) continue;
    if (typeof section.url !== 'string') {
      diagnostics.push({ code: 'CONFIG_REQUIRED', severity: 'error', message: `${base}.${svc}.url is required`, path: `${base}.${svc}.url`, ...at(`${base}.${svc}`) });
      continue;
    }
    const password = secretRef(section, `${base}.${svc}`, 'password');
    const token = secretRef(section, `${base}.${svc}`, 'token');
    const service: HttpService = {
      url: section.url.replace(/\/+$/, ''),
      ...(typeof section.username === 'string' ? { username: section.username } : {}),
      ...(password ? { password } : {}),
      ...(token ? { token } : {}),
      ...(typeof section.caFile === 'string' ? { caFile: section.caFile } : {}),
    };
    profile[svc] = service;
  }
  return profile;
}

/** The profile a command names with `flag`, or the project's default one (`zdp config use`). */
export function namedOrDefaultCluster(config: ResolvedConfig, name: string | undefined, flag: string): ClusterProfile {
  if (name !== undefined) return getCluster(config, name);
  if (config.defaultCluster !== undefined) return getCluster(config, config.defaultCluster);
  const known = Object.keys(config.clusters);
  throw new UsageError(`no cluster named: pass ${flag}, or set a default for this project with \`zdp config use <profile>\``, {
    code: 'NO_CLUSTER',
    hint: known.length > 0 ? `known profiles: ${known.join(', ')}` : 'no profiles are configured yet: `zdp init` or `zdp dev up`',
  });
}

/** The profile called `name`, or a config error listing the known ones. */
export function getCluster(config: ResolvedConfig, name: string): ClusterProfile {
  const profile = Object.hasOwn(config.clusters, name) ? config.clusters[name] : undefined;
  if (profile) return profile;
  const known = Object.keys(config.clusters);
  const guess = closest(name, known);
  throw new ConfigError('UNKNOWN_CLUSTER', `no cluster profile named "${printable(name)}"${guess ? ` (did you mean "${guess}"?)` : ''}`, {
    hint: known.length > 0
      ? `known profiles: ${known.join(', ')}`
      : 'no profiles are configured: add one to zdp.yaml with `zdp init`, or start local clusters with `zdp dev up`',
  });
}

/** Reads a referenced secret. The value is returned to the adapter that needs it and never logged. */
export function readSecret(ref: SecretRef, env: NodeJS.ProcessEnv): string {
  if (ref.env !== undefined) {
    const value = env[ref.env];
    if (value === undefined || value.length === 0) {
      throw new ConfigError('SECRET_UNSET', `${ref.key} names the environment variable ${ref.env}, which is not set`, {
        hint: `export ${ref.env}=<secret> before running zdp, or point ${ref.key.replace(/Env$/, 'File')} at a file`,
      });
    }
    return value;
  }
  if (ref.file !== undefined) {
    try {
      return readFileSync(ref.file, 'utf8').replace(/\r?\n$/, '');
    } catch (cause) {
      throw new ConfigError('SECRET_FILE', `${ref.key}: cannot read the secret file ${ref.file} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, {
        cause,
        hint: 'check the path and its permissions',
      });
    }
  }
  throw new ConfigError('SECRET_UNSET', `${ref.key} is empty`);
}

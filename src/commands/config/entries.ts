/** The flattened, redacted configuration entries and the secret checks behind `zdp config`. */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import type { Diagnostic } from '../../errors.js';
import type { ClusterProfile, ResolvedConfig, SecretRef } from '../../config/types.js';

export interface ConfigEntry {
  key: string;
  /** typed as in zdp.yaml: numbers and booleans are not strings */
  value: string | number | boolean;
  origin: string;
}

function describeRef(ref: SecretRef, env: NodeJS.ProcessEnv): string {
  if (ref.env !== undefined) return `$${ref.env} (${env[ref.env] ? 'set' : 'NOT SET'})`;
  return `${ref.file} (${ref.file && existsSync(ref.file) ? 'file exists' : 'FILE MISSING'})`;
}

/** Flattened, redacted view of the resolved config. Values of secrets are never read here. */
export function configEntries(config: ResolvedConfig, env: NodeJS.ProcessEnv): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  const origin = (key: string) => config.origins.get(key) ?? 'default';
  out.push({ key: 'state.dir', value: config.stateDir, origin: origin('state.dir') });
  out.push({ key: 'products.dir', value: config.productsDir, origin: origin('products.dir') });
  if (config.defaultCluster !== undefined) out.push({ key: 'defaultCluster', value: config.defaultCluster, origin: origin('defaultCluster') });
  for (const name of Object.keys(config.clusters).sort()) {
    const c = config.clusters[name]!;
    const base = `clusters.${name}`;
    const add = (key: string, value: string | number | boolean, originKey = key) => out.push({ key: `${base}.${key}`, value, origin: origin(`${base}.${originKey}`) });
    add('vendor', c.vendor);
    add('bootstrapServers', c.bootstrapServers.join(','));
    add('timeoutMs', c.timeoutMs);
    if (c.tls) {
      add('tls.enabled', c.tls.enabled);
      if (c.tls.caFile) add('tls.caFile', c.tls.caFile);
      if (c.tls.certFile) add('tls.certFile', c.tls.certFile);
      if (c.tls.keyFile) add('tls.keyFile', c.tls.keyFile);
      if (c.tls.keyPassword) add(refKey('tls', c.tls.keyPassword), describeRef(c.tls.keyPassword, env));
      if (c.tls.serverName) add('tls.serverName', c.tls.serverName);
      if (c.tls.insecureSkipVerify) add('tls.insecureSkipVerify', true);
    }
    if (c.sasl) {
      add('sasl.mechanism', c.sasl.mechanism);
      add('sasl.username', c.sasl.username);
      add(refKey('sasl', c.sasl.password), describeRef(c.sasl.password, env));
    }
    for (const svc of ['schemaRegistry', 'connect'] as const) {
      const s = c[svc] as ClusterProfile['schemaRegistry'];
      if (!s) continue;
      add(`${svc}.url`, s.url);
      if (s.username) add(`${svc}.username`, s.username);
      if (s.password) add(refKey(svc, s.password), describeRef(s.password, env));
      if (s.token) add(refKey(svc, s.token), describeRef(s.token, env));
    }
  }
  if (config.gateway) {
    for (const i of config.gateway.instances) {
      for (const k of ['control', 'bootstrap'] as const) out.push({ key: `gateway.instances.${i.name}.${k}`, value: i[k], origin: origin(`gateway.instances.${i.name}.${k}`) });
    }
    const t = config.gateway.token;
    out.push({ key: t.key, value: describeRef(t, env), origin: origin(t.key) });
  }
  return out;
}

function refKey(section: string, ref: SecretRef): string {
  return `${section}.${ref.key.split('.').pop()}`;
}

export function secretProblems(config: ResolvedConfig, env: NodeJS.ProcessEnv): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const check = (ref: SecretRef | undefined) => {
    if (!ref) return;
    const where = originOf(config, ref.key);
    if (ref.env !== undefined && !env[ref.env]) {
      problems.push({ code: 'SECRET_UNSET', severity: 'error', message: `${ref.key} names the environment variable ${ref.env}, which is not set`, path: ref.key, ...where });
    }
    if (ref.file !== undefined && !existsSync(ref.file)) {
      problems.push({ code: 'SECRET_FILE', severity: 'error', message: `${ref.key}: the file ${ref.file} does not exist`, path: ref.key, ...where });
    }
  };
  for (const c of Object.values(config.clusters)) {
    check(c.sasl?.password);
    check(c.tls?.keyPassword);
    check(c.schemaRegistry?.password);
    check(c.schemaRegistry?.token);
    check(c.connect?.password);
    check(c.connect?.token);
  }
  check(config.gateway?.token);
  return problems;
}

function originOf(config: ResolvedConfig, key: string): Pick<Diagnostic, 'file' | 'line'> {
  const origin = config.origins.get(key);
  if (!origin) return {};
  const i = origin.lastIndexOf(':');
  const line = i > 0 ? Number(origin.slice(i + 1)) : NaN;
  return Number.isInteger(line) && line > 0 ? { file: origin.slice(0, i), line } : { file: origin };
}

/** Certificate and key files the profiles name that cannot be read, and a default cluster that names no profile. */
export function referenceProblems(config: ResolvedConfig): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const check = (key: string, file: string | undefined) => {
    if (file === undefined) return;
    let problem: string | undefined;
    try {
      const st = statSync(file);
      if (st.isDirectory()) problem = 'is a directory, not a file';
      else accessSync(file, constants.R_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      problem = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? 'error'})`;
    }
    if (problem) problems.push({ code: 'CONFIG_FILE_MISSING', severity: 'error', message: `${key}: the file ${file} ${problem}`, path: key, ...originOf(config, key) });
  };
  for (const [name, c] of Object.entries(config.clusters)) {
    const base = `clusters.${name}`;
    check(`${base}.tls.caFile`, c.tls?.caFile);
    check(`${base}.tls.certFile`, c.tls?.certFile);
    check(`${base}.tls.keyFile`, c.tls?.keyFile);
    check(`${base}.schemaRegistry.caFile`, c.schemaRegistry?.caFile);
    check(`${base}.connect.caFile`, c.connect?.caFile);
  }
  if (config.defaultCluster !== undefined && !Object.hasOwn(config.clusters, config.defaultCluster)) {
    problems.push({ code: 'CONFIG_UNKNOWN_CLUSTER', severity: 'error', message: `defaultCluster names the profile "${config.defaultCluster}", which is not configured`, path: 'defaultCluster', ...originOf(config, 'defaultCluster') });
  }
  return problems;
}

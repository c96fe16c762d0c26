/**
 * Per-key environment overrides: every key of zdp.yaml has a variable of the form ZDP_<KEY>, the
 * dotted path upper-cased with camelCase split by underscores:
 *   defaultCluster                    ZDP_DEFAULT_CLUSTER
 *   products.dir                      ZDP_PRODUCTS_DIR
 *   clusters.prod.bootstrapServers    ZDP_CLUSTERS_PROD_BOOTSTRAP_SERVERS
 *   clusters.prod.tls.caFile          ZDP_CLUSTERS_PROD_TLS_CA_FILE
 * A profile name is the part between CLUSTERS_ and the key; it matches an existing profile whose
 * name is the same with - or _ (ZDP_CLUSTERS_PROD_EU_... names prod-eu), or makes a new one in
 * lower case. Values are typed by the key: numbers, true/false, comma-separated lists.
 * Pure: an environment in, one config layer out.
 */
import type { Diagnostic } from '../errors.js';
import type { DecodedLayer, PlainObject, PlainValue } from './decode.js';
import { decodeConfigText } from './decode.js';
import { clusterSpec, configSpec, type Spec } from './schema.js';

/** ZDP_ variables that are settings of zdp itself, not config keys. */
export const ZDP_ENVIRONMENT = ['ZDP_CONFIG', 'ZDP_CACHE_DIR', 'ZDP_MVN', 'ZDP_MAX_BATCH_BYTES'] as const;

export function envSegment(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toUpperCase();
}

/** Every leaf key below a spec, as [env suffix, path]. Inline secrets included, so they are refused by name. */
function leaves(spec: Spec, path: string[] = []): Array<[string, string[]]> {
  if (spec.type === 'object') return Object.entries(spec.fields).flatMap(([k, s]) => leaves(s, [...path, k]));
  if (spec.type === 'map') return [];
  return [[path.map(envSegment).join('_'), path]];
}

const TOP_LEAVES = leaves(configSpec).filter(([, p]) => p[0] !== 'apiVersion' && p[0] !== 'kind');
// longest first, so TLS_KEY_PASSWORD_FILE wins over a shorter key that ends the same way
const CLUSTER_LEAVES = leaves(clusterSpec).sort((a, b) => b[0].length - a[0].length);

/** The env variable of a dotted key, for messages and docs. */
export function envNameOf(key: string): string {
  return `ZDP_${key.split('.').map(envSegment).join('_')}`;
}

/** Typed like the key: integers and booleans from their text, lists split at commas. */
function coerce(raw: string, spec: Spec): PlainValue {
  if (spec.type === 'integer' && /^-?\d+$/.test(raw.trim())) return Number(raw.trim());
  if (spec.type === 'boolean' && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === 'true';
  return raw;
}

function specOf(path: readonly string[]): Spec {
  let s: Spec = configSpec;
  for (const part of path) s = s.type === 'object' ? s.fields[part]! : s.type === 'map' ? s.values : s;
  return s;
}

/** Builds a layer from `value` placed at `path`, decoded with the rules files follow. */
export function keyLayer(path: readonly string[], raw: string, origin: string): DecodedLayer {
  let nested: PlainValue = coerce(raw, specOf(path));
  for (let i = path.length - 1; i >= 0; i--) nested = { [path[i]!]: nested };
  const decoded = decodeConfigText(JSON.stringify({ apiVersion: 'zdp/v1', ...(nested as PlainObject) }), origin);
  decoded.origins.delete('apiVersion');
  delete decoded.value.apiVersion;
  for (const key of decoded.origins.keys()) decoded.origins.set(key, origin);
  for (const d of decoded.diagnostics) {
    d.file = origin;
    delete d.line;
    delete d.column;
  }
  return decoded;
}

export interface EnvLayer {
  layers: DecodedLayer[];
  diagnostics: Diagnostic[];
}

/** The overrides in `env`, in name order. `profiles`: the profile names the files define. */
export function envOverrides(env: NodeJS.ProcessEnv, profiles: readonly string[]): EnvLayer {
  const layers: DecodedLayer[] = [];
  const diagnostics: Diagnostic[] = [];
  const names = Object.keys(env).filter((n) => n.startsWith('ZDP_') && env[n] !== undefined && env[n] !== '').sort();
  for (const name of names) {
    const raw = env[name]!;
    const top = TOP_LEAVES.find(([suffix]) => `ZDP_${suffix}` === name);
    if (top) {
      layers.push(keyLayer(top[1], raw, name));
      continue;
    }
    if (!name.startsWith('ZDP_CLUSTERS_')) continue; // other ZDP_ variables are settings, not keys
    const rest = name.slice('ZDP_CLUSTERS_'.length);
    const leaf = CLUSTER_LEAVES.find(([suffix]) => rest.endsWith(`_${suffix}`) && rest.length > suffix.length + 1);
    if (!leaf) {
      diagnostics.push({ code: 'CONFIG_ENV', severity: 'error', message: `${name} names no config key: write ZDP_CLUSTERS_<PROFILE>_<KEY>, e.g. ZDP_CLUSTERS_PROD_BOOTSTRAP_SERVERS` });
      continue;
    }
    const token = rest.slice(0, rest.length - leaf[0].length - 1);
    const profile = profiles.find((p) => envSegment(p) === token) ?? token.toLowerCase();
    layers.push(keyLayer(['clusters', profile, ...leaf[1]], raw, name));
  }
  return { layers, diagnostics };
}

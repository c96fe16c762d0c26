/** `zdp productize`: bundle contracts into a versioned data product and gate breaking changes. */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { parseChoice, parseInteger, parsePlainText, resolvePath } from '../../cli/flags.js';
import type { Runtime } from '../../cli/runtime.js';
import { CheckFailedError, ConfigError, NotFoundError, UsageError, type Diagnostic } from '../../errors.js';
import { printable } from '../../core/names.js';
import { COMPATIBILITY_RULES, type CompatibilityRule } from '../../core/products/compat.js';
import { buildProduct, bundleContracts, compareSemver, CONSUMPTION_MODES, parseSemver, PRODUCT_NAME, selectChannels, versionGate, type AccessRule, type ConsumptionMode, type DataProduct } from '../../core/products/spec.js';
import { SchemaRegistryClient, type SchemaType } from '../../registry/client.js';
import type { ClusterProfile } from '../../config/types.js';
import { generateDocs } from '../../products/docs.js';
import { listVersions, PRODUCT_FILE, productDir, readProduct, renderProduct, validateProduct, writeProduct } from '../../products/store.js';
import { gateDiagnostics, loadContract, renderGate, type Doc } from './shared.js';

export interface ProductizeFlags {
  contract: string[];
  name: string;
  version: string;
  channel: string[];
  owner?: string;
  ownerEmail?: string;
  domain?: string;
  description?: string;
  tag: string[];
  contact: string[];
  compatibility: string;
  consumption: string;
  writable: string[];
  access: string[];
  cluster?: string;
  freshness?: string;
  out?: string;
  docs: boolean;
  registryCheck: boolean;
  dryRun: boolean;
}

export interface ProductizeOptions {
  contracts: { path: string; shown: string }[];
  name: string;
  version: string;
  channels: string[];
  owner?: string;
  ownerEmail?: string;
  domain?: string;
  description?: string;
  tags: string[];
  contacts: { name: string; email?: string; role?: string }[];
  compatibility: CompatibilityRule;
  consumption: ConsumptionMode[];
  writable: string[];
  access: AccessRule[];
  cluster?: string;
  freshnessSeconds?: number;
  productsDir: string;
  deprecations: string[];
  docs: boolean;
  registryCheck: boolean;
  dryRun: boolean;
}

/** `Ada Lovelace <ada@example.com> on-call` */
export function parseContact(value: string): { name: string; email?: string; role?: string } {
  parsePlainText(value, '--contact', 300);
  const m = /^\s*([^<]+?)\s*(?:<([^>]+)>\s*(.*))?$/.exec(value);
  if (!m || !m[1]) throw new UsageError(`--contact ${value}: expected "Name <email> role"`);
  return { name: m[1], ...(m[2] ? { email: m[2] } : {}), ...(m[3] ? { role: m[3].trim() } : {}) };
}

/** `app:billing=read,write@ordersCreated,refunds` */
export function parseAccess(value: string): AccessRule {
  const m = /^((?:app|role):[A-Za-z0-9._-]+)=([a-z,]+)(?:@([A-Za-z0-9._,-]+))?$/.exec(value);
  if (!m) throw new UsageError(`--access ${JSON.stringify(printable(value))}: expected <app|role>:<name>=<read|write>[,...][@<channel>,...]`, { hint: 'for example --access app:billing=read or --access role:ops=read,write@ordersCreated' });
  const permissions = [...new Set(m[2]!.split(','))].sort();
  for (const p of permissions) if (p !== 'read' && p !== 'write') throw new UsageError(`--access ${value}: unknown permission "${p}" (read or write)`);
  return { principal: m[1]!, permissions: permissions as ('read' | 'write')[], channels: m[3] ? m[3].split(',').sort() : ['*'] };
}

export function parseProductizeOptions(flags: ProductizeFlags, rt: ParseContext): ProductizeOptions {
  if (!PRODUCT_NAME.test(flags.name)) throw new UsageError(`--name ${printable(flags.name)}: use 2-63 lower-case letters, digits and -, starting with a letter`, { code: 'BAD_NAME' });
  if (!parseSemver(flags.version)) throw new UsageError(`--version ${printable(flags.version)} is not semver: use MAJOR.MINOR.PATCH, e.g. 1.0.0`, { code: 'BAD_VERSION' });
  const consumption = flags.consumption.split(',').map((s) => s.trim()).filter(Boolean);
  for (const m of consumption) if (!(CONSUMPTION_MODES as readonly string[]).includes(m)) throw new UsageError(`--consumption: unknown mode "${printable(m)}" (${CONSUMPTION_MODES.join(', ')})`);
  for (const [flag, v] of [['--owner', flags.owner], ['--owner-email', flags.ownerEmail], ['--domain', flags.domain], ['--description', flags.description], ['--cluster', flags.cluster]] as const) if (v !== undefined) parsePlainText(v, flag, flag === '--description' ? 2000 : 200);
  for (const t of flags.tag) parsePlainText(t, '--tag', 100);
  for (const c of flags.channel) parsePlainText(c, '--channel', 249);
  for (const c of flags.writable) parsePlainText(c, '--writable', 249);
  const options: ProductizeOptions = {
    contracts: flags.contract.map((f) => ({ path: resolvePath(rt.cwd, f, '--contract'), shown: f })),
    name: flags.name,
    version: flags.version,
    channels: flags.channel,
    tags: [...new Set(flags.tag)],
    contacts: flags.contact.map(parseContact),
    compatibility: parseChoice(flags.compatibility, '--compatibility', COMPATIBILITY_RULES),
    consumption: consumption as ConsumptionMode[],
    writable: flags.writable,
    access: flags.access.map(parseAccess),
    productsDir: flags.out ? resolvePath(rt.cwd, flags.out, '--out') : rt.config().productsDir,
    deprecations: flags.out ? ['productize --out is now the global --products-dir (one name for the products directory in every command); --out goes in the next release'] : [],
    docs: flags.docs,
    registryCheck: flags.registryCheck,
    dryRun: flags.dryRun,
  };
  if (flags.owner) options.owner = flags.owner;
  if (flags.ownerEmail) options.ownerEmail = flags.ownerEmail;
  if (flags.domain) options.domain = flags.domain;
  if (flags.description) options.description = flags.description;
  if (flags.cluster) options.cluster = flags.cluster;
  if (flags.freshness !== undefined) options.freshnessSeconds = parseInteger(flags.freshness, '--freshness', { min: 0, max: 31_536_000 });
  return options;
}

/** Asks the registry of the product's cluster about every registry-backed message. */
async function registryChecks(product: DataProduct, profile: ClusterProfile | undefined, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<Diagnostic[]> {
  if (!profile?.schemaRegistry) return [];
  const registry = new SchemaRegistryClient(profile.schemaRegistry, env, profile.name, profile.timeoutMs);
  const out: Diagnostic[] = [];
  const messages = ((product.spec.contract.components as Doc | undefined)?.messages ?? {}) as Doc;
  for (const id of Object.keys(messages).sort()) {
    const m = messages[id] as Doc;
    const meta = m['x-zdp-schema'] as { subject?: string; schemaType?: SchemaType } | undefined;
    if (!meta?.subject || !m.payload?.schema) continue;
    const type = meta.schemaType ?? 'AVRO';
    const text = typeof m.payload.schema === 'string' ? m.payload.schema : JSON.stringify(m.payload.schema);
    const verdict = await registry.checkCompatibility(meta.subject, text, type);
    const level = await registry.getCompatibility(meta.subject).catch(() => 'unknown');
    log(`registry: ${meta.subject} (${level}) ${verdict.compatible ? 'accepts' : 'rejects'} the schema of ${id}`);
    if (!verdict.compatible) {
      out.push({ code: 'REGISTRY_INCOMPATIBLE', severity: 'error', message: `subject ${meta.subject} (${level}) rejects the new schema of message ${id}${verdict.messages.length ? `: ${verdict.messages.join('; ')}` : ''}`, path: `components.messages.${id}.payload` });
    }
  }
  return out;
}

export async function runProductize(o: ProductizeOptions, rt: Runtime): Promise<View> {
  const contracts = [];
  for (const c of o.contracts) contracts.push(await loadContract(c.path, c.shown));
  const bundled = bundleContracts(contracts, o.name, o.version);
  if (bundled.diagnostics.length > 0) throw new ConfigError('CONTRACT_CLASH', 'the contracts cannot be bundled into one product', { diagnostics: bundled.diagnostics });
  const available = Object.entries(bundled.doc.channels as Doc).map(([id, ch]) => `${id} (${ch.address})`);
  let wanted = o.channels;
  if (wanted.length === 0 && rt.io.interactive && !rt.globals.yes && available.length > 1) {
    const picked = await (await rt.io.prompts()).multiselect('Channels to expose', available);
    wanted = picked.map((p) => p.split(' ')[0]!);
  }
  const selected = selectChannels(bundled.doc, wanted);
  if (selected.unknown.length > 0) {
    throw new NotFoundError('UNKNOWN_CHANNEL', `unknown channel${selected.unknown.length > 1 ? 's' : ''}: ${selected.unknown.map(printable).join(', ')}`, { hint: `the contracts have: ${available.join(', ')}` });
  }
  if (Object.keys(selected.doc.channels).length === 0) throw new UsageError('the product would expose no channel');
  let owner = o.owner;
  if (!owner && rt.io.interactive && !rt.globals.yes) owner = parsePlainText(await (await rt.io.prompts()).input('Owning team'), 'owner', 200);
  if (!owner) throw new UsageError('a data product needs an owner: pass --owner <team>', { code: 'PROMPT_NO_TTY' });
  const servers = Object.keys((selected.doc.servers ?? {}) as Doc);
  const cluster = o.cluster ?? servers[0];
  if (!cluster) throw new UsageError('no cluster: pass --cluster <profile>');

  const product = buildProduct(selected.doc, {
    name: o.name,
    version: o.version,
    owner: { team: owner, ...(o.ownerEmail ? { email: o.ownerEmail } : {}) },
    ...(o.domain ? { domain: o.domain } : {}),
    ...(o.description ? { description: o.description } : {}),
    tags: o.tags,
    contacts: o.contacts,
    compatibility: o.compatibility,
    consumption: o.consumption,
    writable: o.writable,
    access: o.access,
    cluster,
    ...(o.freshnessSeconds !== undefined ? { freshnessSeconds: o.freshnessSeconds } : {}),
  });
  const { productsDir } = o;
  const problems = validateProduct(product, `${o.name}@${o.version}`);
  if (problems.length > 0) throw new ConfigError('PRODUCT_INVALID', 'the product would not be valid', { diagnostics: problems });

  // Existing versions: same version must be the same bytes; a new one must be newer and pass the gate.
  const versions = listVersions(productsDir, o.name);
  const target = join(productDir(productsDir, o.name, o.version), PRODUCT_FILE);
  if (versions.includes(o.version)) {
    if (readFileSync(target, 'utf8') === renderProduct(product)) {
      return { kind: 'Productize', data: { product: o.name, productVersion: o.version, unchanged: true, files: [] }, text: `${o.name} ${o.version} is unchanged` };
    }
    throw new CheckFailedError('PRODUCT_VERSION_EXISTS', `${o.name} ${o.version} already exists with other content`, { hint: `released versions are immutable: bump the version (latest is ${versions[versions.length - 1]})` });
  }
  const latest = versions[versions.length - 1];
  if (latest && compareSemver(o.version, latest) < 0) {
    throw new CheckFailedError('VERSION_NOT_NEWER', `version ${o.version} is lower than the latest, ${latest}`, { hint: `use a version above ${latest}` });
  }
  const previous = versions.map((v) => readProduct(productsDir, o.name, v));
  const gate = versionGate(previous, product);
  if (!gate.ok) {
    rt.io.info(renderGate(gate));
    throw new CheckFailedError('BREAKING_CHANGE', `${gate.breaking} breaking change${gate.breaking === 1 ? '' : 's'} since ${latest} under the product's compatibility rules: ${o.version} must be a new major version`, {
      diagnostics: gateDiagnostics(gate),
      hint: `release it as ${parseSemver(latest!)!.major + 1}.0.0, or undo the changes`,
    });
  }
  if (o.registryCheck) {
    const registryProblems = await registryChecks(product, rt.config().clusters[product.spec.deployment.cluster], rt.env, (l) => rt.io.info(l));
    if (registryProblems.length > 0) {
      throw new CheckFailedError('REGISTRY_INCOMPATIBLE', `the schema registry rejects ${registryProblems.length} new schema${registryProblems.length === 1 ? '' : 's'} under its compatibility level`, {
        diagnostics: registryProblems,
        hint: "keep the change compatible, or change the subject's compatibility level in the registry on purpose",
      });
    }
  }
  if (o.dryRun) {
    const dir = relative(rt.cwd, productDir(productsDir, o.name, o.version)) || '.';
    return { kind: 'Productize', data: { dryRun: true, product: o.name, productVersion: o.version, previous: latest ?? null, changes: gate.changes, files: [] }, text: `${latest ? `${renderGate(gate)}\n` : ''}dry run: ${o.name} ${o.version} passes the gate; it would be written to ${dir}` };
  }
  const files = writeProduct(productsDir, product);
  const warnings = [...o.deprecations];
  // documentation is optional: without its generator installed, the product is written without it
  if (o.docs) files.push(...(await generateDocs(product, join(productDir(productsDir, o.name, o.version), 'docs'), ['markdown', 'html'])));
  const shown = files.map((f) => relative(rt.cwd, f) || f);
  if (latest && !rt.io.json) rt.io.info(renderGate(gate));
  return {
    kind: 'Productize',
    data: { product: o.name, productVersion: o.version, previous: latest ?? null, changes: gate.changes, files: shown },
    text: `wrote ${o.name} ${o.version}: ${shown.join(', ')}`,
    ...(warnings.length > 0 ? { warnings } : {}),
    notes: [`Next: \`zdp product show ${o.name}\`, then \`zdp gateway render --target zilla${productsDir === rt.config().productsDir && !o.deprecations.length ? '' : ` --products-dir ${relative(rt.cwd, productsDir) || '.'}`}\``],
  };
}

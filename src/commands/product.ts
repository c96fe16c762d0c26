/** `zdp productize` and `zdp product lint|list|show|diff`. */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { CommandContext } from '../cli/main.js';
import { renderTable } from '../cli/render/table.js';
import { CheckFailedError, ConfigError, NotFoundError, UsageError, type Diagnostic } from '../errors.js';
import { COMPATIBILITY_RULES, type CompatibilityRule } from '../core/products/compat.js';
import {
  buildProduct,
  bundleContracts,
  compareSemver,
  CONSUMPTION_MODES,
  parseSemver,
  PRODUCT_NAME,
  selectChannels,
  versionGate,
  type AccessRule,
  type ConsumptionMode,
  type DataProduct,
  type GateResult,
} from '../core/products/spec.js';
import { validateAsyncApi } from '../contracts/validate.js';
import { SchemaRegistryClient, type SchemaType } from '../registry/client.js';
import type { ClusterProfile } from '../config/types.js';
import { generateDocs, type DocFormat } from '../products/docs.js';
import { listProductNames, listVersions, PRODUCT_FILE, productDir, readProduct, readProductFile, renderProduct, validateProduct, writeProduct } from '../products/store.js';
import { ZDP_VERSION } from '../version.js';

interface ProductizeFlags {
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
  compatibility: CompatibilityRule;
  consumption: string;
  writable: string[];
  access: string[];
  cluster?: string;
  freshness?: string;
  out?: string;
  docs: boolean;
  registryCheck: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

type Doc = Record<string, any>;

async function loadContract(file: string, cwd: string): Promise<Doc> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new NotFoundError('CONTRACT_NOT_FOUND', `contract ${file} does not exist`, { hint: 'write one with `zdp extract`' });
  const text = readFileSync(path, 'utf8');
  let doc: Doc;
  try {
    doc = parseYaml(text) as Doc;
  } catch (e) {
    throw new ConfigError('CONTRACT_YAML', `${file} is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  const diagnostics = (await validateAsyncApi(text, doc ?? {}, file)).filter((d) => d.severity === 'error');
  if (diagnostics.length > 0) {
    throw new ConfigError('CONTRACT_INVALID', `${file} is not a valid AsyncAPI document (${diagnostics.length} error${diagnostics.length === 1 ? '' : 's'})`, {
      diagnostics: diagnostics.map((d) => ({ ...d, message: d.path ? `${d.path}: ${d.message}` : d.message })),
      hint: 'fix the contract, or extract it again with `zdp extract`',
    });
  }
  return doc;
}

/** `Ada Lovelace <ada@example.com> on-call` */
export function parseContact(value: string): { name: string; email?: string; role?: string } {
  const m = /^\s*([^<]+?)\s*(?:<([^>]+)>\s*(.*))?$/.exec(value);
  if (!m || !m[1]) throw new UsageError(`--contact ${value}: expected "Name <email> role"`);
  return { name: m[1], ...(m[2] ? { email: m[2] } : {}), ...(m[3] ? { role: m[3].trim() } : {}) };
}

/** `app:billing=read,write@ordersCreated,refunds` */
export function parseAccess(value: string): AccessRule {
  const m = /^((?:app|role):[A-Za-z0-9._-]+)=([a-z,]+)(?:@(.+))?$/.exec(value);
  if (!m) throw new UsageError(`--access ${value}: expected <app|role>:<name>=<read|write>[,...][@<channel>,...]`, { hint: 'for example --access app:billing=read or --access role:ops=read,write@ordersCreated' });
  const permissions = [...new Set(m[2]!.split(','))].sort();
  for (const p of permissions) if (p !== 'read' && p !== 'write') throw new UsageError(`--access ${value}: unknown permission "${p}" (read or write)`);
  return { principal: m[1]!, permissions: permissions as ('read' | 'write')[], channels: m[3] ? m[3].split(',').sort() : ['*'] };
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

function gateDiagnostics(gate: GateResult): Diagnostic[] {
  return gate.changes.filter((c) => c.breaking).map((c) => ({ code: `BREAKING_${c.kind.toUpperCase().replaceAll('-', '_')}`, severity: 'error', message: `${c.path}: ${c.detail} (against ${c.against})`, path: c.path }));
}

function renderGate(gate: GateResult): string {
  if (gate.changes.length === 0) return 'no changes to the contract';
  return renderTable(['CHANGE', 'WHERE', 'BACKWARD', 'FORWARD', 'VERDICT'], gate.changes.map((c) => [c.kind, c.path, c.backward, c.forward, c.breaking ? 'BREAKING' : c.backward === 'flag' || c.forward === 'flag' ? 'review' : 'ok']));
}

export function registerProduct(program: Command, ctx: CommandContext): void {
  program
    .command('productize')
    .description('bundle extracted contracts into a versioned data product (owner, access, compatibility, consumption modes) and gate breaking changes')
    .requiredOption('--contract <file>', 'AsyncAPI contract from `zdp extract`; repeatable', collect)
    .requiredOption('--name <name>', 'product name (lower-case letters, digits, -)')
    .requiredOption('--version <semver>', 'product version, e.g. 1.0.0')
    .addOption(new Option('--channel <id|topic>', 'channel to expose; repeatable (default: all; asks on a terminal)').argParser(collect).default([]))
    .option('--owner <team>', 'owning team (asks on a terminal)')
    .option('--owner-email <email>', 'owning team e-mail')
    .option('--domain <domain>', 'business domain')
    .option('--description <text>', 'what the product is for')
    .addOption(new Option('--tag <tag>', 'tag; repeatable').argParser(collect).default([]))
    .addOption(new Option('--contact <contact>', 'a contact: "Name <email> role"; repeatable').argParser(collect).default([]))
    .addOption(new Option('--compatibility <rule>', 'compatibility rule for every message').choices(COMPATIBILITY_RULES).default('BACKWARD'))
    .option('--consumption <modes>', `comma-separated: ${CONSUMPTION_MODES.join(', ')}`, 'kafka,http-fetch,sse')
    .addOption(new Option('--writable <id|topic>', 'channel producers may write to; repeatable (default: read-only)').argParser(collect).default([]))
    .addOption(new Option('--access <rule>', 'who may do what: app:<name>=read[,write][@channel,...]; repeatable').argParser(collect).default([]))
    .option('--cluster <profile>', 'cluster profile that serves the product (default: the contract\'s server)')
    .option('--freshness <seconds>', 'service level: maximum age of the newest record, in seconds')
    .option('-o, --out <dir>', 'products directory (default: products.dir from zdp.yaml)')
    .option('--no-docs', 'do not write Markdown and HTML documentation next to the product')
    .option('--no-registry-check', 'do not ask the cluster\'s schema registry whether the new schemas are compatible')
    .addHelpText('after', '\nExamples:\n  zdp productize --contract contracts/orders.created.asyncapi.yaml --name orders --version 1.0.0 --owner checkout\n  zdp productize --contract a.yaml --contract b.yaml --name shop --version 2.0.0 --owner shop --access app:billing=read --writable orders.created')
    .action(async (flags: ProductizeFlags) => {
      const rt = ctx.runtime();
      if (!PRODUCT_NAME.test(flags.name)) throw new UsageError(`--name ${flags.name}: use 2-63 lower-case letters, digits and -, starting with a letter`);
      if (!parseSemver(flags.version)) throw new UsageError(`--version ${flags.version} is not semver: use MAJOR.MINOR.PATCH, e.g. 1.0.0`);
      const consumption = flags.consumption.split(',').map((s) => s.trim()).filter(Boolean);
      for (const m of consumption) if (!(CONSUMPTION_MODES as readonly string[]).includes(m)) throw new UsageError(`--consumption: unknown mode "${m}" (${CONSUMPTION_MODES.join(', ')})`);
      const access = flags.access.map(parseAccess);
      const freshness = flags.freshness === undefined ? undefined : Number(flags.freshness);
      if (freshness !== undefined && (!Number.isInteger(freshness) || freshness < 0)) throw new UsageError(`--freshness ${flags.freshness} is not a whole number of seconds`);

      const contracts = [];
      for (const f of flags.contract) contracts.push(await loadContract(f, rt.cwd));
      const bundled = bundleContracts(contracts, flags.name, flags.version);
      if (bundled.diagnostics.length > 0) throw new ConfigError('CONTRACT_CLASH', 'the contracts cannot be bundled into one product', { diagnostics: bundled.diagnostics });
      const available = Object.entries(bundled.doc.channels as Doc).map(([id, ch]) => `${id} (${ch.address})`);
      let wanted = flags.channel;
      if (wanted.length === 0 && rt.io.interactive && !rt.globals.yes && available.length > 1) {
        const picked = await (await rt.io.prompts()).multiselect('Channels to expose', available);
        wanted = picked.map((p) => p.split(' ')[0]!);
      }
      const selected = selectChannels(bundled.doc, wanted);
      if (selected.unknown.length > 0) {
        throw new NotFoundError('UNKNOWN_CHANNEL', `unknown channel${selected.unknown.length > 1 ? 's' : ''}: ${selected.unknown.join(', ')}`, { hint: `the contracts have: ${available.join(', ')}` });
      }
      if (Object.keys(selected.doc.channels).length === 0) throw new UsageError('the product would expose no channel');
      let owner = flags.owner;
      if (!owner && rt.io.interactive && !rt.globals.yes) owner = await (await rt.io.prompts()).input('Owning team');
      if (!owner) throw new UsageError('a data product needs an owner: pass --owner <team>', { code: 'PROMPT_NO_TTY' });
      const servers = Object.keys((selected.doc.servers ?? {}) as Doc);
      const cluster = flags.cluster ?? servers[0];
      if (!cluster) throw new UsageError('no cluster: pass --cluster <profile>');

      const product = buildProduct(selected.doc, {
        name: flags.name,
        version: flags.version,
        owner: { team: owner, ...(flags.ownerEmail ? { email: flags.ownerEmail } : {}) },
        ...(flags.domain ? { domain: flags.domain } : {}),
        ...(flags.description ? { description: flags.description } : {}),
        tags: [...new Set(flags.tag)],
        contacts: flags.contact.map(parseContact),
        compatibility: flags.compatibility,
        consumption: consumption as ConsumptionMode[],
        writable: flags.writable,
        access,
        cluster,
        ...(freshness !== undefined ? { freshnessSeconds: freshness } : {}),
      });
      const productsDir = flags.out ? resolve(rt.cwd, flags.out) : rt.config().productsDir;
      const problems = validateProduct(product, `${flags.name}@${flags.version}`);
      if (problems.length > 0) throw new ConfigError('PRODUCT_INVALID', 'the product would not be valid', { diagnostics: problems });

      // Existing versions: same version must be the same bytes; a new one must be newer and pass the gate.
      const versions = listVersions(productsDir, flags.name);
      const target = join(productDir(productsDir, flags.name, flags.version), PRODUCT_FILE);
      if (versions.includes(flags.version)) {
        if (readFileSync(target, 'utf8') === renderProduct(product)) {
          if (rt.globals.json) rt.io.outJson({ kind: 'Productize', version: 1, zdpVersion: ZDP_VERSION, product: flags.name, productVersion: flags.version, unchanged: true, files: [] });
          else rt.io.out(`${flags.name} ${flags.version} is unchanged`);
          return;
        }
        throw new CheckFailedError('PRODUCT_VERSION_EXISTS', `${flags.name} ${flags.version} already exists with other content`, { hint: `released versions are immutable: bump the version (latest is ${versions[versions.length - 1]})` });
      }
      const latest = versions[versions.length - 1];
      if (latest && compareSemver(flags.version, latest) < 0) {
        throw new CheckFailedError('VERSION_NOT_NEWER', `version ${flags.version} is lower than the latest, ${latest}`, { hint: `use a version above ${latest}` });
      }
      const previous = versions.map((v) => readProduct(productsDir, flags.name, v));
      const gate = versionGate(previous, product);
      if (!gate.ok) {
        rt.io.info(renderGate(gate));
        throw new CheckFailedError('BREAKING_CHANGE', `${gate.breaking} breaking change${gate.breaking === 1 ? '' : 's'} since ${latest} under the product's compatibility rules: ${flags.version} must be a new major version`, {
          diagnostics: gateDiagnostics(gate),
          hint: `release it as ${parseSemver(latest!)!.major + 1}.0.0, or undo the changes`,
        });
      }
      if (flags.registryCheck) {
        const problems = await registryChecks(product, rt.config().clusters[product.spec.deployment.cluster], rt.env, (l) => rt.io.info(l));
        if (problems.length > 0) {
          throw new CheckFailedError('REGISTRY_INCOMPATIBLE', `the schema registry rejects ${problems.length} new schema${problems.length === 1 ? '' : 's'} under its compatibility level`, {
            diagnostics: problems,
            hint: 'keep the change compatible, or change the subject\'s compatibility level in the registry on purpose',
          });
        }
      }
      const files = writeProduct(productsDir, product);
      if (flags.docs) files.push(...(await generateDocs(product, join(productDir(productsDir, flags.name, flags.version), 'docs'), ['markdown', 'html'])));
      const shown = files.map((f) => relative(rt.cwd, f) || f);
      if (rt.globals.json) {
        rt.io.outJson({ kind: 'Productize', version: 1, zdpVersion: ZDP_VERSION, product: flags.name, productVersion: flags.version, previous: latest ?? null, changes: gate.changes, files: shown });
        return;
      }
      if (latest) rt.io.info(renderGate(gate));
      rt.io.out(`wrote ${flags.name} ${flags.version}: ${shown.join(', ')}`);
      rt.io.info(`Next: \`zdp product show ${flags.name}\`, then \`zdp gateway render --products ${relative(rt.cwd, productsDir) || '.'}\``);
    });

  const product = program.command('product').description('inspect and check data products');

  product
    .command('lint')
    .description('validate product files against the data-product schema, their contract and each other')
    .argument('[files...]', 'product.yaml files (default: every product in the products directory)')
    .action(async (files: string[]) => {
      const rt = ctx.runtime();
      const productsDir = rt.config().productsDir;
      const targets = files.length > 0 ? files.map((f) => resolve(rt.cwd, f)) : listProductNames(productsDir).flatMap((n) => listVersions(productsDir, n).map((v) => join(productDir(productsDir, n, v), PRODUCT_FILE)));
      if (targets.length === 0) throw new NotFoundError('NO_PRODUCTS', `no data products in ${relative(rt.cwd, productsDir) || productsDir}`, { hint: 'create one with `zdp productize`' });
      const diagnostics: Diagnostic[] = [];
      for (const file of targets) {
        const shown = relative(rt.cwd, file) || file;
        try {
          const p = readProductFile(file);
          for (const d of await validateAsyncApi(JSON.stringify(p.spec.contract), p.spec.contract, shown)) if (d.severity === 'error') diagnostics.push({ ...d, message: `spec.contract.${d.path}: ${d.message}` });
        } catch (e) {
          if (e instanceof ConfigError && e.diagnostics.length > 0) diagnostics.push(...e.diagnostics.map((d) => ({ ...d, file: shown })));
          else throw e;
        }
      }
      if (diagnostics.length > 0) throw new ConfigError('PRODUCT_INVALID', `${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} in ${targets.length} product file${targets.length === 1 ? '' : 's'}`, { diagnostics });
      if (rt.globals.json) rt.io.outJson({ kind: 'ProductLint', version: 1, zdpVersion: ZDP_VERSION, files: targets.map((f) => relative(rt.cwd, f)), valid: true });
      else rt.io.out(`valid: ${targets.length} product file${targets.length === 1 ? '' : 's'}`);
    });

  product
    .command('list')
    .description('list data products and their versions')
    .action(() => {
      const rt = ctx.runtime();
      const productsDir = rt.config().productsDir;
      const rows = listProductNames(productsDir).map((name) => {
        const versions = listVersions(productsDir, name);
        const p = readProduct(productsDir, name);
        return { name, versions, latest: versions[versions.length - 1]!, owner: p.metadata.owner.team, channels: p.spec.channels.map((c) => c.address), cluster: p.spec.deployment.cluster };
      });
      if (rt.globals.json) {
        rt.io.outJson({ kind: 'ProductList', version: 1, zdpVersion: ZDP_VERSION, products: rows });
        return;
      }
      if (rows.length === 0) {
        rt.io.out(`no data products in ${relative(rt.cwd, productsDir) || productsDir}`);
        return;
      }
      rt.io.out(renderTable(['NAME', 'LATEST', 'VERSIONS', 'OWNER', 'CLUSTER', 'CHANNELS'], rows.map((r) => [r.name, r.latest, String(r.versions.length), r.owner, r.cluster, r.channels.join(', ')])));
    });

  product
    .command('show')
    .description('print a data product (latest version unless name@version)')
    .argument('<product>', 'name or name@version')
    .action((ref: string) => {
      const rt = ctx.runtime();
      const [name, version] = ref.split('@') as [string, string | undefined];
      const p = readProduct(rt.config().productsDir, name, version);
      if (rt.globals.json) {
        rt.io.outJson({ kind: 'Product', version: 1, zdpVersion: ZDP_VERSION, product: p });
        return;
      }
      const m = p.metadata;
      rt.io.out([
        `${m.name} ${m.version}${m.domain ? `  (domain ${m.domain})` : ''}`,
        m.description ?? '',
        `owner: ${m.owner.team}${m.owner.email ? ` <${m.owner.email}>` : ''}`,
        `served by: ${p.spec.deployment.cluster}; consumption: ${p.spec.consumption.join(', ')}`,
        '',
        renderTable(['CHANNEL', 'TOPIC', 'READ', 'WRITE', 'COMPATIBILITY'], p.spec.channels.map((c) => [c.id, p.spec.deployment.topics[c.id] ?? c.address, c.read ? 'yes' : 'no', c.write ? 'yes' : 'no', c.compatibility])),
        '',
        p.spec.access.length ? renderTable(['PRINCIPAL', 'PERMISSIONS', 'CHANNELS'], p.spec.access.map((a) => [a.principal, a.permissions.join(','), a.channels.join(',')])) : 'access: nobody granted yet (add --access rules)',
      ].filter((l, i) => l !== '' || i > 2).join('\n'));
    });

  product
    .command('docs')
    .description('write Markdown and HTML documentation of a product from its contract (@asyncapi/generator, templates/)')
    .argument('<product>', 'name or name@version')
    .addOption(new Option('--format <format>', 'which documents').choices(['markdown', 'html', 'both']).default('both'))
    .option('-o, --out <dir>', 'output directory (default: products/<name>/<version>/docs)')
    .action(async (ref: string, opts: { format: 'markdown' | 'html' | 'both'; out?: string }) => {
      const rt = ctx.runtime();
      const [name, version] = ref.split('@') as [string, string | undefined];
      const productsDir = rt.config().productsDir;
      const p = readProduct(productsDir, name, version);
      const dir = opts.out ? resolve(rt.cwd, opts.out) : join(productDir(productsDir, p.metadata.name, p.metadata.version), 'docs');
      const formats: DocFormat[] = opts.format === 'both' ? ['markdown', 'html'] : [opts.format];
      const files = (await generateDocs(p, dir, formats)).map((f) => relative(rt.cwd, f) || f);
      if (rt.globals.json) rt.io.outJson({ kind: 'ProductDocs', version: 1, zdpVersion: ZDP_VERSION, product: p.metadata.name, productVersion: p.metadata.version, files });
      else rt.io.out(`wrote ${files.join(', ')}`);
    });

  product
    .command('diff')
    .description('classify the changes between two product versions; exit 7 when a breaking change lacks a major version bump')
    .argument('<old>', 'name@version or a product.yaml path')
    .argument('<new>', 'name@version or a product.yaml path')
    .action((a: string, b: string) => {
      const rt = ctx.runtime();
      const load = (ref: string): DataProduct => {
        if (ref.endsWith('.yaml') || ref.endsWith('.yml')) return readProductFile(resolve(rt.cwd, ref));
        const [name, version] = ref.split('@') as [string, string | undefined];
        return readProduct(rt.config().productsDir, name, version);
      };
      const older = load(a);
      const newer = load(b);
      const gate = versionGate([older], newer);
      if (rt.globals.json) rt.io.outJson({ kind: 'ProductDiff', version: 1, zdpVersion: ZDP_VERSION, old: older.metadata.version, new: newer.metadata.version, breaking: gate.breaking, majorBump: gate.majorBump, ok: gate.ok, changes: gate.changes });
      else rt.io.out(renderGate(gate));
      if (!gate.ok) {
        throw new CheckFailedError('BREAKING_CHANGE', `${gate.breaking} breaking change${gate.breaking === 1 ? '' : 's'} from ${older.metadata.version} to ${newer.metadata.version} without a major version bump`, { diagnostics: gateDiagnostics(gate) });
      }
    });
}

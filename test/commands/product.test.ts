/**
 * zdp productize and zdp product lint|list|show|diff on the contracts extract wrote for the fixture
 * topics (fixtures/contracts), with golden product files (refresh: ZDP_UPDATE_GOLDEN=1).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/main.js';
import { Capture } from '../harness/capture.js';
import { validateJson } from '../../src/contracts/validate.js';

const REPO = resolve(import.meta.dirname, '..', '..');
const FIXTURES = join(REPO, 'fixtures');


function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zdp-product-'));
  cpSync(join(FIXTURES, 'contracts'), join(dir, 'contracts'), { recursive: true });
  writeFileSync(join(dir, 'zdp.yaml'), 'apiVersion: zdp/v1\nkind: Project\nclusters:\n  source: {bootstrapServers: [localhost:9092]}\n');
  return dir;
}

async function zdp(cwd: string, args: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, { stdout, stderr, stdinIsTTY: false, env: { XDG_CONFIG_HOME: join(cwd, '.xdg') }, cwd, handleSignals: false });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const BASE = ['productize', '--contract', 'contracts/orders.created.asyncapi.yaml', '--contract', 'contracts/audit.text.asyncapi.yaml', '--name', 'orders', '--owner', 'checkout', '--owner-email', 'checkout@example.com', '--domain', 'commerce', '--description', 'Orders placed in the web shop', '--tag', 'orders', '--access', 'app:billing=read', '--access', 'app:checkout=read,write@ordersCreated', '--writable', 'orders.created', '--consumption', 'kafka,http-fetch,http-produce,sse,mcp', '--freshness', '60'];

/** The 1.0.0 contract less one required payload field: old readers lose what they read. */
function droppedFieldContract(dir: string): string {
  const doc = parse(readFileSync(join(dir, 'contracts/orders.created.asyncapi.yaml'), 'utf8'));
  const p = doc.components.schemas.OrdersCreatedPayload;
  const field = [...p.required].sort()[0] as string;
  delete p.properties[field];
  p.required = p.required.filter((r: string) => r !== field);
  for (const e of doc.components.messages.ordersCreatedMessage.examples ?? []) delete e.payload[field];
  writeFileSync(join(dir, 'contracts/orders-dropped.asyncapi.yaml'), stringify(doc));
  return field;
}

function breakingContract(dir: string): string {
  const doc = parse(readFileSync(join(dir, 'contracts/orders.created.asyncapi.yaml'), 'utf8'));
  const p = doc.components.schemas.OrdersCreatedPayload;
  p.properties.channel = { type: 'string' };
  p.required.push('channel');
  p.required.sort();
  for (const e of doc.components.messages.ordersCreatedMessage.examples) e.payload.channel = 'web';
  const file = join(dir, 'contracts/orders-v2.asyncapi.yaml');
  writeFileSync(file, stringify(doc));
  return 'contracts/orders-v2.asyncapi.yaml';
}

describe('zdp productize', () => {
  it('builds a product that matches the golden files and the published JSON Schema', async () => {
    const dir = project();
    const r = await zdp(dir, [...BASE, '--version', '1.0.0']);
    expect(r.code, r.stderr).toBe(0);
    const golden = join(FIXTURES, 'products/orders/1.0.0');
    for (const f of ['product.yaml', 'asyncapi.yaml', 'docs/README.md']) {
      const actual = readFileSync(join(dir, 'products/orders/1.0.0', f), 'utf8');
      if (process.env.ZDP_UPDATE_GOLDEN === '1') {
        mkdirSync(join(golden, 'docs'), { recursive: true });
        writeFileSync(join(golden, f), actual);
      }
      expect(actual, `${f} differs from the golden file (ZDP_UPDATE_GOLDEN=1 refreshes it)`).toBe(readFileSync(join(golden, f), 'utf8'));
    }
    const product = parse(readFileSync(join(golden, 'product.yaml'), 'utf8'));
    const schema = JSON.parse(readFileSync(join(REPO, 'schemas/data-product.schema.json'), 'utf8'));
    expect(validateJson(schema, product)).toEqual([]);
    expect(product.spec.channels).toEqual([
      { id: 'auditText', address: 'audit.text', read: true, write: false, compatibility: 'CONSUMER_SAFE', message: 'auditTextMessage' },
      { id: 'ordersCreated', address: 'orders.created', read: true, write: true, compatibility: 'CONSUMER_SAFE', message: 'ordersCreatedMessage' },
    ]);
    expect(product.spec.access).toEqual([
      { principal: 'app:billing', permissions: ['read'], channels: ['*'] },
      { principal: 'app:checkout', permissions: ['read', 'write'], channels: ['ordersCreated'] },
    ]);
    // the shortest retention of the exposed topics (audit.text keeps 1 day)
    expect(product.spec.serviceLevels).toEqual({ retentionMs: 86400000, freshnessSeconds: 60 });
    expect(product.spec.deployment).toEqual({ cluster: 'source', topics: { auditText: 'audit.text', ordersCreated: 'orders.created' } });

    const again = await zdp(dir, [...BASE, '--version', '1.0.0']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('orders 1.0.0 is unchanged');
  });

  it('generates Markdown and HTML documentation from the generator templates, byte-stable and the same bytes as @asyncapi/generator', async () => {
    const dir = project();
    expect((await zdp(dir, [...BASE, '--version', '1.0.0'])).code).toBe(0);
    const docs = join(dir, 'products/orders/1.0.0/docs');
    const md = readFileSync(join(docs, 'README.md'), 'utf8');
    expect(md).toContain('# orders 1.0.0');
    // the product's terms, not only its contract: owner, consumption, each channel's promise, access
    expect(md).toMatch(/Owner: checkout/);
    expect(md).toMatch(/Consumption modes: .*kafka/);
    expect(md).toMatch(/\| ordersCreated \| orders\.created \| yes \| (yes|no) \| CONSUMER_SAFE \|/);
    expect(md).toContain('### Access');
    expect(md).not.toMatch(/\b1 partitions\b|\b1 replicas\b/);
    expect(md).toContain('## Channel `orders.created`');
    expect(md).toMatch(/\| `status` \| string \|  \| yes \| NEW, PAID, SHIPPED \|/);
    expect(md).toContain('| consumeOrdersCreatedByBilling | receive | billing |');
    const html = readFileSync(join(docs, 'index.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<h2>Channel <code>orders.created</code></h2>');
    expect(html).not.toContain('<script');
    expect(html).toContain('<h2>How to consume it</h2>');
    const again = await zdp(dir, ['product', 'docs', 'orders', '--out', 'docs-again', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).files).toEqual(['docs-again/README.md', 'docs-again/index.html']);
    expect(readFileSync(join(dir, 'docs-again/README.md'), 'utf8')).toBe(md);
    expect(readFileSync(join(dir, 'docs-again/index.html'), 'utf8')).toBe(html);
    // zdp renders the templates itself; @asyncapi/generator, the documented way, gives the same bytes
    const generated = await zdp(dir, ['product', 'docs', 'orders', '--generator', '--out', 'docs-generator', '--json']);
    expect(generated.code, generated.stderr).toBe(0);
    expect(readFileSync(join(dir, 'docs-generator/README.md'), 'utf8')).toBe(md);
    expect(readFileSync(join(dir, 'docs-generator/index.html'), 'utf8')).toBe(html);
  });

  it('gates a breaking change behind a major version, listing each break with its path', async () => {
    const dir = project();
    expect((await zdp(dir, [...BASE, '--version', '1.0.0'])).code).toBe(0);
    const v2 = breakingContract(dir);
    const args = BASE.map((a) => (a === 'contracts/orders.created.asyncapi.yaml' ? v2 : a));
    const minor = await zdp(dir, [...args, '--version', '1.1.0']);
    expect(minor.code).toBe(7);
    expect(minor.stderr).toContain('1 breaking change since 1.0.0');
    expect(minor.stderr).toContain('orders.created message.payload.channel: required property added (old records lack it) (against 1.0.0, breaks under CONSUMER_SAFE)');
    expect(minor.stderr).toContain('release it as 2.0.0');
    expect(existsSync(join(dir, 'products/orders/1.1.0'))).toBe(false);

    const major = await zdp(dir, [...args, '--version', '2.0.0', '--json']);
    expect(major.code, major.stderr).toBe(0);
    const out = JSON.parse(major.stdout);
    expect(out).toMatchObject({ kind: 'Productize', product: 'orders', productVersion: '2.0.0', previous: '1.0.0' });
    expect(out.changes.map((c: { kind: string; breaking: boolean }) => [c.kind, c.breaking])).toEqual([['required-property-added', true]]);

    const diff = await zdp(dir, ['product', 'diff', 'orders@1.0.0', 'orders@2.0.0', '--json']);
    expect(diff.code).toBe(0);
    expect(JSON.parse(diff.stdout)).toMatchObject({ kind: 'ProductDiff', breaking: 1, majorBump: true, ok: true });

    // the same change under FORWARD compatibility is not breaking
    const forward = await zdp(dir, [...args, '--version', '2.1.0', '--compatibility', 'FORWARD']);
    expect(forward.code, forward.stderr).toBe(0);
  });

  it('protects existing consumers by default: a dropped required field needs a major version, whatever the registry rules would say', async () => {
    const dir = project();
    expect((await zdp(dir, [...BASE, '--version', '1.0.0'])).code).toBe(0);
    const field = droppedFieldContract(dir);
    const args = BASE.map((a) => (a === 'contracts/orders.created.asyncapi.yaml' ? 'contracts/orders-dropped.asyncapi.yaml' : a));
    const minor = await zdp(dir, [...args, '--version', '1.1.0', '--json']);
    expect(minor.code, minor.stderr).toBe(7);
    const error = JSON.parse(minor.stderr.trim().split('\n').pop()!);
    expect(error).toMatchObject({ code: 'BREAKING_CHANGE', exitCode: 7 });
    expect(error.diagnostics.map((d: { path: string }) => d.path)).toContain(`orders.created message.payload.${field}`);
    expect(error.diagnostics[0].message).toContain('breaks under CONSUMER_SAFE');
    expect(existsSync(join(dir, 'products/orders/1.1.0'))).toBe(false);
    // BACKWARD (the registry's "consumers upgrade first") is still there by name, and lets it through
    const backward = await zdp(dir, [...args, '--version', '1.1.0', '--compatibility', 'BACKWARD', '--no-docs']);
    expect(backward.code, backward.stderr).toBe(0);
  });

  it('refuses to diff two different products unless asked', async () => {
    const dir = project();
    expect((await zdp(dir, [...BASE, '--version', '1.0.0', '--no-docs'])).code).toBe(0);
    expect((await zdp(dir, [...BASE.map((a) => (a === 'orders' ? 'invoices' : a)), '--version', '1.0.0', '--no-docs'])).code).toBe(0);
    const byName = await zdp(dir, ['product', 'diff', 'orders@1.0.0', 'invoices@1.0.0']);
    expect(byName.code).toBe(2);
    expect(byName.stderr).toContain('orders and invoices are different products');
    expect(byName.stderr).toContain('--across-products');
    const byFile = await zdp(dir, ['product', 'diff', 'products/orders/1.0.0/product.yaml', 'products/invoices/1.0.0/product.yaml', '--json']);
    expect(byFile.code).toBe(2);
    expect(JSON.parse(byFile.stderr.trim().split('\n').pop()!)).toMatchObject({ code: 'DIFFERENT_PRODUCTS', exitCode: 2 });
    const asked = await zdp(dir, ['product', 'diff', 'orders@1.0.0', 'invoices@1.0.0', '--across-products', '--json']);
    expect(asked.code, asked.stderr).toBe(0);
    expect(JSON.parse(asked.stdout)).toMatchObject({ product: 'orders', newProduct: 'invoices' });
  });

  it('refuses bad input with distinct exit codes', async () => {
    const dir = project();
    expect((await zdp(dir, [...BASE, '--version', '1.2.0'])).code).toBe(0);
    const semver = await zdp(dir, [...BASE, '--version', '1.3']);
    expect(semver.code).toBe(2);
    expect(semver.stderr).toContain('--version 1.3 is not semver');
    const lower = await zdp(dir, [...BASE, '--version', '1.1.9']);
    expect(lower.code).toBe(7);
    expect(lower.stderr).toContain('version 1.1.9 is lower than the latest, 1.2.0');
    const channel = await zdp(dir, [...BASE, '--version', '1.3.0', '--channel', 'payments']);
    expect(channel.code).toBe(6);
    expect(channel.stderr).toContain('unknown channel: payments');
    expect(channel.stderr).toContain('ordersCreated (orders.created)');
    const otherContent = await zdp(dir, [...BASE, '--version', '1.2.0', '--domain', 'other']);
    expect(otherContent.code).toBe(7);
    expect(otherContent.stderr).toContain('orders 1.2.0 already exists with other content');
    const owner = await zdp(dir, ['productize', '--contract', 'contracts/audit.text.asyncapi.yaml', '--name', 'audit', '--version', '1.0.0']);
    expect(owner.code).toBe(2);
    expect(owner.stderr).toContain('--owner');
  });

  it('reports every AsyncAPI diagnostic of a broken contract, with paths (exit 3)', async () => {
    const dir = project();
    const doc = parse(readFileSync(join(dir, 'contracts/audit.text.asyncapi.yaml'), 'utf8'));
    delete doc.info.version;
    doc.operations.consumeAuditText.channel.$ref = '#/channels/nowhere';
    writeFileSync(join(dir, 'contracts/broken.yaml'), stringify(doc));
    const r = await zdp(dir, ['productize', '--contract', 'contracts/broken.yaml', '--name', 'audit', '--version', '1.0.0', '--owner', 'ops']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('contracts/broken.yaml is not a valid AsyncAPI document');
    expect(r.stderr).toMatch(/info: .*version/);
    expect(r.stderr).toMatch(/operations\.consumeAuditText\.channel/);
  });
});

describe('zdp productize at a terminal', () => {
  it('asks which channels to expose and who owns the product', async () => {
    const dir = project();
    const asked: string[] = [];
    const prompter = {
      confirm: async () => true,
      input: async (m: string) => (asked.push(m), 'checkout'),
      select: async <T extends string>(_m: string, c: readonly T[]) => c[0]!,
      multiselect: async (m: string, choices: readonly string[]) => (asked.push(m), choices.filter((c) => c.startsWith('ordersCreated'))),
    };
    const tty = new Capture();
    tty.isTTY = true;
    const code = await main(['productize', '--contract', 'contracts/orders.created.asyncapi.yaml', '--contract', 'contracts/audit.text.asyncapi.yaml', '--name', 'picked', '--version', '1.0.0', '--no-docs', '--contact', 'Ada Lovelace <ada@example.com> on-call'], { stdout: tty, stderr: new Capture(), stdinIsTTY: true, env: { XDG_CONFIG_HOME: join(dir, '.xdg') }, cwd: dir, handleSignals: false, prompter });
    expect(code).toBe(0);
    expect(asked).toEqual(['Channels to expose', 'Owning team']);
    const p = parse(readFileSync(join(dir, 'products/picked/1.0.0/product.yaml'), 'utf8'));
    expect(p.spec.channels.map((c: { address: string }) => c.address)).toEqual(['orders.created']);
    expect(p.metadata.owner).toEqual({ team: 'checkout' });
    expect(p.metadata.contacts).toEqual([{ name: 'Ada Lovelace', email: 'ada@example.com', role: 'on-call' }]);
  });
});

describe('zdp product lint, list, show', () => {
  it('lists and shows products, and lints them against the schema and their contract', async () => {
    const dir = project();
    expect((await zdp(dir, [...BASE, '--version', '1.0.0'])).code).toBe(0);
    const list = await zdp(dir, ['product', 'list', '--json']);
    expect(JSON.parse(list.stdout).products).toEqual([{ name: 'orders', versions: ['1.0.0'], latest: '1.0.0', owner: 'checkout', channels: ['audit.text', 'orders.created'], cluster: 'source' }]);
    const show = await zdp(dir, ['product', 'show', 'orders']);
    expect(show.stdout).toMatch(/ordersCreated\s+orders\.created\s+yes\s+yes\s+CONSUMER_SAFE/);
    expect((await zdp(dir, ['product', 'lint'])).stdout).toContain('valid: 1 product file');

    const file = join(dir, 'products/orders/1.0.0/product.yaml');
    const p = parse(readFileSync(file, 'utf8'));
    p.metadata.owners = 'typo';
    p.spec.access.push({ principal: 'app:x', permissions: ['write'], channels: ['auditText'] });
    writeFileSync(file, stringify(p));
    const bad = await zdp(dir, ['product', 'lint']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/metadata must NOT have additional properties/);
    p.metadata.owners = undefined;
    delete p.metadata.owners;
    writeFileSync(file, stringify(p));
    const bad2 = await zdp(dir, ['product', 'lint']);
    expect(bad2.code).toBe(3);
    expect(bad2.stderr).toContain('access rule for app:x grants write on read-only channel auditText');
    const missing = await zdp(dir, ['product', 'show', 'payments']);
    expect(missing.code).toBe(6);
  });
});

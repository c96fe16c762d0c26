/**
 * Off the happy path, table-driven: every row runs bin/zdp.js as a child process in a project of
 * its own (stdin closed, no terminal, NO_COLOR) and asserts
 * - the exit code from README's table,
 * - a message that names the cause, and a hint line that says what to do,
 * - no stack trace and no "bug in zdp",
 * - nothing written, changed or deleted anywhere in the temporary root (the project, a sibling
 *   "victim" directory, HOME), unless the row names what the command may write,
 * - for rows that must fail before any connection: no TCP connection reached the cluster address.
 * Each project's clusters point at a loopback server of its own that counts connections and closes
 * them at once (a wrong address, as a user would meet it).
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runZdp } from '../harness/helpers.js';

const REPO = resolve(import.meta.dirname, '..', '..');

interface Ctx {
  root: string;
  project: string;
  victim: string;
  port: number;
}

interface Case {
  /** what a user did */
  name: string;
  args: string[] | ((c: Ctx) => string[]);
  exit: number;
  /** the message names the cause */
  cause: RegExp;
  setup?: (c: Ctx) => void;
  env?: Record<string, string>;
  /** the command may connect (it fails on the connection, exit 4) */
  connects?: boolean;
  /** paths under the root the command may write (prefixes, relative to root) */
  writes?: string[];
  /** the error is a usage error raised by commander itself (its own message form) */
  json?: boolean;
}

const YAML_HEAD = 'apiVersion: zdp/v1\nkind: Project\n';
const clusters = (port: number) => `clusters:\n  source: {bootstrapServers: [127.0.0.1:${port}], timeoutMs: 1000}\n  target: {bootstrapServers: [127.0.0.1:${port}], timeoutMs: 1000}\n`;
const write = (file: string, text: string | Buffer) => (c: Ctx) => {
  const path = join(c.project, file);
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, text);
};
const zdpYaml = (body: string) => (c: Ctx) => writeFileSync(join(c.project, 'zdp.yaml'), body.replaceAll('PORT', String(c.port)));
const products = (c: Ctx) => cpSync(join(REPO, 'fixtures/products'), join(c.project, 'products'), { recursive: true });
const contract = (c: Ctx) => cpSync(join(REPO, 'fixtures/contracts'), join(c.project, 'contracts'), { recursive: true });
const both = (...fns: ((c: Ctx) => void)[]) => (c: Ctx) => fns.forEach((f) => f(c));
const state = (rel: string, text: string) => write(`.zdp/${rel}`, text);
const plan = (value: unknown) => write('plan.json', typeof value === 'string' ? value : JSON.stringify(value));
const VALID_PLAN = { kind: 'MigrationPlan', formatVersion: 1, from: { cluster: 'source', vendor: 'apache' }, to: { cluster: 'target', vendor: 'apache' }, topics: [], summary: { create: 0, present: 0, drift: 0 } };
const ALIAS_BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n';

const cases: Case[] = [];
const add = (c: Case) => cases.push(c);

// ── the command line itself ────────────────────────────────────────────────────────────────────
add({ name: 'an unknown command', args: ['frobnicate'], exit: 2, cause: /unknown command 'frobnicate'/ });
add({ name: 'a misspelt command', args: ['extrct'], exit: 2, cause: /unknown command 'extrct'/ });
add({ name: 'an unknown option', args: ['parity', '--from', 'source', '--to', 'target', '--frm', 'x'], exit: 2, cause: /unknown option '--frm'/ });
add({ name: 'a required option left out', args: ['parity', '--from', 'source'], exit: 2, cause: /required option '--to <cluster>'/ });
add({ name: 'an option without its value', args: ['extract', '--cluster'], exit: 2, cause: /option '--cluster <name>' argument missing/ });
add({ name: '--output of an unknown format', args: ['--output', 'xml', 'config', 'show'], exit: 2, cause: /--output.*xml.*Allowed choices are table, json, yaml/ });
add({ name: 'a choice flag with another value', args: ['extract', '--cluster', 'source', '--format', 'xml'], exit: 2, cause: /--format <format>' argument 'xml' is invalid/ });
add({ name: 'a required argument left out', args: ['product', 'show'], exit: 2, cause: /missing required argument 'product'/ });
add({ name: 'too many arguments', args: ['cluster', 'check', 'source', 'target'], exit: 2, cause: /too many arguments/ });
add({ name: 'gateway render without --target', args: ['gateway', 'render'], exit: 2, cause: /required option '--target <gateway>'/ });

// ── configuration files ───────────────────────────────────────────────────────────────────────
add({ name: 'zdp.yaml that is not YAML', setup: zdpYaml('clusters: [unclosed'), args: ['config', 'validate'], exit: 3, cause: /zdp\.yaml/ });
add({ name: 'zdp.yaml with an unknown key', setup: zdpYaml(`${YAML_HEAD}clustres: {}\n`), args: ['config', 'validate'], exit: 3, cause: /clustres/ });
add({ name: 'zdp.yaml with an inline password', setup: zdpYaml(`${YAML_HEAD}clusters:\n  p: {bootstrapServers: [a:9092], sasl: {mechanism: plain, username: u, password: hunter2}}\n`), args: ['config', 'validate'], exit: 3, cause: /password/ });
add({ name: 'zdp.yaml with a newline in a SASL user name', setup: zdpYaml(`${YAML_HEAD}clusters:\n  p: {bootstrapServers: [a:9092], sasl: {mechanism: plain, username: "app\\nsecurity.protocol=PLAINTEXT", passwordEnv: P}}\n`), args: ['config', 'validate', '--no-secrets'], exit: 3, cause: /control character U\+000A/ });
add({ name: 'zdp.yaml with a NUL in a bootstrap server', setup: zdpYaml(`${YAML_HEAD}clusters:\n  p: {bootstrapServers: ["a\\0:9092"]}\n`), args: ['config', 'validate'], exit: 3, cause: /control character U\+0000/ });
add({ name: 'zdp.yaml with bootstrap port 99999', setup: zdpYaml(`${YAML_HEAD}clusters:\n  p: {bootstrapServers: [127.0.0.1:99999]}\n`), args: ['cluster', 'check', 'p'], exit: 3, cause: /port from 1 to 65535/ });
add({ name: 'zdp.yaml with bootstrap port 0', setup: zdpYaml(`${YAML_HEAD}clusters:\n  p: {bootstrapServers: [127.0.0.1:0]}\n`), args: ['cluster', 'check', 'p'], exit: 3, cause: /port from 1 to 65535/ });
add({ name: 'zdp.yaml with a bootstrap server without a port', setup: zdpYaml(`${YAML_HEAD}clusters:\n  p: {bootstrapServers: [broker]}\n`), args: ['cluster', 'check', 'p'], exit: 3, cause: /host:port/ });
add({ name: 'zdp.yaml with an unknown vendor', setup: zdpYaml(`${YAML_HEAD}clusters:\n  p: {vendor: kafkaesque, bootstrapServers: [a:1]}\n`), args: ['config', 'validate'], exit: 3, cause: /vendor/ });
add({ name: 'zdp.yaml with a timeout of text', setup: zdpYaml(`${YAML_HEAD}clusters:\n  p: {bootstrapServers: [a:1], timeoutMs: soon}\n`), args: ['config', 'validate'], exit: 3, cause: /timeoutMs/ });
add({ name: 'zdp.yaml with a YAML alias bomb', setup: zdpYaml(`${YAML_HEAD}${ALIAS_BOMB}`), args: ['config', 'validate'], exit: 3, cause: /zdp\.yaml/ });
add({ name: 'zdp.yaml with a duplicate key', setup: zdpYaml(`${YAML_HEAD}clusters: {}\nclusters: {}\n`), args: ['config', 'validate'], exit: 3, cause: /zdp\.yaml/ });
add({ name: 'zdp.yaml from a newer zdp', setup: zdpYaml('apiVersion: zdp/v9\nkind: Project\n'), args: ['config', 'validate'], exit: 3, cause: /zdp\/v9/ });
add({ name: 'zdp.yaml that is a directory', setup: (c) => {
  rmSync(join(c.project, 'zdp.yaml'));
  mkdirSync(join(c.project, 'zdp.yaml'));
}, args: ['config', 'validate'], exit: 3, cause: /zdp\.yaml is a directory/ });
add({ name: 'a profile name with capitals', setup: zdpYaml(`${YAML_HEAD}clusters:\n  Prod: {bootstrapServers: [a:1]}\n`), args: ['config', 'validate'], exit: 3, cause: /Prod/ });
add({ name: '--config naming a missing file', args: ['--config', 'nowhere.yaml', 'config', 'validate'], exit: 3, cause: /nowhere\.yaml/ });
add({ name: '--set without a value', args: ['--set', 'clusters.source.timeoutMs', 'config', 'show'], exit: 3, cause: /--set/ });
add({ name: '--set of an unknown key', args: ['--set', 'clusters.source.colour=blue', 'config', 'show'], exit: 3, cause: /colour/ });
add({ name: '--set of a bad value', args: ['--set', 'clusters.source.timeoutMs=-5', 'config', 'show'], exit: 3, cause: /timeoutMs/ });
add({ name: 'a referenced secret that is not set', setup: zdpYaml(`${YAML_HEAD}clusters:\n  p: {bootstrapServers: [a:1], sasl: {mechanism: plain, username: u, passwordEnv: ZDP_TEST_UNSET_SECRET}}\n`), args: ['config', 'validate'], exit: 3, cause: /ZDP_TEST_UNSET_SECRET/ });
add({ name: 'an unknown cluster profile', args: ['cluster', 'check', 'prod'], exit: 3, cause: /no cluster profile named "prod"/ });
add({ name: 'a profile name that is an object key of JavaScript', args: ['cluster', 'check', '__proto__'], exit: 3, cause: /no cluster profile named "__proto__"/ });
add({ name: 'a profile name with a newline', args: ['cluster', 'check', 'so\nurce'], exit: 3, cause: /no cluster profile named "so\\u000aurce"/ });

// ── names that become paths ───────────────────────────────────────────────────────────────────
for (const [i, bad] of ['../../../victim', '..', 'a/b', '/abs', 'UPPER', '-flag-like', 'x'.repeat(64), 'new\nline', '.hidden', ''].entries()) {
  add({ name: `dev up with the cluster name ${JSON.stringify(bad)} (${i})`, args: ['dev', 'up', bad], exit: 2, cause: /not a valid dev cluster name|name is empty|longer than 63|unknown option '-flag-like'/ });
}
for (const bad of ['../../../victim', '..', 'a/b', 'new\nline']) {
  add({ name: `dev down --purge of ${JSON.stringify(bad)}`, args: ['--yes', 'dev', 'down', '--purge', bad], exit: 2, cause: /not a valid dev cluster name/ });
  add({ name: `dev logs of ${JSON.stringify(bad)}`, args: ['dev', 'logs', bad], exit: 2, cause: /not a valid dev cluster name/ });
}
add({ name: 'dev down of a cluster that does not exist', args: ['dev', 'down', 'ghost'], exit: 6, cause: /no local cluster named "ghost"/ });
add({ name: 'dev logs of a cluster that does not exist', args: ['dev', 'logs', 'ghost'], exit: 6, cause: /no local cluster named "ghost"/ });
for (const flag of ['--from', '--to']) {
  for (const bad of ['../../x', '..', 'a/b', 'x\ny']) {
    const args = (v: string) => (flag === '--from' ? ['--from', v, '--to', 'target'] : ['--from', 'source', '--to', v]);
    add({ name: `migrate stop ${flag} ${JSON.stringify(bad)}`, args: ['migrate', 'stop', ...args(bad)], exit: 2, cause: /not a valid cluster name/ });
    add({ name: `migrate status ${flag} ${JSON.stringify(bad)}`, args: ['migrate', 'status', ...args(bad)], exit: 3, cause: /no cluster profile named/ });
    add({ name: `cutover ${flag} ${JSON.stringify(bad)}`, args: ['cutover', ...args(bad), '--yes'], exit: 3, cause: /no cluster profile named/ });
  }
}
add({ name: 'migrate stop from a cluster to itself', args: ['migrate', 'stop', '--from', 'source', '--to', 'source'], exit: 2, cause: /same cluster/ });
add({ name: 'parity from a cluster to itself', args: ['parity', '--from', 'source', '--to', 'source'], exit: 2, cause: /same cluster/ });
add({ name: 'cutover from a cluster to itself', args: ['cutover', '--from', 'source', '--to', 'source', '--yes'], exit: 2, cause: /same cluster/ });
add({ name: 'migrate plan from a cluster to itself', args: ['migrate', 'plan', '--from', 'target', '--to', 'target'], exit: 2, cause: /same cluster/ });
for (const bad of ['../x', '../../victim/secret', 'orders@../1.0.0', 'orders@1.0', 'Orders', 'o', 'x\ny', '']) {
  add({ name: `product show ${JSON.stringify(bad)}`, setup: products, args: ['product', 'show', bad], exit: 2, cause: /product name|not a version/ });
}
add({ name: 'product docs of ../x', setup: products, args: ['product', 'docs', '../x'], exit: 2, cause: /product name/ });
add({ name: 'product diff of a bad reference', setup: products, args: ['product', 'diff', 'orders@1.0.0', 'orders@latest'], exit: 2, cause: /not a version/ });
add({ name: 'gateway render --product ../x', setup: products, args: ['gateway', 'render', '--target', 'zilla', '--product', '../x'], exit: 2, cause: /product name/ });
add({ name: 'cutover --product ../x', args: ['cutover', '--from', 'source', '--to', 'target', '--product', '../x', '--yes'], exit: 2, cause: /product name/ });
add({ name: 'productize --name ../x', setup: contract, args: ['productize', '--contract', 'contracts/orders.created.asyncapi.yaml', '--name', '../x', '--version', '1.0.0', '--owner', 'o'], exit: 2, cause: /--name \.\.\/x: use 2-63 lower-case/ });
add({ name: 'productize --version ../1', setup: contract, args: ['productize', '--contract', 'contracts/orders.created.asyncapi.yaml', '--name', 'orders', '--version', '../1', '--owner', 'o'], exit: 2, cause: /is not semver/ });
add({ name: 'product show of a product that does not exist', setup: products, args: ['product', 'show', 'invoices'], exit: 6, cause: /no data product named "invoices"/ });
add({ name: 'product show of a version that does not exist', setup: products, args: ['product', 'show', 'orders@9.9.9'], exit: 6, cause: /has no version 9\.9\.9/ });
add({ name: 'init --cluster with a bad profile name', args: ['init', '--cluster', 'Prod', '--bootstrap', 'a:1'], exit: 2, cause: /not a valid profile name/ });

// ── numeric and pattern flags, checked before any connection ──────────────────────────────────
const numeric: [string, string[], string, string[]][] = [
  ['migrate status --timeout', ['migrate', 'status', '--from', 'source', '--to', 'target', '--wait'], '--timeout', ['abc', '-5', '0', '1e9', 'NaN', '']],
  ['migrate status --max-lag', ['migrate', 'status', '--from', 'source', '--to', 'target', '--wait'], '--max-lag', ['x', '-1', '1.5', '99999999999999999']],
  ['cutover --drain-timeout', ['cutover', '--from', 'source', '--to', 'target', '--yes'], '--drain-timeout', ['abc', '-1', '0']],
  ['cutover --verify', ['cutover', '--from', 'source', '--to', 'target', '--yes'], '--verify', ['x', '-3', '99999']],
  ['cutover --group-wait', ['cutover', '--from', 'source', '--to', 'target', '--yes'], '--group-wait', ['soon', '-1']],
  ['cutover --max-lag', ['cutover', '--from', 'source', '--to', 'target', '--yes'], '--max-lag', ['lots', '-10']],
  ['migrate start --rest-port', ['migrate', 'start', '--from', 'source', '--to', 'target'], '--rest-port', ['abc', '0', '70000', '-1']],
  ['extract --sample', ['extract', '--cluster', 'source'], '--sample', ['0', 'abc', '-3', '2000000']],
  ['extract --timeout', ['extract', '--cluster', 'source'], '--timeout', ['0', 'x', '-1']],
  ['extract --workers', ['extract', '--cluster', 'source'], '--workers', ['-1', 'many', '65']],
  ['parity --tail', ['parity', '--from', 'source', '--to', 'target'], '--tail', ['-1', 'x', '10001']],
  ['dev up --port', ['dev', 'up', 'one'], '--port', ['0', 'abc', '65536']],
  ['dev up --timeout', ['dev', 'up', 'one'], '--timeout', ['abc', '0']],
  ['dev logs --lines', ['dev', 'logs', 'one'], '--lines', ['0', 'x']],
  ['gateway up --management-port', ['gateway', 'up', '--cluster', 'source'], '--management-port', ['0', 'x', '99999']],
  ['gateway render --management-port', ['gateway', 'render', '--target', 'kroxylicious'], '--management-port', ['0', 'x']],
  ['demo --rate', ['demo'], '--rate', ['5', 'abc', '1000000']],
  ['productize --freshness', ['productize', '--contract', 'c.yaml', '--name', 'orders', '--version', '1.0.0', '--owner', 'o'], '--freshness', ['-1', 'hourly']],
];
for (const [name, base, flag, values] of numeric) {
  for (const v of values) add({ name: `${name} ${JSON.stringify(v)}`, args: [...base, flag, v], exit: 2, cause: new RegExp(`${flag.replace(/[-]/g, '\\-')} .*expected`) });
}
add({ name: 'dev up --port with two clusters', args: ['dev', 'up', 'a', 'b', '--port', '19092'], exit: 2, cause: /--port applies to one cluster/ });
add({ name: 'dev up --kafka-version with shell characters', args: ['dev', 'up', 'one', '--kafka-version', '3.9;rm -rf /'], exit: 2, cause: /--kafka-version .*expected an Apache Kafka release/ });
add({ name: 'dev fetch --kafka-version of a word', args: ['dev', 'fetch', '--kafka-version', 'latest'], exit: 2, cause: /--kafka-version .*expected an Apache Kafka release/ });
for (const [name, args] of [
  ['parity --topic', ['parity', '--from', 'source', '--to', 'target', '--topic']],
  ['parity --group', ['parity', '--from', 'source', '--to', 'target', '--group']],
  ['parity --exclude', ['parity', '--from', 'source', '--to', 'target', '--exclude']],
  ['migrate start --group', ['migrate', 'start', '--from', 'source', '--to', 'target', '--group']],
  ['migrate plan --topic', ['migrate', 'plan', '--from', 'source', '--to', 'target', '--topic']],
  ['cutover --group', ['cutover', '--from', 'source', '--to', 'target', '--yes', '--group']],
  ['extract --topic', ['extract', '--cluster', 'source', '--topic']],
] as [string, string[]][]) {
  add({ name: `${name} with a newline`, args: [...args, 'orders\nsecurity.protocol=PLAINTEXT'], exit: 2, cause: /control character U\+000A/ });
}
add({ name: 'extract --topic of 300 characters', args: ['extract', '--cluster', 'source', '--topic', 'x'.repeat(300)], exit: 2, cause: /at most 249 characters/ });
add({ name: 'migrate start --rest-port of a port another process holds', args: (c) => ['migrate', 'start', '--from', 'source', '--to', 'target', '--rest-port', String(c.port)], exit: 9, cause: /port 127\.0\.0\.1:\d+ for MirrorMaker 2's internal REST listener is already in use/ });
add({ name: 'migrate start --group that is no regex', args: ['migrate', 'start', '--from', 'source', '--to', 'target', '--group', '(unclosed'], exit: 2, cause: /is neither a glob nor a regular expression/ });
add({ name: 'migrate start --connect-url with credentials', args: ['migrate', 'start', '--from', 'source', '--to', 'target', '--engine', 'connect', '--connect-url', 'http://u:p@host:8083'], exit: 2, cause: /--connect-url .*URL without credentials/ });
add({ name: 'migrate start --connect-url that is no URL', args: ['migrate', 'start', '--from', 'source', '--to', 'target', '--engine', 'connect', '--connect-url', 'connect:8083'], exit: 2, cause: /--connect-url/ });
add({ name: 'extract --from yesterday (the old name of --offset)', args: ['extract', '--cluster', 'source', '--from', 'yesterday'], exit: 2, cause: /--from "yesterday": use earliest, latest/ });
add({ name: 'extract --offset yesterday', args: ['extract', '--cluster', 'source', '--offset', 'yesterday'], exit: 2, cause: /--offset "yesterday": use earliest, latest/ });
add({ name: 'extract with both --offset and --from', args: ['extract', '--cluster', 'source', '--offset', 'earliest', '--from', 'latest'], exit: 2, cause: /--offset and --from are the same flag/ });
add({ name: 'cutover --resume with --rollback', args: ['cutover', '--from', 'source', '--to', 'target', '--resume', '--rollback'], exit: 2, cause: /--resume and --rollback go separately/ });
add({ name: 'cutover --new with --resume', args: ['cutover', '--from', 'source', '--to', 'target', '--new', '--resume'], exit: 2, cause: /--new starts a cutover; it does not go with --resume/ });
add({ name: 'cutover --confirm with a newline', args: ['cutover', '--from', 'source', '--to', 'target', '--confirm', 'target\nx'], exit: 2, cause: /--confirm holds the control character/ });
for (const bad of ['0.0.0.0:29092', '10.0.0.1:29092', 'localhost', 'localhost:0', '127.0.0.1:70000', ':9092']) {
  add({ name: `gateway up --listen ${bad}`, args: ['gateway', 'up', '--cluster', 'source', '--listen', bad], exit: 2, cause: /--listen/ });
}
for (const bad of ['0-300000', 'a-b', '1,,2', '5-x', '-1']) {
  add({ name: `gateway up --node-ids ${bad}`, args: ['gateway', 'up', '--cluster', 'source', '--node-ids', bad], exit: 2, cause: /--node-ids/ });
}
add({ name: 'gateway render --node-ids 0-300000', setup: products, args: ['gateway', 'render', '--target', 'kroxylicious', '--node-ids', '0-300000'], exit: 2, cause: /at most 1024 node ids/ });
add({ name: 'gateway render --listen without a port', setup: products, args: ['gateway', 'render', '--target', 'zilla', '--listen', 'somewhere'], exit: 2, cause: /--listen/ });
add({ name: 'gateway render --cluster unknown', setup: products, args: ['gateway', 'render', '--target', 'zilla', '--cluster', 'prod'], exit: 3, cause: /no cluster profile named "prod"/ });
add({ name: 'gateway render --cover unknown', setup: products, args: ['gateway', 'render', '--target', 'kroxylicious', '--cover', 'prod'], exit: 3, cause: /no cluster profile named "prod"/ });
add({ name: 'gateway switch --to unknown', args: ['gateway', 'switch', '--to', 'prod'], exit: 3, cause: /no cluster profile named "prod"/ });
add({ name: 'gateway switch with no gateway running', args: ['gateway', 'switch', '--to', 'target'], exit: 6, cause: /no gateway is running/ });
for (const [flag, value, cause] of [
  ['--consumption', 'kafka,carrier-pigeon', /unknown mode "carrier-pigeon"/],
  ['--access', 'billing=read', /--access .*expected <app\|role>/],
  ['--access', 'app:billing=delete', /unknown permission "delete"/],
  ['--access', 'app:bill\ning=read', /--access/],
  ['--contact', '<nobody>', /--contact/],
  ['--owner', 'team\nsecurity.protocol=x', /--owner holds the control character/],
  ['--description', 'line one\u001b]0;pwned\u0007', /--description holds the control character U\+001B/],
  ['--tag', 'a\rb', /--tag holds the control character/],
] as [string, string, RegExp][]) {
  add({ name: `productize ${flag} ${JSON.stringify(value)}`, setup: contract, args: ['productize', '--contract', 'contracts/orders.created.asyncapi.yaml', '--name', 'orders', '--version', '1.0.0', '--owner', 'o', flag, value], exit: 2, cause });
}
add({ name: 'productize --compatibility of a made-up rule', setup: contract, args: ['productize', '--contract', 'contracts/orders.created.asyncapi.yaml', '--name', 'orders', '--version', '1.0.0', '--owner', 'o', '--compatibility', 'LOOSE'], exit: 2, cause: /--compatibility <rule>' argument 'LOOSE' is invalid/ });
add({ name: 'productize without an owner and no terminal', setup: contract, args: ['productize', '--contract', 'contracts/orders.created.asyncapi.yaml', '--name', 'orders', '--version', '1.0.0', '--no-docs'], exit: 2, cause: /needs an owner: pass --owner/ });
add({ name: 'productize of a channel the contract lacks', setup: contract, args: ['productize', '--contract', 'contracts/orders.created.asyncapi.yaml', '--name', 'orders', '--version', '1.0.0', '--owner', 'o', '--channel', 'refunds', '--no-docs'], exit: 6, cause: /unknown channel: refunds/ });

// ── files and directories ─────────────────────────────────────────────────────────────────────
add({ name: 'product lint of an empty products directory', setup: (c) => mkdirSync(join(c.project, 'products')), args: ['product', 'lint'], exit: 6, cause: /no data products in products/ });
add({ name: 'product lint of a directory without products', setup: (c) => mkdirSync(join(c.project, 'empty')), args: ['product', 'lint', 'empty'], exit: 6, cause: /no data products in empty/ });
add({ name: 'product lint of a missing file', args: ['product', 'lint', 'nope.yaml'], exit: 6, cause: /no product file or directory at nope\.yaml/ });
add({ name: 'product lint of a YAML file that is no product', setup: write('p/product.yaml', 'hello: world\n'), args: ['product', 'lint', 'p/product.yaml'], exit: 3, cause: /problem/ });
add({ name: 'product lint of a product file holding an alias bomb', setup: write('p/product.yaml', ALIAS_BOMB), args: ['product', 'lint', 'p/product.yaml'], exit: 3, cause: /alias|problem/ });
add({ name: 'product lint of a binary file', setup: write('p/product.yaml', Buffer.from([0, 159, 146, 150, 255, 0, 1])), args: ['product', 'lint', 'p/product.yaml'], exit: 3, cause: /problem/ });
add({ name: 'product diff of a missing file', setup: products, args: ['product', 'diff', 'products/orders/1.0.0/product.yaml', 'new/product.yaml'], exit: 6, cause: /no data product at/ });
add({ name: 'product diff of a directory', setup: both(products, (c) => mkdirSync(join(c.project, 'new/product.yaml'), { recursive: true })), args: ['product', 'diff', 'products/orders/1.0.0/product.yaml', 'new/product.yaml'], exit: 2, cause: /is a directory/ });
add({ name: 'productize --contract missing', args: ['productize', '--contract', 'nope.yaml', '--name', 'orders', '--version', '1.0.0', '--owner', 'o'], exit: 6, cause: /no contract at nope\.yaml/ });
add({ name: 'productize --contract a directory', setup: contract, args: ['productize', '--contract', 'contracts', '--name', 'orders', '--version', '1.0.0', '--owner', 'o'], exit: 2, cause: /contracts is a directory, not a contract/ });
add({ name: 'productize --contract not YAML', setup: write('c.yaml', 'asyncapi: [3.0.0\n'), args: ['productize', '--contract', 'c.yaml', '--name', 'orders', '--version', '1.0.0', '--owner', 'o'], exit: 3, cause: /c\.yaml is not valid YAML or JSON/ });
add({ name: 'productize --contract that is no AsyncAPI document', setup: write('c.yaml', 'openapi: 3.1.0\n'), args: ['productize', '--contract', 'c.yaml', '--name', 'orders', '--version', '1.0.0', '--owner', 'o'], exit: 3, cause: /c\.yaml is not a valid AsyncAPI document/ });
add({ name: 'productize --contract that is a YAML list', setup: write('c.yaml', '- a\n- b\n'), args: ['productize', '--contract', 'c.yaml', '--name', 'orders', '--version', '1.0.0', '--owner', 'o'], exit: 3, cause: /not an AsyncAPI document/ });
add({ name: 'productize --contract holding an alias bomb', setup: write('c.yaml', ALIAS_BOMB), args: ['productize', '--contract', 'c.yaml', '--name', 'orders', '--version', '1.0.0', '--owner', 'o'], exit: 3, cause: /alias/ });
add({ name: 'productize --products-dir under a file', setup: both(contract, write('blocker', 'a file')), args: ['productize', '--contract', 'contracts/orders.created.asyncapi.yaml', '--name', 'orders', '--version', '1.0.0', '--owner', 'o', '--no-docs', '--no-registry-check', '--products-dir', 'blocker/products'], exit: 2, cause: /part of that path is a file/ });
add({ name: 'an empty --products-dir', args: ['product', 'list', '--products-dir', ''], exit: 2, cause: /--products-dir "": expected a path/ });
add({ name: 'productize of a released version with other content', setup: both(contract, products), args: ['productize', '--contract', 'contracts/orders.created.asyncapi.yaml', '--name', 'orders', '--version', '1.0.0', '--owner', 'someone-else', '--no-docs', '--no-registry-check'], exit: 7, cause: /already exists with other content/ });
add({ name: 'productize of a version below the latest', setup: both(contract, products), args: ['productize', '--contract', 'contracts/orders.created.asyncapi.yaml', '--name', 'orders', '--version', '0.9.0', '--owner', 'o', '--no-docs', '--no-registry-check'], exit: 7, cause: /lower than the latest, 1\.0\.0/ });
add({ name: 'migrate apply of a missing plan', args: ['migrate', 'apply', 'plan.json'], exit: 6, cause: /no plan file at plan\.json/ });
add({ name: 'migrate apply of a directory', setup: (c) => mkdirSync(join(c.project, 'plans')), args: ['migrate', 'apply', 'plans'], exit: 2, cause: /plans is a directory, not a plan file/ });
add({ name: 'migrate apply of a file that is not JSON', setup: plan('{"kind": "MigrationPlan",'), args: ['migrate', 'apply', 'plan.json'], exit: 3, cause: /not a zdp migration plan \(not JSON\)/ });
add({ name: 'migrate apply of a plan holding null', setup: plan('null'), args: ['migrate', 'apply', 'plan.json'], exit: 3, cause: /not a zdp migration plan/ });
add({ name: 'migrate apply of a plan holding a list', setup: plan([]), args: ['migrate', 'apply', 'plan.json'], exit: 3, cause: /not a zdp migration plan/ });
add({ name: 'migrate apply of another kind of document', setup: plan({ kind: 'Config' }), args: ['migrate', 'apply', 'plan.json'], exit: 3, cause: /not a zdp migration plan \(kind "Config"\)/ });
add({ name: 'migrate apply of a plan of an older format', setup: plan({ ...VALID_PLAN, formatVersion: 0 }), args: ['migrate', 'apply', 'plan.json'], exit: 3, cause: /not a zdp migration plan/ });
add({ name: 'migrate apply of a plan without topics', setup: plan({ ...VALID_PLAN, topics: undefined }), args: ['migrate', 'apply', 'plan.json'], exit: 3, cause: /not a zdp migration plan/ });
add({ name: 'migrate apply of a plan for unknown clusters', setup: plan({ ...VALID_PLAN, to: { cluster: 'elsewhere', vendor: 'apache' } }), args: ['migrate', 'apply', 'plan.json'], exit: 3, cause: /no cluster profile named "elsewhere"/ });
add({ name: 'migrate apply of a plan naming ../ clusters', setup: plan({ ...VALID_PLAN, to: { cluster: '../../victim', vendor: 'apache' } }), args: ['migrate', 'apply', 'plan.json'], exit: 3, cause: /no cluster profile named/ });
add({ name: 'migrate plan --out under a file', setup: write('blocker', 'x'), args: ['migrate', 'plan', '--from', 'source', '--to', 'target', '--out', 'blocker/plan.json'], exit: 2, cause: /cannot create the plan directory .*part of that path is a file/ });
add({ name: 'extract --out under a file', setup: write('blocker', 'x'), args: ['extract', '--cluster', 'source', '--out', 'blocker/contracts'], exit: 2, cause: /cannot create the output directory .*part of that path is a file/ });
add({ name: 'extract --out of an empty path', args: ['extract', '--cluster', 'source', '--out', ''], exit: 2, cause: /--out "": expected a path/ });
add({ name: 'init --config under a file', setup: write('blocker', 'x'), args: ['--config', 'blocker/zdp.yaml', 'init'], exit: 2, cause: /part of that path is a file/ });
add({ name: 'init over an existing zdp.yaml', args: ['init'], exit: 2, cause: /zdp\.yaml already exists/ });
add({ name: 'init flags without --cluster', setup: (c) => writeFileSync(join(c.project, 'zdp.yaml'), ''), args: ['--config', 'other.yaml', 'init', '--bootstrap', 'a:1'], exit: 2, cause: /--bootstrap describes a cluster profile: name it with --cluster/ });
add({ name: 'init --cluster without --bootstrap', args: ['--config', 'other.yaml', 'init', '--cluster', 'prod'], exit: 2, cause: /--cluster needs --bootstrap/ });
add({ name: 'init --sasl-mechanism without a password reference', args: ['--config', 'other.yaml', 'init', '--cluster', 'prod', '--bootstrap', 'a:1', '--sasl-mechanism', 'plain', '--username', 'u'], exit: 2, cause: /--password-env/ });
add({ name: 'init --username with a newline', args: ['--config', 'other.yaml', 'init', '--cluster', 'prod', '--bootstrap', 'a:1', '--sasl-mechanism', 'plain', '--username', 'u\nx', '--password-env', 'P'], exit: 2, cause: /--username holds the control character/ });
add({ name: 'init --bootstrap with port 99999', args: ['--config', 'other.yaml', 'init', '--cluster', 'prod', '--bootstrap', 'a:99999'], exit: 2, cause: /do not make a valid config/ });
add({ name: 'gateway render --out under a file', setup: both(products, write('blocker', 'x')), args: ['gateway', 'render', '--target', 'zilla', '--out', 'blocker/zilla.yaml'], exit: 2, cause: /part of that path is a file/ });
add({ name: 'gateway render --out a directory', setup: both(products, (c) => mkdirSync(join(c.project, 'gw'))), args: ['gateway', 'render', '--target', 'zilla', '--out', 'gw'], exit: 2, cause: /gw: it is a directory/ });
add({ name: 'gateway render with no products', args: ['gateway', 'render', '--target', 'zilla'], exit: 6, cause: /no data products in products/ });
add({ name: 'gateway render of products whose cluster is unknown', setup: both(products, zdpYaml(`${YAML_HEAD}clusters:\n  prod: {bootstrapServers: [127.0.0.1:PORT]}\n`)), args: ['gateway', 'render', '--target', 'zilla'], exit: 3, cause: /references an unknown cluster profile/ });
add({ name: 'product docs --out under a file', setup: both(products, write('blocker', 'x')), args: ['product', 'docs', 'orders', '--out', 'blocker/docs'], exit: 2, cause: /part of that path is a file/ });
add({ name: 'dev down --purge without a terminal or --yes', setup: state('dev/one/cluster.json', JSON.stringify({ formatVersion: 1, name: 'one', kafkaVersion: '4.4.0', clusterId: 'x', auth: 'none', tls: false, ports: { client: 1, controller: 2 } })), args: ['dev', 'down', '--purge'], exit: 2, cause: /confirmation needed but no terminal/ });

// ── state files zdp wrote, damaged ────────────────────────────────────────────────────────────
for (const [what, text] of [['not JSON', '{"from": "source",'], ['null', 'null'], ['a list', '[]'], ['an empty file', '']] as [string, string][]) {
  add({ name: `migrate status with mm2.json ${what}`, setup: state('migrations/source-to-target/mm2.json', text), args: ['migrate', 'status', '--from', 'source', '--to', 'target'], exit: 3, cause: /MirrorMaker 2 record .*mm2\.json is damaged/ });
  add({ name: `gateway status with gateway.json ${what}`, setup: state('gateway/gateway.json', text), args: ['gateway', 'status'], exit: 3, cause: /gateway record .*gateway\.json is damaged/ });
  add({ name: `dev status with cluster.json ${what}`, setup: state('dev/one/cluster.json', text), args: ['dev', 'status'], exit: 3, cause: /record of the local cluster "one" .*cluster\.json is damaged/ });
}
add({ name: 'migrate stop with mm2.json damaged', setup: state('migrations/source-to-target/mm2.json', '{'), args: ['migrate', 'stop', '--from', 'source', '--to', 'target'], exit: 3, cause: /mm2\.json is damaged/ });
// a gateway fleet zdp did not start (zdp.yaml gateway.instances)
const fleet = (extra: string) => zdpYaml(`${YAML_HEAD}${'clusters:\n  source: {bootstrapServers: [127.0.0.1:PORT], timeoutMs: 1000}\n  target: {bootstrapServers: [127.0.0.1:PORT], timeoutMs: 1000}\n'}gateway:\n${extra}  instances:\n    gw-0: {control: "http://127.0.0.1:PORT", bootstrap: "127.0.0.1:PORT"}\n`);
add({ name: 'a gateway fleet without a token reference', setup: fleet(''), args: ['gateway', 'status'], exit: 3, cause: /gateway needs tokenEnv or tokenFile/ });
add({ name: 'a gateway fleet with the token inline', setup: fleet('  token: fleet-secret-value\n'), args: ['gateway', 'status'], exit: 3, cause: /gateway.token.*tokenEnv or tokenFile/ });
add({ name: 'a gateway fleet whose token variable is unset', setup: fleet('  tokenEnv: ZDP_TEST_UNSET_FLEET_TOKEN\n'), args: ['cutover', '--from', 'source', '--to', 'target', '--yes'], exit: 3, cause: /gateway.tokenEnv names the environment variable ZDP_TEST_UNSET_FLEET_TOKEN, which is not set/ });
add({ name: 'gateway up beside a gateway fleet zdp.yaml lists', setup: fleet('  tokenEnv: ZDP_TEST_UNSET_FLEET_TOKEN\n'), args: ['gateway', 'up', '--cluster', 'source'], exit: 2, cause: /zdp.yaml lists a gateway fleet \(gateway.instances: gw-0\) that zdp does not start/ });
add({ name: 'gateway down with gateway.json damaged', setup: state('gateway/gateway.json', '{'), args: ['gateway', 'down'], exit: 3, cause: /gateway\.json is damaged/ });
add({ name: 'migrate status of a migration never started', args: ['migrate', 'status', '--from', 'source', '--to', 'target'], exit: 6, cause: /MirrorMaker 2 was never started for source -> target/ });

// ── connections that fail, named (these connect: the address is wrong) ───────────────────────
add({ name: 'cluster check of a cluster that closes every connection', args: ['cluster', 'check', 'source'], exit: 4, cause: /source/, connects: true });
add({ name: 'parity against a cluster that closes every connection', args: ['parity', '--from', 'source', '--to', 'target'], exit: 4, cause: /source|target/, connects: true });
add({ name: 'extract from a cluster that closes every connection', args: ['extract', '--cluster', 'source'], exit: 4, cause: /source/, connects: true });

function snapshot(dir: string, out = new Map<string, string>(), base = dir): Map<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    const rel = p.slice(base.length + 1);
    if (entry.isDirectory()) {
      out.set(rel, 'dir');
      snapshot(p, out, base);
    } else if (entry.isFile()) {
      out.set(rel, createHash('sha1').update(readFileSync(p)).digest('hex') + statSync(p).mode.toString(8));
    } else out.set(rel, 'other');
  }
  return out;
}

async function counter(): Promise<{ port: number; connections: () => number; close: () => void }> {
  let n = 0;
  const server = net.createServer((socket) => {
    n++;
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, connections: () => n, close: () => server.close() };
}

describe('bad input: a clear error, the documented exit code, nothing lost', () => {
  it('has at least 150 distinct cases', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(150);
  });

  it.concurrent.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const root = mkdtempSync(join(tmpdir(), 'zdp-bad-'));
    const ctx: Ctx = { root, project: join(root, 'project'), victim: join(root, 'victim'), port: 0 };
    const server = await counter();
    ctx.port = server.port;
    try {
      mkdirSync(ctx.project);
      mkdirSync(ctx.victim);
      mkdirSync(join(root, 'home'));
      writeFileSync(join(ctx.victim, 'keep.txt'), 'must survive');
      writeFileSync(join(ctx.project, 'zdp.yaml'), `${YAML_HEAD}${clusters(server.port)}`);
      c.setup?.(ctx);
      const before = snapshot(root);
      const args = typeof c.args === 'function' ? c.args(ctx) : c.args;
      const r = await runZdp(args, { cwd: ctx.project, env: { HOME: join(root, 'home'), XDG_CONFIG_HOME: join(root, 'home', '.config'), ZDP_STATE_DIR: '', ZDP_CONFIG: '', ...c.env }, timeoutMs: 60_000 });
      const said = `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
      expect(r.code, said).toBe(c.exit);
      expect(r.stderr, said).toMatch(/^error: /m);
      expect(r.stderr, said).toMatch(c.cause);
      expect(r.stderr, said).toMatch(/^hint: {2}\S/m);
      expect(r.stderr, said).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      expect(r.stderr, said).not.toMatch(/bug in zdp|internal error/);
      if (!c.connects) expect(server.connections(), `${said}\n(connected to the cluster before validating)`).toBe(0);
      const after = snapshot(root);
      const allowed = (p: string) => (c.writes ?? []).some((w) => p === w || p.startsWith(`${w}/`));
      const changed = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p) && !allowed(p));
      expect(changed, 'files written, changed or deleted').toEqual([]);
      expect(readFileSync(join(ctx.victim, 'keep.txt'), 'utf8')).toBe('must survive');

      // the same mistake under --json: exactly one JSON error document on stderr, nothing else anywhere
      const j = await runZdp([...args, '--json'], { cwd: ctx.project, env: { HOME: join(root, 'home'), XDG_CONFIG_HOME: join(root, 'home', '.config'), ZDP_STATE_DIR: '', ZDP_CONFIG: '', ...c.env }, timeoutMs: 60_000 });
      const jsaid = `--json: exit ${j.code}\nstdout: ${j.stdout}\nstderr: ${j.stderr}`;
      expect(j.code, jsaid).toBe(c.exit);
      // stdout: nothing, or (a check that ran and said no, e.g. lint) exactly one result document
      if (j.stdout !== '') expect(JSON.parse(j.stdout).kind, jsaid).not.toBe('Error');
      expect(j.stderr.endsWith('\n') && j.stderr.trimEnd().split('\n'), jsaid).toHaveLength(1);
      const doc = JSON.parse(j.stderr);
      expect(doc, jsaid).toMatchObject({ kind: 'Error', version: 1, exitCode: c.exit, code: expect.stringMatching(/^[A-Z][A-Z0-9_]+$/), message: expect.any(String), hint: expect.any(String) });
    } finally {
      server.close();
    }
  });
});

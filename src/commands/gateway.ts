/** `zdp gateway render`: gateway configuration for data products (Zilla or Kroxylicious). */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { CommandContext } from '../cli/main.js';
import { ConfigError, NotFoundError, UsageError, ZdpError } from '../errors.js';
import { getCluster } from '../config/load.js';
import type { ClusterProfile } from '../config/types.js';
import { renderYaml } from '../core/contracts/asyncapi.js';
import type { DataProduct } from '../core/products/spec.js';
import { listProductNames, readProduct } from '../products/store.js';
import { checkZillaReferences, DEFAULT_ZILLA, envName, renderZillaConfig, renderZillaPlusKafkaProxy } from '../gateway/zilla.js';
import { renderKroxyliciousConfig } from '../gateway/kroxylicious.js';
import { connectAdmin, mapKafkaError } from '../kafka/client.js';
import { ZDP_VERSION } from '../version.js';
import { findJava } from '../processes/java.js';
import { gatewayLogFile, gatewayRunning, readGateway, resolveKroxylicious, startGateway, stopGateway, writeGateway, type GatewayRecord } from '../processes/kroxylicious.js';
import { nodeIdRanges } from '../gateway/kroxylicious.js';

interface RenderFlags {
  target: 'zilla' | 'kroxylicious';
  products?: string;
  product: string[];
  cluster?: string;
  out?: string;
  zillaMajor: '1' | '2';
  listen?: string;
  cover: string[];
  nodeIds?: string;
  managementPort: string;
  zillaPlus: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

function parseHostPort(value: string, flag: string): { host: string; port: number } {
  const m = /^([^:]+):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`${flag} ${value}: expected host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}

export function parseNodeIds(value: string): number[] {
  const out: number[] = [];
  for (const part of value.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new UsageError(`--node-ids ${value}: expected ids or ranges like 0-5,10`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = Math.min(a, b); i <= Math.max(a, b); i++) out.push(i);
  }
  return out;
}

async function nodeIdsOf(profile: ClusterProfile, env: NodeJS.ProcessEnv): Promise<number[]> {
  const { admin } = await connectAdmin(profile, { env });
  try {
    const d = await admin.describeCluster().catch((e: unknown) => {
      throw mapKafkaError(e, profile, 'describe cluster request');
    });
    return d.brokers.map((b) => b.nodeId);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Secrets the rendered Zilla config reads from the environment. */
function requiredEnv(profile: ClusterProfile): string[] {
  const names = ['ZDP_JWT_ISSUER', 'ZDP_JWT_AUDIENCE', 'ZDP_JWT_KEYS_URL'];
  if (profile.sasl) names.push(profile.sasl.password.env ?? envName(profile.name, 'PASSWORD'));
  if (profile.tls?.enabled) names.push(envName(profile.name, 'TRUSTSTORE'), envName(profile.name, 'TRUSTSTORE_PASSWORD'));
  return names;
}

function gatewayView(record: GatewayRecord, running: boolean) {
  return { cluster: record.cluster, running, bootstrap: record.bootstrapAddress, backend: record.bootstrapServers, nodeIds: record.nodeIds, managementPort: record.managementPort, pid: running ? record.pid : null };
}

export function registerGateway(program: Command, ctx: CommandContext): void {
  const gateway = program.command('gateway').description('one stable endpoint for data products: render gateway configuration, run a local Kafka proxy (Kroxylicious)');

  gateway
    .command('up')
    .description('run Kroxylicious locally in front of a cluster: native Kafka clients use one bootstrap address that survives a backend switch')
    .option('--cluster <name>', 'backend cluster profile (default: the last one used)')
    .addOption(new Option('--cover <cluster>', 'another cluster the proxy must be able to front later (its node ids); repeatable').argParser(collect).default([]))
    .option('--listen <host:port>', 'client bootstrap address (loopback); node ports follow it', '127.0.0.1:29092')
    .option('--management-port <port>', 'management port (/livez)', '9190')
    .option('--node-ids <ids>', 'node ids to cover, e.g. 0-5 (default: read from the clusters)')
    .action(async (flags: { cluster?: string; cover: string[]; listen: string; managementPort: string; nodeIds?: string }) => {
      const rt = ctx.runtime();
      const config = rt.config();
      const existing = readGateway(config.stateDir);
      const clusterName = flags.cluster ?? existing?.cluster;
      if (!clusterName) throw new UsageError('which cluster should the gateway front? pass --cluster <name>');
      const profile = getCluster(config, clusterName);
      if (existing && gatewayRunning(config.stateDir, existing)) {
        if (existing.cluster !== clusterName) throw new UsageError(`the gateway already runs in front of ${existing.cluster}`, { hint: `move it with \`zdp gateway switch --to ${clusterName}\`` });
        if (rt.globals.json) rt.io.outJson({ kind: 'GatewayUp', version: 1, zdpVersion: ZDP_VERSION, alreadyRunning: true, ...gatewayView(existing, true) });
        else rt.io.out(`the gateway already runs: ${existing.bootstrapAddress} -> ${existing.cluster}`);
        return;
      }
      const listen = parseHostPort(flags.listen, '--listen');
      if (listen.host !== '127.0.0.1' && listen.host !== 'localhost') throw new UsageError('--listen: the local gateway binds to loopback only (127.0.0.1)');
      const management = Number(flags.managementPort);
      if (!Number.isInteger(management) || management < 1 || management > 65535) throw new UsageError(`--management-port ${flags.managementPort} is not a port`);
      const covered = [profile, ...flags.cover.map((c) => getCluster(config, c))];
      const ids = flags.nodeIds ? parseNodeIds(flags.nodeIds) : (await Promise.all(covered.map((p) => nodeIdsOf(p, rt.env)))).flat();
      const range = nodeIdRanges(ids)[0]!;
      const java = await findJava(rt.env);
      const lib = await resolveKroxylicious(rt.env, (l) => rt.io.info(l));
      const record: GatewayRecord = {
        formatVersion: 1,
        cluster: clusterName,
        bootstrapServers: profile.bootstrapServers,
        bootstrapAddress: `127.0.0.1:${listen.port}`,
        managementPort: management,
        nodeIds: { start: range.start, end: range.end },
      };
      const started = await startGateway(config.stateDir, record, java, lib, rt.env);
      record.pid = started.pid;
      writeGateway(config.stateDir, record);
      if (rt.globals.json) rt.io.outJson({ kind: 'GatewayUp', version: 1, zdpVersion: ZDP_VERSION, alreadyRunning: false, readyMs: Math.round(started.readyMs), ...gatewayView(record, true) });
      else rt.io.out(`gateway up in ${(started.readyMs / 1000).toFixed(1)}s: clients bootstrap at ${record.bootstrapAddress} -> ${clusterName} (${profile.bootstrapServers.join(',')})`);
      if (profile.sasl) rt.io.info('SASL passes through the proxy: clients use their own credentials on the backend cluster.');
    });

  gateway
    .command('switch')
    .description('point the running gateway at another cluster (restarts the proxy; clients keep their bootstrap address) and report the cut-off')
    .requiredOption('--to <cluster>', 'cluster profile to switch to')
    .action(async (flags: { to: string }) => {
      const rt = ctx.runtime();
      const config = rt.config();
      const record = readGateway(config.stateDir);
      if (!record || !gatewayRunning(config.stateDir, record)) throw new NotFoundError('GATEWAY_NOT_RUNNING', 'no gateway is running', { hint: 'start one with `zdp gateway up --cluster <name>`' });
      const profile = getCluster(config, flags.to);
      // fail before cutting clients off: the new backend must answer and fit the node-id range
      const ids = await nodeIdsOf(profile, rt.env);
      const outside = ids.filter((id) => id < record.nodeIds.start || id > record.nodeIds.end);
      if (outside.length > 0) {
        throw new UsageError(`cluster ${flags.to} has node ids ${outside.join(', ')} outside the gateway's range ${record.nodeIds.start}-${record.nodeIds.end}`, { hint: `restart it covering both: zdp gateway down && zdp gateway up --cluster ${record.cluster} --cover ${flags.to}` });
      }
      const java = await findJava(rt.env);
      const lib = await resolveKroxylicious(rt.env, (l) => rt.io.info(l));
      const from = record.cluster;
      const cutStarted = performance.now();
      await stopGateway(config.stateDir);
      const next: GatewayRecord = { ...record, cluster: flags.to, bootstrapServers: profile.bootstrapServers };
      delete next.pid;
      const started = await startGateway(config.stateDir, next, java, lib, rt.env);
      const cutOffMs = Math.round(performance.now() - cutStarted);
      next.pid = started.pid;
      writeGateway(config.stateDir, next);
      if (rt.globals.json) rt.io.outJson({ kind: 'GatewaySwitch', version: 1, zdpVersion: ZDP_VERSION, from, to: flags.to, cutOffMs, ...gatewayView(next, true) });
      else rt.io.out(`gateway switched from ${from} to ${flags.to}: clients were cut off for ${(cutOffMs / 1000).toFixed(2)}s and reconnect through ${next.bootstrapAddress}`);
      rt.io.info('Consumers rejoin their groups on the new cluster: their committed offsets there must exist (see `zdp cutover`).');
    });

  gateway
    .command('down')
    .description('stop the local gateway')
    .action(async () => {
      const rt = ctx.runtime();
      const stopped = await stopGateway(rt.config().stateDir);
      if (rt.globals.json) rt.io.outJson({ kind: 'GatewayDown', version: 1, zdpVersion: ZDP_VERSION, stopped });
      else rt.io.out(stopped ? 'gateway stopped' : 'nothing to stop: no gateway is running');
    });

  gateway
    .command('status')
    .description('is the local gateway running, and in front of which cluster')
    .action(async () => {
      const rt = ctx.runtime();
      const stateDir = rt.config().stateDir;
      const record = readGateway(stateDir);
      const running = gatewayRunning(stateDir, record);
      let live = false;
      if (record && running) live = await fetch(`http://127.0.0.1:${record.managementPort}/livez`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
      if (rt.globals.json) {
        rt.io.outJson({ kind: 'GatewayStatus', version: 1, zdpVersion: ZDP_VERSION, ...(record ? gatewayView(record, running) : { running: false }), live, log: gatewayLogFile(stateDir) });
        return;
      }
      if (!record) rt.io.out('no gateway: start one with `zdp gateway up --cluster <name>`');
      else rt.io.out(`${running ? (live ? 'running' : 'running (not live)') : 'stopped'}: ${record.bootstrapAddress} -> ${record.cluster} (${record.bootstrapServers.join(',')}), node ids ${record.nodeIds.start}-${record.nodeIds.end}, /livez on ${record.managementPort}`);
    });
  gateway
    .command('render')
    .description('render Zilla (HTTP, SSE, MCP) or Kroxylicious (native Kafka clients) configuration for the data products')
    .addOption(new Option('--target <gateway>', 'which gateway').choices(['zilla', 'kroxylicious']).makeOptionMandatory())
    .option('--products <dir>', 'products directory (default: products.dir from zdp.yaml)')
    .addOption(new Option('--product <name>', 'only these products (latest versions); repeatable').argParser(collect).default([]))
    .option('--cluster <name>', 'backend cluster profile (default: the products\' deployment cluster)')
    .option('-o, --out <file>', 'output file, or - for stdout (default: gateway/<target>.yaml)')
    .addOption(new Option('--zilla-major <n>', 'Zilla syntax version').choices(['1', '2']).default('2'))
    .option('--listen <host:port>', 'client-facing address (zilla default 0.0.0.0:7114, kroxylicious 127.0.0.1:29092)')
    .addOption(new Option('--cover <cluster>', 'kroxylicious: another cluster the endpoint must be able to front (node-id ranges); repeatable').argParser(collect).default([]))
    .option('--node-ids <ids>', 'kroxylicious: node ids to cover, e.g. 0-5 (default: read from the clusters)')
    .option('--management-port <port>', 'kroxylicious: management (/livez, /metrics) port', '9190')
    .option('--zilla-plus', 'zilla: also write <out>.zilla-plus.yaml with a kafka-proxy binding for native Kafka clients (needs Zilla Plus)', false)
    .addHelpText('after', '\nExamples:\n  zdp gateway render --target zilla --out gateway/zilla.yaml\n  zdp gateway render --target kroxylicious --cluster source --cover target --out -')
    .action(async (flags: RenderFlags) => {
      const rt = ctx.runtime();
      const config = rt.config();
      const productsDir = flags.products ? resolve(rt.cwd, flags.products) : config.productsDir;
      const names = flags.product.length > 0 ? flags.product : listProductNames(productsDir);
      if (names.length === 0) throw new NotFoundError('NO_PRODUCTS', `no data products in ${relative(rt.cwd, productsDir) || productsDir}`, { hint: 'create one with `zdp productize`' });
      const products: DataProduct[] = names.map((n) => readProduct(productsDir, n));
      // every product must name a known cluster
      const unknown = products.filter((p) => !config.clusters[p.spec.deployment.cluster]);
      if (unknown.length > 0 && !flags.cluster) {
        throw new ConfigError('UNKNOWN_CLUSTER', `data product${unknown.length > 1 ? 's' : ''} ${unknown.map((p) => `${p.metadata.name} (cluster "${p.spec.deployment.cluster}")`).join(', ')} reference${unknown.length > 1 ? '' : 's'} an unknown cluster profile`, {
          hint: `known profiles: ${Object.keys(config.clusters).join(', ') || 'none'}; add it to zdp.yaml, or pass --cluster`,
        });
      }
      const clusterName = flags.cluster ?? [...new Set(products.map((p) => p.spec.deployment.cluster))][0]!;
      if (!flags.cluster && new Set(products.map((p) => p.spec.deployment.cluster)).size > 1) {
        throw new UsageError('the products are served by different clusters: render one gateway per cluster with --cluster (and --product)');
      }
      const profile = getCluster(config, clusterName);

      let doc: Record<string, unknown>;
      let warnings: string[] = [];
      let envNeeded: string[] = [];
      if (flags.target === 'zilla') {
        const listen = flags.listen ? parseHostPort(flags.listen, '--listen') : { host: DEFAULT_ZILLA.host, port: DEFAULT_ZILLA.port };
        doc = renderZillaConfig(products, profile, { ...DEFAULT_ZILLA, major: flags.zillaMajor === '1' ? 1 : 2, ...listen });
        const problems = checkZillaReferences(doc);
        if (problems.length > 0) throw new ZdpError('internal', 'ZILLA_REFERENCES', `the rendered zilla.yaml has dangling references: ${problems.join('; ')}`);
        envNeeded = requiredEnv(profile);
        warnings = envNeeded.filter((n) => !rt.env[n]).map((n) => `environment variable ${n} is not set here: Zilla reads it at start`);
        if (products.some((p) => p.spec.consumption.includes('mcp')) && flags.zillaMajor === '1') warnings.push('MCP endpoints need Zilla 2.x: left out of the 1.x config');
      } else {
        const listen = flags.listen ?? '127.0.0.1:29092';
        parseHostPort(listen, '--listen');
        const covered = [profile, ...flags.cover.map((c) => getCluster(config, c))];
        const nodeIds = flags.nodeIds ? parseNodeIds(flags.nodeIds) : (await Promise.all(covered.map((p) => nodeIdsOf(p, rt.env)))).flat();
        const management = Number(flags.managementPort);
        if (!Number.isInteger(management) || management < 1 || management > 65535) throw new UsageError(`--management-port ${flags.managementPort} is not a port`);
        doc = renderKroxyliciousConfig(profile, {
          name: 'zdp',
          bootstrapAddress: listen,
          nodeIds,
          managementHost: '127.0.0.1',
          managementPort: management,
          ...(profile.tls?.caFile ? { trustFile: profile.tls.caFile } : {}),
        });
        if (profile.sasl) warnings.push(`clients authenticate to the brokers through the proxy: their ${profile.sasl.mechanism.toUpperCase()} users must exist on every covered cluster`);
      }
      const header = flags.target === 'zilla'
        ? `# zilla.yaml for ${products.map((p) => `${p.metadata.name} ${p.metadata.version}`).join(', ')} on cluster ${clusterName}; written by zdp gateway render (Zilla ${flags.zillaMajor}.x syntax).\n# Reads from the environment: ${envNeeded.join(', ')}\n`
        : `# Kroxylicious proxy config (0.16+ format) for cluster ${clusterName}; written by zdp gateway render.\n`;
      const text = `${header}${renderYaml(doc)}`;
      for (const w of warnings) rt.io.warn(w);
      if (flags.out === '-') {
        rt.io.stdout.write(text);
        return;
      }
      const file = resolve(rt.cwd, flags.out ?? `gateway/${flags.target}.yaml`);
      mkdirSync(dirname(file), { recursive: true });
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, text);
      renameSync(tmp, file);
      const shown = relative(rt.cwd, file) || file;
      const extra: string[] = [];
      if (flags.target === 'zilla' && flags.zillaPlus) {
        const plusFile = file.replace(/\.ya?ml$/, '') + '.zilla-plus.yaml';
        const plus = renderZillaPlusKafkaProxy(profile, { host: DEFAULT_ZILLA.host, port: 9092, name: 'zdp' });
        writeFileSync(plusFile, `# NEEDS ZILLA PLUS: the kafka-proxy binding is commercial and not part of open-source Zilla.\n# Native Kafka clients connect to port 9092; broker addresses are rewritten one-to-one (b-#).\n${renderYaml(plus)}`);
        extra.push(relative(rt.cwd, plusFile) || plusFile);
      }
      if (rt.globals.json) rt.io.outJson({ kind: 'GatewayRender', version: 1, zdpVersion: ZDP_VERSION, target: flags.target, cluster: clusterName, products: products.map((p) => `${p.metadata.name}@${p.metadata.version}`), file: shown, extraFiles: extra, env: envNeeded, warnings });
      else rt.io.out(`wrote ${[shown, ...extra].join(', ')} (${flags.target}) for ${products.map((p) => p.metadata.name).join(', ')} on ${clusterName}`);
    });
}

/** `zdp init`: write a zdp.yaml, asking on a terminal, from flags otherwise. */
import { existsSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import type { CommandContext } from '../cli/main.js';
import { UsageError } from '../errors.js';
import { decodeConfigText } from '../config/decode.js';
import { PROJECT_FILE } from '../config/load.js';
import { renderProjectConfig, type InitCluster } from '../config/render.js';
import { SASL_MECHANISMS, VENDORS } from '../config/schema.js';
import { ZDP_VERSION } from '../version.js';

interface InitOptions {
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

export function registerInit(program: Command, ctx: CommandContext): void {
  program
    .command('init')
    .description('write a zdp.yaml project file (asks on a terminal; use flags in scripts)')
    .option('--cluster <name>', 'name of a cluster profile to add')
    .addOption(new Option('--vendor <vendor>', 'Kafka vendor of that cluster').choices(VENDORS).default('apache'))
    .option('--bootstrap <host:port,...>', 'bootstrap servers of that cluster')
    .addOption(new Option('--sasl-mechanism <mechanism>', 'SASL mechanism').choices(SASL_MECHANISMS))
    .option('--username <user>', 'SASL user name')
    .option('--password-env <VAR>', 'environment variable that holds the SASL password')
    .option('--password-file <path>', 'file that holds the SASL password')
    .option('--tls', 'connect with TLS', false)
    .option('--ca-file <path>', 'CA certificate (PEM) for TLS')
    .option('--schema-registry <url>', 'Schema Registry URL')
    .option('--connect-url <url>', 'Kafka Connect REST URL')
    .option('--force', 'overwrite an existing zdp.yaml', false)
    .addHelpText('after', '\nExamples:\n  zdp init                                   (on a terminal: asks)\n  zdp init --cluster prod --bootstrap b1:9092,b2:9092 --sasl-mechanism scram-sha-512 \\\n           --username app --password-env PROD_KAFKA_PASSWORD --tls')
    .action(async (opts: InitOptions) => {
      const rt = ctx.runtime();
      const file = rt.globals.config ? join(rt.cwd, rt.globals.config) : join(rt.cwd, PROJECT_FILE);
      if (existsSync(file) && !opts.force) {
        throw new UsageError(`${rt.globals.config ?? PROJECT_FILE} already exists`, { code: 'INIT_EXISTS', hint: 'pass --force to overwrite it, or edit it by hand' });
      }
      const clusters: InitCluster[] = [];
      const asked = opts.cluster === undefined && rt.io.interactive && !rt.globals.yes;
      if (asked) {
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
      } else if (opts.cluster !== undefined) {
        clusters.push(clusterFromFlags(opts));
      }
      const text = renderProjectConfig(clusters);
      const check = decodeConfigText(text, PROJECT_FILE);
      if (check.diagnostics.length > 0) {
        throw new UsageError(`the answers do not make a valid config: ${check.diagnostics.map((d) => d.message).join('; ')}`, { code: 'INIT_INVALID' });
      }
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, text);
      renameSync(tmp, file);
      if (rt.globals.json) {
        rt.io.outJson({ kind: 'Init', version: 1, zdpVersion: ZDP_VERSION, file, clusters: clusters.map((c) => c.name) });
        return;
      }
      rt.io.out(`wrote ${file} with ${clusters.length} cluster profile${clusters.length === 1 ? '' : 's'}`);
      rt.io.info(clusters.length > 0 ? `Next: \`zdp cluster check ${clusters[0]!.name}\`` : 'Next: `zdp dev up` for local clusters, or add profiles to zdp.yaml');
    });
}

function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

function clusterFromFlags(opts: InitOptions): InitCluster {
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

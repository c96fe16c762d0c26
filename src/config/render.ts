/** Writes a project config (zdp.yaml) from answers: pure and byte-stable. */
import { stringify } from 'yaml';
import { CONFIG_API_VERSION } from './schema.js';
import { ZDP_VERSION } from '../version.js';

/** Where editors find the JSON Schema of zdp.yaml: the file this package publishes, at this version. */
export const CONFIG_SCHEMA_URL = `https://unpkg.com/zdp@${ZDP_VERSION}/schemas/zdp.schema.json`;

export interface InitCluster {
  name: string;
  vendor: string;
  bootstrapServers: string[];
  tls?: { caFile?: string } | undefined;
  sasl?: { mechanism: string; username: string; passwordEnv?: string; passwordFile?: string } | undefined;
  schemaRegistryUrl?: string | undefined;
  connectUrl?: string | undefined;
}

export function renderProjectConfig(clusters: readonly InitCluster[]): string {
  const doc: Record<string, unknown> = { apiVersion: CONFIG_API_VERSION, kind: 'Project' };
  const out: Record<string, unknown> = {};
  for (const c of [...clusters].sort((a, b) => a.name.localeCompare(b.name))) {
    const entry: Record<string, unknown> = { vendor: c.vendor, bootstrapServers: c.bootstrapServers };
    if (c.tls) entry.tls = { enabled: true, ...(c.tls.caFile ? { caFile: c.tls.caFile } : {}) };
    if (c.sasl) {
      entry.sasl = {
        mechanism: c.sasl.mechanism,
        username: c.sasl.username,
        ...(c.sasl.passwordEnv ? { passwordEnv: c.sasl.passwordEnv } : {}),
        ...(c.sasl.passwordFile ? { passwordFile: c.sasl.passwordFile } : {}),
      };
    }
    if (c.schemaRegistryUrl) entry.schemaRegistry = { url: c.schemaRegistryUrl };
    if (c.connectUrl) entry.connect = { url: c.connectUrl };
    out[c.name] = entry;
  }
  doc.clusters = out;
  doc.products = { dir: 'products' };
  doc.state = { dir: '.zdp' };
  const header = [
    // yaml-language-server (VS Code, IntelliJ, Neovim) completes and checks the file against this
    `# yaml-language-server: $schema=${CONFIG_SCHEMA_URL}`,
    '# zdp project configuration. Reference: README.md, "Configuration".',
    '# Secrets are never written here: use passwordEnv (an environment variable) or passwordFile.',
    '# Local clusters started with `zdp dev up` are added as profiles automatically (.zdp/dev/profiles.yaml).',
  ].join('\n');
  return `${header}\n${stringify(doc, { lineWidth: 0 })}`;
}

/**
 * The Kafka client security settings MirrorMaker 2 needs for a cluster profile, as Java client
 * properties. Pure: secrets never appear in the result, only `${file:<secretsFile>:<key>}`
 * references for Kafka's FileConfigProvider and the list of secrets that file must hold; PEM files
 * are referenced by path (the Java client reads PEM trust stores and key files itself).
 */
import type { ClusterProfile, SecretRef } from '../../config/types.js';
import { ConfigError } from '../../errors.js';
import { controlCharacter } from '../names.js';
import { propertiesLine } from './mm2.js';

export interface Mm2SecuritySettings {
  /** security.protocol, sasl.*, ssl.*; secret values as ${file:...} references */
  client: Record<string, string>;
  /** entries the secrets file must hold: property key -> the profile's reference */
  secrets: Record<string, SecretRef>;
  /** what could not be expressed for the Java client, said plainly */
  notes: string[];
}

const LOGIN_MODULES: Record<string, string> = {
  plain: 'org.apache.kafka.common.security.plain.PlainLoginModule',
  'scram-sha-256': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  'scram-sha-512': 'org.apache.kafka.common.security.scram.ScramLoginModule',
};

/** A JAAS option value in double quotes; backslashes and quotes escaped. */
function jaasQuote(value: string): string {
  const control = controlCharacter(value);
  if (control) throw new ConfigError('UNSAFE_VALUE', `a SASL user name holds the control character ${control}`, { hint: 'fix the user name in zdp.yaml: line breaks and control characters are not allowed' });
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * @param alias the cluster's alias in the MM2 config (src/tgt), which names its secrets
 * @param secretsFile absolute path of the properties file FileConfigProvider reads
 */
export function mm2Security(profile: ClusterProfile, alias: string, secretsFile: string): Mm2SecuritySettings {
  const client: Record<string, string> = {};
  const secrets: Record<string, SecretRef> = {};
  const notes: string[] = [];
  const tls = profile.tls?.enabled ? profile.tls : undefined;
  const ref = (key: string, secret: SecretRef) => {
    const name = `${alias}.${key}`;
    secrets[name] = secret;
    return `\${file:${secretsFile}:${name}}`;
  };
  if (!profile.sasl && !tls) return { client, secrets, notes };
  client['security.protocol'] = profile.sasl ? (tls ? 'SASL_SSL' : 'SASL_PLAINTEXT') : 'SSL';
  if (profile.sasl) {
    const mechanism = profile.sasl.mechanism;
    client['sasl.mechanism'] = mechanism.toUpperCase();
    client['sasl.jaas.config'] = `${LOGIN_MODULES[mechanism]} required username=${jaasQuote(profile.sasl.username)} password="${ref('sasl.password', profile.sasl.password)}";`;
  }
  if (tls) {
    if (tls.caFile) {
      client['ssl.truststore.type'] = 'PEM';
      client['ssl.truststore.location'] = tls.caFile;
    }
    if (tls.certFile && tls.keyFile) {
      // a PEM key store is one file with the key and the chain; the profile keeps them apart, so
      // both are handed over as values read through the same provider from the secrets file
      client['ssl.keystore.type'] = 'PEM';
      client['ssl.keystore.certificate.chain'] = ref('ssl.keystore.certificate.chain', { key: `clusters.${profile.name}.tls.certFile`, file: tls.certFile });
      client['ssl.keystore.key'] = ref('ssl.keystore.key', { key: `clusters.${profile.name}.tls.keyFile`, file: tls.keyFile });
      if (tls.keyPassword) client['ssl.key.password'] = ref('ssl.key.password', tls.keyPassword);
    }
    if (tls.insecureSkipVerify) {
      client['ssl.endpoint.identification.algorithm'] = '';
      notes.push(`clusters.${profile.name}.tls.insecureSkipVerify: MirrorMaker 2 skips the host name check but still verifies the certificate chain (the Java client has no switch to trust any certificate); give it tls.caFile`);
    }
    if (tls.serverName) notes.push(`clusters.${profile.name}.tls.serverName is not passed to MirrorMaker 2: the Java client checks the broker's advertised host name`);
  }
  return { client, secrets, notes };
}

/** The secrets file's text from resolved values, keys sorted. */
export function renderSecretsFile(values: Record<string, string>): string {
  const lines = ['# Secrets for MirrorMaker 2, written by zdp migrate start (mode 0600). Read by FileConfigProvider; never logged.'];
  for (const key of Object.keys(values).sort()) lines.push(propertiesLine(key, values[key]!, '='));
  return `${lines.join('\n')}\n`;
}

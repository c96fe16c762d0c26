/** A local CA and a broker certificate for 127.0.0.1/localhost, made with openssl. */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EnvironmentError } from '../errors.js';

const run = promisify(execFile);

export interface DevCertificates {
  caFile: string;
  /** broker key (PKCS#8, unencrypted) + certificate chain, for ssl.keystore.type=PEM */
  keystorePem: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: 60_000 });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new EnvironmentError('OPENSSL_MISSING', 'openssl is not installed: zdp dev --tls makes its certificates with it', {
        hint: 'install it (apt-get install openssl) or start the cluster without --tls',
        cause,
      });
    }
    throw new EnvironmentError('CERT_FAILED', `openssl ${args[0]} failed: ${(cause as { stderr?: string }).stderr?.split('\n')[0] ?? ''}`, { cause });
  }
}

export async function ensureDevCertificates(dir: string): Promise<DevCertificates> {
  const caFile = join(dir, 'ca.pem');
  const keystorePem = join(dir, 'broker-keystore.pem');
  if (existsSync(caFile) && existsSync(keystorePem)) return { caFile, keystorePem };
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'broker.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
  );
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650', '-subj', '/CN=zdp dev CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=localhost'], dir);
  await openssl(['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.crt', '-days', '3650', '-extfile', 'broker.ext'], dir);
  await openssl(['pkcs8', '-topk8', '-nocrypt', '-in', 'broker.key', '-out', 'broker.pk8'], dir);
  const pem = [readFileSync(join(dir, 'broker.pk8'), 'utf8'), readFileSync(join(dir, 'broker.crt'), 'utf8'), readFileSync(caFile, 'utf8')].join('');
  writeFileSync(keystorePem, pem, { mode: 0o600 });
  for (const f of ['ca.key', 'broker.key', 'broker.pk8']) chmodSync(join(dir, f), 0o600);
  return { caFile, keystorePem };
}

import { createHash, createPrivateKey, createPublicKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PkiError } from './errors.ts';
import { KEY_FILE_MODE, PUBLIC_FILE_MODE, ensurePrivateDir, publishExclusive, writeFileAtomic } from './private-files.ts';

/**
 * RS256: the algorithm RabbitMQ's OAuth 2 backend and every JWT library exercise most, and the one its
 * docs configure with a static PEM signing key.
 */
export const TOKEN_ALGORITHM = 'RS256';
const RSA_BITS = 2048;

/** The fleet's key for app tokens, kept beside the CA. */
export interface TokenSigningKey {
  /** `fedgate-` and 16 hex digits of the SHA-256 of the public key: stable, and safe as a rabbitmq.conf key segment. */
  readonly kid: string;
  readonly alg: typeof TOKEN_ALGORITHM;
  /** `<dir>/token-signing.key`, PKCS#8 PEM, mode 0600. */
  readonly privateKeyFile: string;
  /** `<dir>/token-signing.pub.pem`, SPKI PEM, mode 0644: the file `auth_oauth2.signing_keys.<kid>` names. */
  readonly publicKeyFile: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/**
 * Creates the fleet's token signing key in `dir` (RSA 2048) the first time and loads it afterwards;
 * the public key file is rewritten from the private key if it is missing or differs.
 */
export async function ensureTokenSigningKey(dir: string): Promise<TokenSigningKey & { created: boolean }> {
  const privateKeyFile = join(dir, 'token-signing.key');
  const publicKeyFile = join(dir, 'token-signing.pub.pem');
  await ensurePrivateDir(dir, { enforce: true });

  let created = false;
  let pem = await readIfThere(privateKeyFile);
  if (pem === undefined) {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: RSA_BITS });
    const temp = `${privateKeyFile}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(temp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: KEY_FILE_MODE, flag: 'wx' });
      await chmod(temp, KEY_FILE_MODE);
      // Only the first of two concurrent runs gets its key in; the other uses that one.
      created = await publishExclusive(temp, privateKeyFile);
    } finally {
      await rm(temp, { force: true });
    }
    pem = await readFile(privateKeyFile, 'utf8');
  }

  const privateKey = parsePrivateKey(pem, privateKeyFile);
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  if ((await readIfThere(publicKeyFile)) !== publicPem) await writeFileAtomic(publicKeyFile, publicPem, PUBLIC_FILE_MODE);
  const kid = `fedgate-${createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16)}`;
  return { kid, alg: TOKEN_ALGORITHM, privateKeyFile, publicKeyFile, privateKey, publicKey, created };
}

function parsePrivateKey(pem: string, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new PkiError('PKI_SIGNING_KEY_INVALID', `${file} is not a PEM private key`, { cause: err });
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < RSA_BITS) {
    throw new PkiError(
      'PKI_SIGNING_KEY_INVALID',
      `${file} must be an RSA key of at least ${RSA_BITS} bits for ${TOKEN_ALGORITHM}; got ${key.asymmetricKeyType ?? 'unknown'} ${bits || ''}`.trim(),
    );
  }
  return key;
}

async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw PkiError.from(err, `reading ${path}`);
  }
}

import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BootHelperError } from './boot-helper-error.ts';

/**
 * The current value of secret `id` as bytes: SecretBinary as stored (the definitions' gzip), SecretString as UTF-8.
 * `field` names the one the boot expects, so a value put the wrong way fails here rather than as a parse error later.
 */
export async function readSecretValue(client: SecretsManagerClient, id: string, field: 'binary' | 'string'): Promise<Uint8Array> {
  let res;
  try {
    res = await client.send(new GetSecretValueCommand({ SecretId: id }));
  } catch (err) {
    throw BootHelperError.from(err, 'GetSecretValue', id);
  }
  const value = field === 'binary' ? res.SecretBinary : res.SecretString === undefined ? undefined : Buffer.from(res.SecretString, 'utf8');
  if (value === undefined || value.byteLength === 0) {
    const other = field === 'binary' ? res.SecretString !== undefined : res.SecretBinary !== undefined;
    throw new BootHelperError(
      'BOOT_SECRET_EMPTY',
      `secret ${id} has no Secret${field === 'binary' ? 'Binary' : 'String'}${other ? ' (it holds the other kind)' : ''}`,
    );
  }
  return value;
}

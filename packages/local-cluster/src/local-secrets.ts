import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { credentialFileKey, requiredCredentials, type Topology } from '@fedgate/topology';

/**
 * Makes sure the local secrets file has a password for every user the topology needs, generating the missing
 * ones. Existing passwords are kept so a running fleet keeps working. Written with mode 0600.
 */
export async function ensureLocalSecrets(topology: Topology, file: string): Promise<{ generated: number }> {
  let existing: Record<string, string> = {};
  try {
    existing = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let generated = 0;
  for (const ref of requiredCredentials(topology)) {
    const key = credentialFileKey(ref);
    if (typeof existing[key] !== 'string' || existing[key] === '') {
      existing[key] = randomBytes(18).toString('base64url');
      generated++;
    }
  }
  if (generated > 0) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(existing, null, 2) + '\n', { mode: 0o600 });
    await chmod(file, 0o600);
  }
  return { generated };
}

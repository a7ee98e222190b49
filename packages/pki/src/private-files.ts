import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { PkiError } from './errors.ts';

/** Private keys: the owner alone reads them. */
export const KEY_FILE_MODE = 0o600;
/** Certificates and public keys: anyone may read them (a broker running as another user must). */
export const PUBLIC_FILE_MODE = 0o644;
/** Directories holding keys. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Makes `dir` (and missing parents) with mode 0700. `enforce` also narrows an existing directory,
 * for the ones the PKI owns; a directory the user named and already had is left as it is.
 */
export async function ensurePrivateDir(dir: string, options: { enforce: boolean }): Promise<void> {
  try {
    const created = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    // mkdir's mode goes through the umask; say it again for the directory itself.
    if (created !== undefined || options.enforce) await chmod(dir, PRIVATE_DIR_MODE);
  } catch (err) {
    throw PkiError.from(err, `creating directory ${dir}`);
  }
}

/** Writes `path` whole or not at all: a temporary file beside it, then a rename. */
export async function writeFileAtomic(path: string, content: string, mode: number): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temp, content, { mode, flag: 'wx' });
    await chmod(temp, mode); // the umask may have narrowed it
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw PkiError.from(err, `writing ${path}`);
  }
}

/**
 * Moves a finished file into place only if nothing is there yet, atomically: a hard link fails with
 * EEXIST when another process got there first. Returns false then, and leaves both files alone.
 */
export async function publishExclusive(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw PkiError.from(err, `creating ${to}`);
  }
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw PkiError.from(err, `reading ${path}`);
  }
}

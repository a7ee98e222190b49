import { stat } from 'node:fs/promises';

/** Whether `path` exists; other errors than "not found" (permissions) are thrown. */
export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Test support: a bundle directory as `npm run release` leaves it, with random tarballs (push never looks inside). */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function fakeBundleDir(): { dir: string; sha256: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'fedgate-bundle-'));
  const sha256: Record<string, string> = {};
  for (const arch of ['x64', 'arm64']) {
    const name = `fedgate-linux-${arch}.tar.gz`;
    const body = randomBytes(4096 + arch.length);
    sha256[arch] = createHash('sha256').update(body).digest('hex');
    writeFileSync(join(dir, name), body);
    writeFileSync(join(dir, `${name}.sha256`), `${sha256[arch]}  ${name}\n`);
  }
  return { dir, sha256 };
}

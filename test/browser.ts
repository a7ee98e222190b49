// Debian's chromium driven by playwright-core for the browser tests: no browser is ever downloaded.
import { createHash, X509Certificate } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Installed by scripts/setup (apt-get install chromium). */
export const CHROMIUM = process.env.FEDGATE_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots the tests take (gitignored). */
export const SCREENSHOT_DIR = 'test-results/screenshots';

/** base64 SHA-256 of a certificate's SubjectPublicKeyInfo, as chromium's --ignore-certificate-errors-spki-list takes it. */
export function spkiHash(pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * Chromium, headless, trusting the fleet CA and nothing more. The fleet CA is not in chromium's store and the test
 * must not add it to the machine's (it is a throwaway CA whose key sits in the fleet's state). Rather than
 * --ignore-certificate-errors, which would accept any certificate at all, chromium is told to ignore errors only for
 * chains holding this CA's public key (--ignore-certificate-errors-spki-list, honoured because playwright gives
 * every launch its own profile): a gateway's certificate from another CA would still be refused.
 */
export async function launchChromium(trustedCaPem: string | undefined): Promise<Browser> {
  const args = ['--no-sandbox', '--disable-background-networking'];
  if (trustedCaPem) args.push(`--ignore-certificate-errors-spki-list=${spkiHash(trustedCaPem)}`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

export async function screenshotPath(name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
}

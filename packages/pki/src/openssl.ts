import { execFile } from 'node:child_process';
import { PkiError } from './errors.ts';

/**
 * Runs the `openssl` CLI. Certificates are made by the system's openssl rather than by a JavaScript
 * ASN.1/X.509 library: it is the audited implementation the distribution already ships and patches,
 * its output is what every TLS stack (Erlang's included) is tested against, and it adds no dependency.
 * Arguments go to execFile as an array, never through a shell.
 */
export async function openssl(args: readonly string[], options: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd: options.cwd, encoding: 'utf8', maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(
          new PkiError('PKI_OPENSSL_MISSING', 'the openssl command was not found; install it (Debian/Ubuntu: apt-get install openssl)', { cause: err }),
        );
      }
      const detail = stderr.trim().split('\n').slice(0, 5).join('; ') || err.message;
      reject(new PkiError('PKI_OPENSSL_FAILED', `openssl ${args[0] ?? ''} failed: ${detail}`, { cause: err }));
    });
  });
}

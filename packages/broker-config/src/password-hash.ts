import { createHash } from 'node:crypto';

/**
 * RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt ‖ sha256(salt ‖ password)).
 * The salt is derived from the user and password instead of drawn at random, so compiling the same
 * topology twice gives the same file (golden tests, no spurious plan diffs); it is still unique per user.
 */
export function rabbitPasswordHash(user: string, password: string): string {
  const salt = createHash('sha256').update(`fedgate-salt\0${user}\0${password}`).digest().subarray(0, 4);
  const digest = createHash('sha256')
    .update(Buffer.concat([salt, Buffer.from(password, 'utf8')]))
    .digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

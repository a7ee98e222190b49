import type { Secrets } from '@fedgate/topology';
import type { PermissionDefinition, UserDefinition } from './definitions.ts';
import { rabbitPasswordHash } from './password-hash.ts';

export interface UserSpec {
  readonly name: string;
  readonly tags?: string[];
  /** Regexes; `^$` grants nothing. */
  readonly configure: string;
  readonly write: string;
  readonly read: string;
  /**
   * `certificate`: the user logs in only with its client certificate (EXTERNAL), so it gets no password at all: an
   * empty hash, which the internal backend never accepts a password for. @default 'password'
   */
  readonly login?: 'password' | 'certificate';
  /** Per-user limits RabbitMQ enforces at login (`max-connections`, `max-channels`). @default none */
  readonly limits?: Record<string, number>;
}

/** A user with a hashed password (or none, for certificate logins) and its vhost permissions. */
export function user(cluster: string, vhost: string, spec: UserSpec, secrets: Secrets): { user: UserDefinition; permission: PermissionDefinition } {
  return {
    user: {
      name: spec.name,
      password_hash: spec.login === 'certificate' ? '' : rabbitPasswordHash(spec.name, secrets.password(cluster, spec.name)),
      hashing_algorithm: 'rabbit_password_hashing_sha256',
      tags: spec.tags ?? [],
      limits: { ...spec.limits },
    },
    permission: { user: spec.name, vhost, configure: spec.configure, write: spec.write, read: spec.read },
  };
}

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ADMIN_USER, APP_USER, DEVICE_USER, ROUTER_USER, downlinkUser, uplinkUser } from './names.ts';
import type { Topology } from './schema.ts';
import { TopologyError } from './errors.ts';

/** A broker user whose password fedgate needs, on one cluster. */
export interface CredentialRef {
  readonly cluster: string;
  readonly user: string;
}

/**
 * Every password the compiled definitions use, per cluster. With TLS fewer exist: links log in to a TLS backend
 * with their client certificates (EXTERNAL), and devices on a TLS gateway with theirs, so neither has a password.
 */
export function requiredCredentials(topology: Topology): CredentialRef[] {
  const backend = topology.backend.name;
  return [
    { cluster: backend, user: ADMIN_USER },
    { cluster: backend, user: ROUTER_USER },
    { cluster: backend, user: APP_USER },
    ...topology.backend.services.map((s) => ({ cluster: backend, user: s.name })),
    ...topology.gateways.flatMap((g) => [
      ...(topology.backend.tls
        ? []
        : [
            { cluster: backend, user: downlinkUser(g.name) },
            { cluster: backend, user: uplinkUser(g.name) },
          ]),
      { cluster: g.name, user: ADMIN_USER },
      ...(g.tls ? [] : [{ cluster: g.name, user: DEVICE_USER }]),
    ]),
  ];
}

/** `core` + `fedgate-down-eu` → `FEDGATE_CORE_DOWN_EU_PASSWORD`. */
export function credentialEnvVar({ cluster, user }: CredentialRef): string {
  const bare = user.replace(/^fedgate-/, '');
  return `FEDGATE_${cluster}_${bare}_PASSWORD`.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** Key of a password in a local secrets file. */
export function credentialFileKey({ cluster, user }: CredentialRef): string {
  return `${cluster}/${user}`;
}

/** Passwords the topology needs are not where its credentials source says; the operator provides them. */
export class MissingCredentialsError extends TopologyError {
  override readonly name = 'MissingCredentialsError';
  readonly code = 'CREDENTIALS_MISSING' as const;
  constructor(
    message: string,
    readonly missing: readonly CredentialRef[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Looks up passwords; never logs or returns them anywhere but to the caller. */
export interface Secrets {
  password(cluster: string, user: string): string;
}

export function secretsFromMap(map: ReadonlyMap<string, string>): Secrets {
  return {
    password(cluster, user) {
      const value = map.get(credentialFileKey({ cluster, user }));
      if (value === undefined) throw new MissingCredentialsError(`no password for ${user} on ${cluster}`, [{ cluster, user }]);
      return value;
    },
  };
}

/** Absolute path of the secrets file of a topology with `credentials.source: file`. */
export function secretsFilePath(topology: Topology, topologyFile: string): string | undefined {
  return topology.credentials.source === 'file' ? resolve(dirname(topologyFile), topology.credentials.path) : undefined;
}

/**
 * Resolves the passwords in `refs` (every password of the topology by default) from the environment or the
 * secrets file and reports all missing ones at once. A service passes only the credentials it uses, so it starts
 * with its own secret and nothing else.
 */
export async function resolveSecrets(
  topology: Topology,
  topologyFile: string,
  env: NodeJS.ProcessEnv = process.env,
  refs: readonly CredentialRef[] = requiredCredentials(topology),
): Promise<Secrets> {
  const map = new Map<string, string>();
  const file = secretsFilePath(topology, topologyFile);
  if (file === undefined) {
    for (const ref of refs) {
      const value = env[credentialEnvVar(ref)];
      if (value) map.set(credentialFileKey(ref), value);
    }
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      const hint = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found (`fedgate local up` creates it)' : 'is not a JSON object';
      throw new MissingCredentialsError(`secrets file ${file} ${hint}`, refs, { cause: err });
    }
    for (const ref of refs) {
      const value = (parsed as Record<string, unknown>)[credentialFileKey(ref)];
      if (typeof value === 'string' && value !== '') map.set(credentialFileKey(ref), value);
    }
  }
  const missing = refs.filter((r) => !map.has(credentialFileKey(r)));
  if (missing.length > 0) {
    const where = file === undefined ? missing.map(credentialEnvVar).join(', ') : missing.map(credentialFileKey).join(', ') + ` in ${file}`;
    throw new MissingCredentialsError(`missing ${missing.length} password(s): ${where}`, missing);
  }
  return secretsFromMap(map);
}

/**
 * Where `fedgate secrets push` gets TLS material for clusters that speak TLS: issued from the fleet CA directory
 * that packages/pki keeps (`--pki-dir`, the same layout `fedgate local up` and `fedgate device issue` use), or
 * read from a directory the operator prepared (`--tls-dir`). Either way the CA key never leaves the operator's
 * machine: only the CA certificate, node and link certificates and keys, and the app-token public key are read.
 */
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { ensureFleetCa, ensureTokenSigningKey, issueLinkCertificate, issueNodeCertificate, keyMatchesCertificate, type FleetCa } from '@fedgate/pki';
import { SecretsPushError } from './secrets-push-error.ts';

/** PEM files a broker node needs; the names are the files rabbitmq.conf names under /etc/rabbitmq/tls. */
export interface NodeTlsFiles {
  readonly 'ca.pem': string;
  readonly 'cert.pem': string;
  readonly 'key.pem': string;
}

/** What one instance's secret holds under `tls`: file name → PEM text (see tls-material.ts for the names). */
export type TlsFiles = Readonly<Record<string, string>>;

/** A link user's client certificate and key (PEM). */
export interface LinkTlsPems {
  readonly cert: string;
  readonly key: string;
}

export interface FleetCertificates {
  /** What this source is, for progress lines (never a secret). */
  readonly description: string;
  /** The fleet CA certificate (public), which the router and gateway-health trust. */
  caCertificate(): Promise<string>;
  /** Certificate and key for the nodes of `cluster`, valid for `host`. */
  nodeFiles(cluster: string, host: string): Promise<NodeTlsFiles>;
  /** Client certificate and key of link user `user`, which gateway `gateway`'s links log in to the backend with. */
  linkFiles(gateway: string, user: string): Promise<LinkTlsPems>;
  /** The app-token signing key's public half, when the fleet has one; gateways verify app tokens with it. */
  tokenPublicKey(): Promise<string | undefined>;
}

async function readPem(path: string, option: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new SecretsPushError('SECRETS_TLS_MISSING', `${option}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Certificates an operator issued ahead of time: `<dir>/ca.pem`, `<dir>/<cluster>/cert.pem|key.pem`, for each
 * gateway whose backend speaks TLS `<dir>/<gateway>/<user>.pem|.key` per link user, and optionally
 * `<dir>/token-signing.pub.pem`. What each certificate names and who signed it is checked by the push.
 */
export function certificatesFromDirectory(dir: string): FleetCertificates {
  const read = (path: string) => readPem(path, '--tls-dir');
  return {
    description: `PEM files in ${dir}`,
    caCertificate: () => read(join(dir, 'ca.pem')),
    nodeFiles: async (cluster) => ({
      'ca.pem': await read(join(dir, 'ca.pem')),
      'cert.pem': await read(join(dir, cluster, 'cert.pem')),
      'key.pem': await read(join(dir, cluster, 'key.pem')),
    }),
    linkFiles: async (gateway, user) => ({ cert: await read(join(dir, gateway, `${user}.pem`)), key: await read(join(dir, gateway, `${user}.key`)) }),
    tokenPublicKey: async () => {
      const path = join(dir, 'token-signing.pub.pem');
      return (await exists(path)) ? read(path) : undefined;
    },
  };
}

export interface FleetPkiOptions {
  /** Told when the CA is created or a certificate issued (names and paths only). */
  readonly onIssued?: (line: string) => void;
}

/**
 * The fleet CA directory of packages/pki (`ca.key` 0600, `ca.pem`): the CA is created there if missing, node
 * certificates (`<dir>/<cluster>/cert.pem|key.pem`, SANs: the cluster host, localhost and 127.0.0.1, as local mode
 * issues them) and link certificates (`<dir>/links/<user>.pem|.key`) are issued once and reused afterwards, so a
 * second push finds the same files and changes nothing. The token public key is `<dir>/token-signing.pub.pem`,
 * taken when the fleet has a signing key (`fedgate app token` and `local up` create it); a push never creates one.
 */
export function certificatesFromFleetPki(dir: string, topologyName: string, options: FleetPkiOptions = {}): FleetCertificates {
  let ca: Promise<FleetCa> | undefined;
  const fleetCa = () => {
    ca ??= ensureFleetCa(dir, topologyName).then((created) => {
      if (created.created) options.onIssued?.(`created the fleet CA of topology "${topologyName}" in ${dir}`);
      return created;
    });
    return ca;
  };
  const read = (path: string) => readPem(path, '--pki-dir');
  return {
    description: `the fleet CA in ${dir}`,
    caCertificate: async () => read((await fleetCa()).certFile),
    nodeFiles: async (cluster, host) => {
      const authority = await fleetCa();
      const own = join(dir, cluster);
      if (!(await exists(join(own, 'cert.pem')))) {
        await issueNodeCertificate(authority, { cluster, hosts: [host, 'localhost', '127.0.0.1'] });
        options.onIssued?.(`issued the node certificate of ${cluster} (${host}) into ${own}`);
      }
      return { 'ca.pem': await read(authority.certFile), 'cert.pem': await read(join(own, 'cert.pem')), 'key.pem': await read(join(own, 'key.pem')) };
    },
    linkFiles: async (_gateway, user) => {
      const authority = await fleetCa();
      const links = join(dir, 'links');
      if (!(await exists(join(links, `${user}.pem`)))) {
        await issueLinkCertificate(authority, { user });
        options.onIssued?.(`issued the link certificate of ${user} into ${links}`);
      }
      return { cert: await read(join(links, `${user}.pem`)), key: await read(join(links, `${user}.key`)) };
    },
    tokenPublicKey: async () => {
      if (!(await exists(join(dir, 'token-signing.key')))) return undefined;
      // Rewrites the public half from the private key if it is missing or differs; never creates a key.
      return read((await ensureTokenSigningKey(dir)).publicKeyFile);
    },
  };
}

/**
 * Refuses a certificate that the instance's peers would refuse anyway, before it is pushed: not signed by the fleet
 * CA, not naming `name` (a node's host, a link's user), or not the certificate of the key beside it. `what` names it
 * in the error (never a value).
 */
export function checkCertificate(what: string, pems: { ca: string; cert: string; key: string }, name: string): void {
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(pems.cert);
    ca = new X509Certificate(pems.ca);
  } catch (err) {
    throw new SecretsPushError('SECRETS_TLS_INVALID', `${what}: not a PEM certificate (${(err as Error).message})`, { cause: err });
  }
  if (!cert.verify(ca.publicKey))
    throw new SecretsPushError('SECRETS_TLS_INVALID', `${what}: not signed by the fleet CA (${ca.subject.replaceAll('\n', ', ')})`);
  if ((isIP(name) !== 0 ? cert.checkIP(name) : cert.checkHost(name)) === undefined) {
    throw new SecretsPushError('SECRETS_TLS_INVALID', `${what}: does not name ${name} (${cert.subjectAltName ?? cert.subject.replaceAll('\n', ', ')})`);
  }
  if (!keyMatchesCertificate(pems.key, cert)) throw new SecretsPushError('SECRETS_TLS_INVALID', `${what}: the key beside it is not this certificate's key`);
}

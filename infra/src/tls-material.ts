/**
 * Pure: which TLS files each kind of instance reads, by name. One answer for both sides of a boot: `fedgate secrets
 * push` puts exactly these names in an instance's secret, and the user data tells the boot script to accept exactly
 * these (and refuse anything else). The names are the ones broker-config's rabbitmq.conf and link URIs name under
 * the node's TLS directory (tls-files.ts), so a rename there reaches the push and the boot together.
 */
import { basename } from 'node:path';
import { DEFAULT_TLS_DIR, linkTlsFiles, nodeTlsFiles, tokenKeyFile } from '@fedgate/broker-config';
import { downlinkUser, uplinkUser, type Cluster, type Gateway, type Topology } from '@fedgate/topology';

/** The file names (no directory) an instance's secret holds under `tls`. */
export interface InstanceTlsFileNames {
  /** Every one of these must be there. */
  readonly required: readonly string[];
  /** These may be there (the app-token key, when the fleet has one). */
  readonly optional: readonly string[];
}

const node = nodeTlsFiles(DEFAULT_TLS_DIR);
export const CA_FILE = basename(node.ca);
export const CERT_FILE = basename(node.cert);
export const KEY_FILE = basename(node.key);
export const TOKEN_KEY_FILE = basename(tokenKeyFile(DEFAULT_TLS_DIR));

/** The users a gateway's links log in to the backend as, by certificate when the backend speaks TLS (compileGatewayDefinitions). */
export function linkUsers(gateway: Gateway): string[] {
  return [downlinkUser(gateway.name), uplinkUser(gateway.name)];
}

/** The certificate and key file names of link user `user`, as the link URIs name them. */
export function linkFileNames(user: string): { readonly cert: string; readonly key: string } {
  const files = linkTlsFiles(DEFAULT_TLS_DIR, user);
  return { cert: basename(files.cert), key: basename(files.key) };
}

/**
 * What a broker node of `cluster` reads: with its own TLS, the CA, its certificate and key; a gateway whose backend
 * speaks TLS also the certificate and key of each of its link users (and the CA its links verify the backend with);
 * a TLS gateway optionally the app-token public key.
 */
export function brokerTlsFileNames(topology: Topology, cluster: Cluster): InstanceTlsFileNames {
  const isGateway = cluster !== topology.backend;
  const required = new Set<string>();
  if (cluster.tls) [CA_FILE, CERT_FILE, KEY_FILE].forEach((f) => required.add(f));
  if (isGateway && topology.backend.tls) {
    required.add(CA_FILE);
    for (const user of linkUsers(cluster as Gateway)) {
      const files = linkFileNames(user);
      required.add(files.cert).add(files.key);
    }
  }
  return { required: [...required], optional: isGateway && cluster.tls ? [TOKEN_KEY_FILE] : [] };
}

/** What a router instance reads: the fleet CA when the backend speaks TLS. */
export function routerTlsFileNames(topology: Topology): InstanceTlsFileNames {
  return { required: topology.backend.tls ? [CA_FILE] : [], optional: [] };
}

/** Whether `names` is a set the instance accepts; the reason when it is not. */
export function checkTlsFileNames(
  expected: InstanceTlsFileNames,
  names: readonly string[],
): { ok: true } | { ok: false; missing: string[]; unexpected: string[] } {
  const missing = expected.required.filter((n) => !names.includes(n));
  const unexpected = names.filter((n) => !expected.required.includes(n) && !expected.optional.includes(n));
  return missing.length === 0 && unexpected.length === 0 ? { ok: true } : { ok: false, missing, unexpected };
}

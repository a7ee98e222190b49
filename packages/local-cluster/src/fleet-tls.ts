import { chmod, copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downlinkUser, isGateway, uplinkUser, type Cluster, type Topology } from '@fedgate/topology';
import { linkTlsFiles, nodeTlsFiles, tokenKeyFile } from '@fedgate/broker-config';
import { ensureFleetCa, ensureTokenSigningKey, issueLinkCertificate, issueNodeCertificate, type FleetCa, type TokenSigningKey } from '@fedgate/pki';
import { fileExists } from './file-exists.ts';

/**
 * The client certificate fedgate's own tools (tests, demo, status) present where a gateway demands one. Its CN is
 * no broker user anywhere, so it logs in as nothing by itself: the tools still log in with the administrator's
 * password.
 */
export const TOOLS_CERTIFICATE_NAME = 'fedgate-tools';

/** What fedgate's clients of a local TLS fleet need: the fleet CA to trust, and the tools' client certificate. */
export interface FleetTls {
  /** `<stateDir>/pki`, mode 0700: the CA key never leaves it. */
  readonly pkiDir: string;
  readonly caFile: string;
  /** The fleet CA certificate (PEM). */
  readonly ca: string;
  readonly toolsCertFile: string;
  readonly toolsKeyFile: string;
  /** Key id of the app-token signing key, which gateways name in rabbitmq.conf. */
  readonly tokenKeyId: string;
}

/** Where local mode keeps a fleet's CA, certificates and token signing key. */
export function fleetPkiDir(stateDir: string): string {
  return join(stateDir, 'pki');
}

function usesTls(topology: Topology): boolean {
  return [topology.backend, ...topology.gateways].some((c) => c.tls);
}

/**
 * Creates what a local TLS fleet needs once, under `<stateDir>/pki`: the CA, a certificate per TLS cluster (SANs:
 * its host, localhost, 127.0.0.1), a client certificate per link user when the backend speaks TLS, the tools'
 * certificate and the app-token signing key. Existing files are kept. Undefined when no cluster uses TLS.
 */
export async function ensureFleetTls(stateDir: string, topology: Topology): Promise<FleetTls | undefined> {
  if (!usesTls(topology)) return undefined;
  const pkiDir = fleetPkiDir(stateDir);
  const ca = await ensureFleetCa(pkiDir, topology.name);
  for (const cluster of [topology.backend, ...topology.gateways].filter((c) => c.tls)) {
    const dir = join(pkiDir, cluster.name);
    if (!(await fileExists(join(dir, 'cert.pem')))) await issueNodeCertificate(ca, { cluster: cluster.name, hosts: [cluster.host, 'localhost', '127.0.0.1'] });
  }
  const linkUsers = topology.backend.tls ? topology.gateways.flatMap((gw) => [downlinkUser(gw.name), uplinkUser(gw.name)]) : [];
  for (const user of linkUsers) {
    if (!(await fileExists(join(pkiDir, 'links', `${user}.pem`)))) await issueLinkCertificate(ca, { user });
  }
  const toolsDir = join(pkiDir, 'tools');
  if (!(await fileExists(join(toolsDir, `${TOOLS_CERTIFICATE_NAME}.pem`))))
    await issueLinkCertificate(ca, { user: TOOLS_CERTIFICATE_NAME }, { outDir: toolsDir });
  const signingKey = await ensureTokenSigningKey(pkiDir);
  return describe(ca, signingKey, toolsDir);
}

/** The TLS material of a fleet `local up` prepared, for commands and tests that reach it; undefined without TLS. */
export async function loadFleetTls(stateDir: string, topology: Topology): Promise<FleetTls | undefined> {
  if (!usesTls(topology)) return undefined;
  const pkiDir = fleetPkiDir(stateDir);
  const ca: FleetCa = { dir: pkiDir, topology: topology.name, keyFile: join(pkiDir, 'ca.key'), certFile: join(pkiDir, 'ca.pem') };
  if (!(await fileExists(ca.certFile))) return undefined; // never started: nothing to trust yet
  return describe(ca, await ensureTokenSigningKey(pkiDir), join(pkiDir, 'tools'));
}

async function describe(ca: FleetCa, signingKey: TokenSigningKey, toolsDir: string): Promise<FleetTls> {
  return {
    pkiDir: ca.dir,
    caFile: ca.certFile,
    ca: await readFile(ca.certFile, 'utf8'),
    toolsCertFile: join(toolsDir, `${TOOLS_CERTIFICATE_NAME}.pem`),
    toolsKeyFile: join(toolsDir, `${TOOLS_CERTIFICATE_NAME}.key`),
    tokenKeyId: signingKey.kid,
  };
}

/** Whether a node of `cluster` reads TLS files: its own listeners, or (a gateway) links to a TLS backend. */
export function needsTlsFiles(topology: Topology, cluster: Cluster): boolean {
  return cluster.tls || (isGateway(cluster) && topology.backend.tls);
}

/**
 * Copies what one node of `cluster` reads into `tlsDir` (its own directory): the CA, the cluster's certificate and
 * key, on a gateway its links' client certificates and the token public key. Keys get mode 0600 and the directory
 * 0700; the caller hands the node's directory to the broker's account.
 */
export async function installNodeTls(tls: FleetTls, topology: Topology, cluster: Cluster, tlsDir: string): Promise<void> {
  await mkdir(tlsDir, { recursive: true, mode: 0o700 });
  await chmod(tlsDir, 0o700);
  const node = nodeTlsFiles(tlsDir);
  const own = join(tls.pkiDir, cluster.name);
  const copies: [from: string, to: string, mode: number][] = [[tls.caFile, node.ca, 0o644]];
  if (cluster.tls) copies.push([join(own, 'cert.pem'), node.cert, 0o644], [join(own, 'key.pem'), node.key, 0o600]);
  if (isGateway(cluster) && topology.backend.tls) {
    for (const user of [downlinkUser(cluster.name), uplinkUser(cluster.name)]) {
      const link = linkTlsFiles(tlsDir, user);
      copies.push([join(tls.pkiDir, 'links', `${user}.pem`), link.cert, 0o644], [join(tls.pkiDir, 'links', `${user}.key`), link.key, 0o600]);
    }
  }
  if (isGateway(cluster) && cluster.tls) copies.push([join(tls.pkiDir, 'token-signing.pub.pem'), tokenKeyFile(tlsDir), 0o644]);
  for (const [from, to, mode] of copies) {
    await copyFile(from, to);
    await chmod(to, mode);
  }
}

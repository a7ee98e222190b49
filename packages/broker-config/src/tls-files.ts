/**
 * Where a node finds its TLS material: one directory per node, the same names everywhere. Deployed nodes get it
 * from the secrets store at boot; local mode copies it from the fleet CA into each node's own directory.
 */

/** A deployed node's TLS directory (written at boot). */
export const DEFAULT_TLS_DIR = '/etc/rabbitmq/tls';

/** The node's own files: the fleet CA bundle, its certificate and its key (mode 0600, readable by the broker only). */
export function nodeTlsFiles(tlsDir: string): { readonly ca: string; readonly cert: string; readonly key: string } {
  return { ca: `${tlsDir}/ca.pem`, cert: `${tlsDir}/cert.pem`, key: `${tlsDir}/key.pem` };
}

/** A link's client certificate and key on the gateway that runs the link: CN = the backend user it logs in as. */
export function linkTlsFiles(tlsDir: string, user: string): { readonly cert: string; readonly key: string } {
  return { cert: `${tlsDir}/${user}.pem`, key: `${tlsDir}/${user}.key` };
}

/** The public key app tokens are verified with, on gateways (`auth_oauth2.signing_keys.<kid>`). */
export function tokenKeyFile(tlsDir: string): string {
  return `${tlsDir}/token-signing.pub.pem`;
}

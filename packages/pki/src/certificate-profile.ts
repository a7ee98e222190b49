import { isIPv4, isIPv6 } from 'node:net';
import { PkiError } from './errors.ts';

/** What a certificate is for; each kind gets the extensions RabbitMQ and Erlang's TLS check. */
export type CertificateProfile =
  /** The fleet CA: signs certificates, nothing else, and no intermediate CA below it. */
  | { readonly kind: 'ca' }
  /** A RabbitMQ node: TLS server for clients and links, TLS client when it opens links itself. */
  | { readonly kind: 'node'; readonly subjectAltNames: readonly string[] }
  /**
   * A link (shovel or federation) logging in with EXTERNAL as the user in its common name. The user is also its
   * DNS SAN: a gateway takes an MQTT client id from a certificate's SAN, and one without would let its holder
   * choose any client id there.
   */
  | { readonly kind: 'link'; readonly user: string }
  /** A device: TLS client whose MQTT client id is its DNS SAN. */
  | { readonly kind: 'device'; readonly deviceId: string };

/** The section of the generated config that holds the extensions (`-extensions` / `x509 -extensions`). */
export const EXTENSIONS_SECTION = 'fedgate_ext';

/**
 * The openssl config for one `req -x509` (the CA) or `x509 -req` (everything else). Pure, so the
 * extensions each kind of certificate gets are tested without running openssl.
 */
export function opensslConfig(profile: CertificateProfile): string {
  const lines = [
    '# Written by fedgate for one openssl run; the subject comes from -subj.',
    '[ req ]',
    'distinguished_name = fedgate_dn',
    '[ fedgate_dn ]',
    `[ ${EXTENSIONS_SECTION} ]`,
    ...extensions(profile),
  ];
  return lines.join('\n') + '\n';
}

function extensions(profile: CertificateProfile): string[] {
  if (profile.kind === 'ca') {
    return ['basicConstraints = critical, CA:TRUE, pathlen:0', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash'];
  }
  // EC keys only sign during the handshake (ECDHE), hence digitalSignature alone.
  const leaf = [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid:always',
  ];
  switch (profile.kind) {
    case 'node':
      return [...leaf, 'extendedKeyUsage = serverAuth, clientAuth', `subjectAltName = ${profile.subjectAltNames.join(', ')}`];
    case 'link':
      return [...leaf, 'extendedKeyUsage = clientAuth', `subjectAltName = DNS:${profile.user}`];
    case 'device':
      return [...leaf, 'extendedKeyUsage = clientAuth', `subjectAltName = DNS:${profile.deviceId}`];
  }
}

const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/**
 * The SANs of a node certificate: `IP:` for IPv4/IPv6 literals, `DNS:` for host names, and
 * `DNS:localhost` always, so tools on the node itself verify it too. Duplicates are dropped.
 */
export function nodeSubjectAltNames(hosts: readonly string[]): string[] {
  if (!Array.isArray(hosts) || hosts.length === 0) {
    throw new PkiError('PKI_INVALID_HOST', 'a node certificate needs at least one host (a DNS name or an IP address)');
  }
  const names = [...hosts, 'localhost'].map((host) => {
    if (typeof host !== 'string') throw new PkiError('PKI_INVALID_HOST', `invalid host ${JSON.stringify(host)}: expected a DNS name or an IP address`);
    if (isIPv4(host) || isIPv6(host)) return `IP:${host}`;
    const name = host.endsWith('.') ? host.slice(0, -1) : host;
    if (name.length > 253 || !name.split('.').every((label) => DNS_LABEL.test(label))) {
      throw new PkiError(
        'PKI_INVALID_HOST',
        `invalid host ${JSON.stringify(host)}: expected an IPv4/IPv6 address or a DNS name of letters, digits and "-" labels (at most 63 characters each) separated by "."`,
      );
    }
    return `DNS:${name.toLowerCase()}`;
  });
  return [...new Set(names)];
}

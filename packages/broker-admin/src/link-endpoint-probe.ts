import { isIP } from 'node:net';
import { checkServerIdentity, connect } from 'node:tls';

/** Where a gateway's links connect over TLS, and what they trust there. */
export interface LinkEndpoint {
  readonly host: string;
  readonly port: number;
  /** The name the backend's certificate must carry (the links' SNI). */
  readonly serverName: string;
  /** The fleet CA (PEM). @default the process's trust store (NODE_EXTRA_CA_CERTS included) */
  readonly ca?: string;
}

/** A handshake that has not finished by then tells nothing more. @default 5000 ms */
export const DEFAULT_PROBE_TIMEOUT_MS = 5_000;

/**
 * Why a link cannot be running, seen from here: a TLS handshake with the link's endpoint, verified as the link
 * verifies it (fleet CA, server name). RabbitMQ's API says only "starting" for a link that keeps failing its
 * handshake, so this names the cause, e.g. a certificate from another CA in the path. Undefined when the endpoint
 * verifies (the cause is elsewhere). Never throws.
 */
export function probeLinkEndpoint(endpoint: LinkEndpoint, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<string | undefined> {
  const where = `${endpoint.host}:${endpoint.port}`;
  return new Promise((resolve) => {
    const socket = connect({
      host: endpoint.host,
      port: endpoint.port,
      ...(endpoint.ca === undefined ? {} : { ca: [endpoint.ca] }),
      // SNI takes names only; the identity check below covers an address as well.
      ...(isIP(endpoint.serverName) ? {} : { servername: endpoint.serverName }),
      checkServerIdentity: (_host, cert) => checkServerIdentity(endpoint.serverName, cert),
    });
    const done = (reason: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reason);
    };
    const timer = setTimeout(() => done(`no TLS handshake with ${where} within ${timeoutMs} ms`), timeoutMs);
    socket.once('secureConnect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => done(explain(err, where, endpoint.serverName)));
  });
}

function explain(err: NodeJS.ErrnoException, where: string, serverName: string): string {
  const code = err.code ?? 'ERROR';
  if (/UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER|CERT_SIGNATURE_FAILURE/.test(code)) {
    return `the certificate at ${where} is not from the fleet CA (${code}): the link refuses to connect there`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the certificate at ${where} is not for ${serverName} (${code}): the link refuses to connect there`;
  if (/CERT_HAS_EXPIRED|CERT_NOT_YET_VALID/.test(code)) return `the certificate at ${where} is not valid now (${code})`;
  return `cannot reach ${where} over TLS (${code}: ${err.message})`;
}

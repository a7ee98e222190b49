import type { Backend, Cluster, Gateway } from '@fedgate/topology';
import { linkTlsFiles, nodeTlsFiles } from './tls-files.ts';

type Credentials = { user: string; password: string };

/**
 * How a link logs in to the backend: with a password over plain AMQP, or over verified TLS with its client
 * certificate (SASL EXTERNAL, the certificate's CN is the user), from the gateway node's TLS directory.
 */
export type LinkLogin =
  | { readonly kind: 'password'; readonly user: string; readonly password: string }
  | { readonly kind: 'certificate'; readonly user: string; readonly tlsDir: string };

/** `amqp[s]://user:password@host:port/vhost` for a link or client reaching `cluster`. */
export function clusterAmqpUri(cluster: Cluster, vhost: string, credentials?: Credentials): string {
  return amqpUri(cluster.tls, cluster.host, cluster.ports.amqp, vhost, credentials);
}

/**
 * The backend as `gw`'s links reach it: directly, or (local mode, `wan` set) through the WAN simulator that listens
 * on the gateway's host, so latency and partitions apply to every link of that gateway and to nothing else.
 *
 * A certificate login gives Erlang's AMQP client everything it needs to verify the backend: the fleet CA,
 * `verify_peer` and the backend's host as server name (also through the WAN proxy, whose address the backend's
 * certificate does not name), then SASL EXTERNAL with the link's own certificate. The URI carries no password.
 */
export function linkBackendUri(backend: Backend, gw: Gateway, vhost: string, login: LinkLogin): string {
  const { host, port } = linkBackendEndpoint(backend, gw);
  if (login.kind === 'password') return amqpUri(backend.tls, host, port, vhost, login);
  const node = nodeTlsFiles(login.tlsDir);
  const link = linkTlsFiles(login.tlsDir, login.user);
  const query = [
    ['cacertfile', node.ca],
    ['certfile', link.cert],
    ['keyfile', link.key],
    ['verify', 'verify_peer'],
    ['server_name_indication', backend.host],
    ['auth_mechanism', 'external'],
  ].map(([key, value]) => `${key}=${queryValue(value!)}`);
  return `${amqpUri(true, host, port, vhost)}?${query.join('&')}`;
}

/** Where `gw`'s links connect (the backend, or its WAN proxy) and the name the backend's certificate must carry. */
export function linkBackendEndpoint(backend: Backend, gw: Gateway): { host: string; port: number; serverName: string } {
  return gw.wan ? { host: gw.host, port: gw.wan.port, serverName: backend.host } : { host: backend.host, port: backend.ports.amqp, serverName: backend.host };
}

function amqpUri(tls: boolean, host: string, port: number, vhost: string, credentials?: Credentials): string {
  const scheme = tls ? 'amqps' : 'amqp';
  const auth = credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@` : '';
  return `${scheme}://${auth}${host}:${port}/${encodeURIComponent(vhost)}`;
}

/** A query value with "/" left readable: file paths stay paths, everything else that could split the query is escaped. */
function queryValue(value: string): string {
  return encodeURIComponent(value).replace(/%2F/g, '/');
}

export function clusterManagementUrl(cluster: Cluster): string {
  return `${cluster.tls ? 'https' : 'http'}://${cluster.host}:${cluster.ports.management}`;
}

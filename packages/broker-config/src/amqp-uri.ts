import type { Backend, Cluster, Gateway } from '@fedgate/topology';
import { TLS_DIR } from './render-rabbitmq-conf.ts';

type Credentials = { user: string; password: string };

/** `amqp[s]://user:password@host:port/vhost` for a link or client reaching `cluster`. */
export function clusterAmqpUri(cluster: Cluster, vhost: string, credentials?: Credentials): string {
  return amqpUri(cluster.tls, cluster.host, cluster.ports.amqp, vhost, credentials);
}

/**
 * The backend as `gw`'s links reach it: directly, or (local mode, `wan` set) through the WAN simulator that listens
 * on the gateway's host, so latency and partitions apply to every link of that gateway and to nothing else.
 */
export function linkBackendUri(backend: Backend, gw: Gateway, vhost: string, credentials: Credentials): string {
  const uri = gw.wan
    ? amqpUri(backend.tls, gw.host, gw.wan.port, vhost, credentials)
    : clusterAmqpUri(backend, vhost, credentials);
  return backend.tls ? uri + linkTlsQuery(backend) : uri;
}

/**
 * How a link checks the backend over TLS: against the fleet CA the node holds, with the backend host as server name.
 * Without it Erlang's TLS client (OTP 26+ verifies by default) has no CA to verify with and every link fails with
 * `{options,incompatible,[{verify,verify_peer},{cacerts,undefined}]}`.
 */
function linkTlsQuery(backend: Backend): string {
  return `?cacertfile=${TLS_DIR}/ca.pem&verify=verify_peer&server_name_indication=${backend.host}`;
}

function amqpUri(tls: boolean, host: string, port: number, vhost: string, credentials?: Credentials): string {
  const scheme = tls ? 'amqps' : 'amqp';
  const auth = credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@` : '';
  return `${scheme}://${auth}${host}:${port}/${encodeURIComponent(vhost)}`;
}

export function clusterManagementUrl(cluster: Cluster): string {
  return `${cluster.tls ? 'https' : 'http'}://${cluster.host}:${cluster.ports.management}`;
}

/** Replaces the password of every URI in `text` with `***`, so plans and logs never show one. */
export function maskSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@"]+:)[^@\s"]+@/gi, '$1***@');
}

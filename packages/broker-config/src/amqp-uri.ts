import type { Cluster } from '@fedgate/topology';

/** `amqp[s]://user:password@host:port/vhost` for a link or client reaching `cluster`. */
export function clusterAmqpUri(cluster: Cluster, vhost: string, credentials?: { user: string; password: string }): string {
  const scheme = cluster.tls ? 'amqps' : 'amqp';
  const auth = credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@` : '';
  return `${scheme}://${auth}${cluster.host}:${cluster.ports.amqp}/${encodeURIComponent(vhost)}`;
}

export function clusterManagementUrl(cluster: Cluster): string {
  return `${cluster.tls ? 'https' : 'http'}://${cluster.host}:${cluster.ports.management}`;
}

/** Replaces the password of every URI in `text` with `***`, so plans and logs never show one. */
export function maskSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@"]+:)[^@\s"]+@/gi, '$1***@');
}

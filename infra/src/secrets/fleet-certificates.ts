/**
 * Where `fedgate secrets push` gets TLS material for clusters that speak TLS. This is the extension point for the
 * fleet PKI: a source that issues node certificates from the fleet CA (keeping the CA key with the operator) will
 * implement FleetCertificates; until then certificates come from a directory the operator prepared, or stay as
 * the runtime secrets already hold them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SecretsPushError } from './secrets-push-error.ts';

/** PEM files a broker node needs; the names are the files rabbitmq.conf names under /etc/rabbitmq/tls. */
export interface NodeTlsFiles {
  readonly 'ca.pem': string;
  readonly 'cert.pem': string;
  readonly 'key.pem': string;
}

export interface FleetCertificates {
  /** What this source is, for progress lines (never a secret). */
  readonly description: string;
  /** The fleet CA certificate (public), which the router and gateway-health trust. */
  caCertificate(): Promise<string>;
  /** Certificate and key for the nodes of `cluster`, valid for `host`. */
  nodeFiles(cluster: string, host: string): Promise<NodeTlsFiles>;
}

/**
 * Certificates an operator issued ahead of time: `<dir>/ca.pem` and `<dir>/<cluster>/cert.pem|key.pem`.
 * It does not check that a certificate names `host`; RabbitMQ's peers do, when they connect.
 */
export function certificatesFromDirectory(dir: string): FleetCertificates {
  const read = async (path: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      throw new SecretsPushError('SECRETS_TLS_MISSING', `--tls-dir: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    }
  };
  return {
    description: `PEM files in ${dir}`,
    caCertificate: () => read(join(dir, 'ca.pem')),
    nodeFiles: async (cluster) => ({
      'ca.pem': await read(join(dir, 'ca.pem')),
      'cert.pem': await read(join(dir, cluster, 'cert.pem')),
      'key.pem': await read(join(dir, cluster, 'key.pem')),
    }),
  };
}

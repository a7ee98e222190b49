/**
 * gateway-health as it runs on a gateway node: it probes that node (its device port and its management API on
 * `nodeAddress`) rather than the gateway host, which on AWS names the internal load balancer an instance cannot reach
 * itself through. With TLS the node's certificate is checked against the gateway host and the fleet CA. It needs the
 * gateway's admin password and nothing else, so it starts with the secret of its own instance.
 */
import { readFile } from 'node:fs/promises';
import { ADMIN_USER, resolveSecrets, type CredentialRef, type Gateway, type Topology } from '@fedgate/topology';
import { ManagementClient, startGatewayHealthService, type GatewayHealth, type GatewayHealthService } from '@fedgate/broker-admin';
import { UsageError } from './cli-errors.ts';

/** The node the service runs on; gateway-health is deployed on every gateway node. */
export const DEFAULT_NODE_ADDRESS = '127.0.0.1';

export interface LocalGatewayHealthOptions {
  readonly topology: Topology;
  readonly topologyFile: string;
  readonly gateway: Gateway;
  /** HTTP port Route53 probes. */
  readonly port: number;
  readonly path: string;
  /** @default DEFAULT_NODE_ADDRESS */
  readonly nodeAddress?: string;
  /** PEM file of the fleet CA; without it, the process's trust store (NODE_EXTRA_CA_CERTS included). */
  readonly caFile?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly intervalMs?: number;
  readonly onChange?: (health: GatewayHealth) => void;
}

/** The only credential gateway-health uses: the admin user of its own gateway (links and listeners are read through it). */
export function gatewayHealthCredentials(gateway: Gateway): CredentialRef[] {
  return [{ cluster: gateway.name, user: ADMIN_USER }];
}

export async function startLocalGatewayHealth(options: LocalGatewayHealthOptions): Promise<GatewayHealthService> {
  const { gateway } = options;
  const node = options.nodeAddress ?? DEFAULT_NODE_ADDRESS;
  const secrets = await resolveSecrets(options.topology, options.topologyFile, options.env, gatewayHealthCredentials(gateway));
  const ca = options.caFile === undefined ? undefined : await readCa(options.caFile);
  const scheme = gateway.tls ? 'https' : 'http';
  const client = new ManagementClient({
    baseUrl: `${scheme}://${hostForUrl(node)}:${gateway.ports.management}`,
    user: ADMIN_USER,
    password: secrets.password(gateway.name, ADMIN_USER),
    ...(gateway.tls ? { tls: { servername: gateway.host, ...(ca === undefined ? {} : { ca }) } } : {}),
  });
  return startGatewayHealthService(gateway, client, {
    port: options.port,
    path: options.path,
    probeHost: node,
    ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
    ...(options.onChange === undefined ? {} : { onChange: options.onChange }),
  });
}

async function readCa(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--ca ${file}: cannot read the fleet CA (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}

function hostForUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

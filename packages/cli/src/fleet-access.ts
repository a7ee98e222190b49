import { ADMIN_USER, loadTopology, resolveSecrets, type Cluster, type CredentialRef, type Secrets, type Topology } from '@fedgate/topology';
import { ManagementClient } from '@fedgate/broker-admin';
import { clusterManagementUrl, type RenderConfOptions } from '@fedgate/broker-config';

/**
 * How a command reaches a fleet: a local fleet (`fedgate local up` ran it from here) is reached with its own CA
 * and compiled as local mode compiles it; a deployed fleet through the process's trust store (the fleet CA in
 * NODE_EXTRA_CA_CERTS) and the deployed layout.
 */
export interface FleetAccess {
  readonly topology: Topology;
  readonly secrets: Secrets;
  /** True for a fleet `fedgate local up` runs here. */
  readonly local: boolean;
  adminFor(cluster: Cluster): ManagementClient;
  compileOptions(cluster: Cluster): RenderConfOptions;
  /** node:tls options for AMQP clients of a TLS cluster: the fleet CA of a local fleet, else nothing. */
  amqpTls(cluster: Cluster): { ca?: string[] };
}

/**
 * Loads the topology and the passwords `credentialsOf` names (all of them by default: a service passes only its
 * own), and works out how to reach the fleet.
 */
export async function fleetAccess(file: string, credentialsOf?: (topology: Topology) => readonly CredentialRef[]): Promise<FleetAccess> {
  const { topology } = await loadTopology(file);
  const secrets = await resolveSecrets(topology, file, process.env, credentialsOf?.(topology));
  const { localFleetAccess } = await import('@fedgate/local-cluster');
  const local = await localFleetAccess(file, secrets);
  if (local) {
    return {
      topology,
      secrets,
      local: true,
      adminFor: (c) => local.admin(c.name),
      compileOptions: (c) => local.compileOptions(c.name),
      amqpTls: (c) => (c.tls && local.tls ? { ca: [local.tls.ca] } : {}),
    };
  }
  return {
    topology,
    secrets,
    local: false,
    adminFor: (c) => new ManagementClient({ baseUrl: clusterManagementUrl(c), user: ADMIN_USER, password: secrets.password(c.name, ADMIN_USER) }),
    compileOptions: () => ({}),
    amqpTls: () => ({}),
  };
}

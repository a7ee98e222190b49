import { ADMIN_USER, loadTopology, resolveSecrets, type Gateway, type Secrets, type Topology } from '@fedgate/topology';
import { ManagementClient } from '@fedgate/broker-admin';
import { clusterManagementUrl } from '@fedgate/broker-config';
import { UsageError } from './handle-errors.ts';

/** One gateway of a topology, for commands that operate on it: a name not in the topology is a usage error. */
export async function findGateway(file: string, name: string): Promise<{ topology: Topology; gw: Gateway }> {
  const { topology } = await loadTopology(file);
  const gw = topology.gateways.find((g) => g.name === name);
  if (!gw) throw new UsageError(`no gateway "${name}" in ${file} (gateways: ${topology.gateways.map((g) => g.name).join(', ')})`);
  return { topology, gw };
}

/** The gateway and an administrator client of its management API. */
export async function gatewayAdmin(file: string, name: string): Promise<{ topology: Topology; gw: Gateway; secrets: Secrets; client: ManagementClient }> {
  const { topology, gw } = await findGateway(file, name);
  const secrets = await resolveSecrets(topology, file);
  const client = new ManagementClient({ baseUrl: clusterManagementUrl(gw), user: ADMIN_USER, password: secrets.password(gw.name, ADMIN_USER) });
  return { topology, gw, secrets, client };
}

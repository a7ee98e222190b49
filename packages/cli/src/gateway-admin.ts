import { loadTopology, type Gateway, type Secrets, type Topology } from '@fedgate/topology';
import type { ManagementClient } from '@fedgate/broker-admin';
import type { RenderConfOptions } from '@fedgate/broker-config';
import { fleetAccess } from './fleet-access.ts';
import { UsageError } from './cli-errors.ts';

/** One gateway of a topology, for commands that operate on it: a name not in the topology is a usage error. */
export async function findGateway(file: string, name: string): Promise<{ topology: Topology; gw: Gateway }> {
  const { topology } = await loadTopology(file);
  const gw = topology.gateways.find((g) => g.name === name);
  if (!gw) throw new UsageError(`no gateway "${name}" in ${file} (gateways: ${topology.gateways.map((g) => g.name).join(', ')})`);
  return { topology, gw };
}

/** The gateway, an administrator client of its management API, and how its nodes were compiled. */
export async function gatewayAdmin(
  file: string,
  name: string,
): Promise<{ topology: Topology; gw: Gateway; secrets: Secrets; client: ManagementClient; compileOptions: RenderConfOptions }> {
  const { gw } = await findGateway(file, name);
  const access = await fleetAccess(file);
  return { topology: access.topology, gw, secrets: access.secrets, client: access.adminFor(gw), compileOptions: access.compileOptions(gw) };
}

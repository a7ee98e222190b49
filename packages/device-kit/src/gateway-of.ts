import type { Gateway } from '@fedgate/topology';
import type { RunningFleet } from '@fedgate/local-cluster';

export function gatewayOf(fleet: RunningFleet, gateway: string): Gateway {
  const gw = fleet.topology.gateways.find((g) => g.name === gateway);
  if (!gw) throw new Error(`no gateway ${gateway} in ${fleet.topologyFile}`);
  return gw;
}

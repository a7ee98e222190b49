// The bench's scale-out fleet: a 3-node backend and one 3-node gateway, started by the scale-out scenario beside
// the bench fleet and stopped when it ends; and the storm's logins spread over the gateway's nodes.
import { join } from 'node:path';
import { DEVICE_USER, type Gateway } from '@fedgate/topology';
import { nodeCluster } from '@fedgate/local-cluster';
import { startGeneratedFleet, type BenchFleet } from './bench-fleet.ts';
import { SCALE_SECRETS_FILE, scaleTopologyYaml } from './scale-topology.ts';
import type { StormLogin } from './storm/storm-protocol.ts';

/** Boots the scale-out fleet (ports moved up by `portOffset`, as the bench fleet's), from a clean state. */
export function startScaleFleet(
  cwd: string,
  stateDir: string,
  maxConnections: number,
  portOffset: number,
  progress: (line: string) => void,
): Promise<BenchFleet> {
  const spec = {
    dir: join(stateDir, 'scale'),
    topologyFileName: 'scale-topology.yaml',
    secretsFile: SCALE_SECRETS_FILE,
    yaml: (secrets: string) => scaleTopologyYaml(maxConnections, secrets, portOffset).yaml,
    purge: true,
    label: 'scale-out fleet',
  };
  return startGeneratedFleet(cwd, spec, progress);
}

/**
 * Pure: logins of `ids` with the gateway's device password, device i on node i mod N: what a load balancer in
 * front of the cluster does with a storm of new connections.
 */
export function spreadPasswordLogins(gw: Gateway, password: string, ids: readonly string[]): StormLogin[] {
  const ports = Array.from({ length: gw.nodes }, (_, k) => nodeCluster(gw, k).ports.mqtt);
  return ids.map((clientId, i) => ({ clientId, url: `mqtt://${gw.host}:${ports[i % ports.length]!}`, username: DEVICE_USER, password }));
}

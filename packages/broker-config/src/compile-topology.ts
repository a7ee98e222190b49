import { isGateway, type Cluster, type Secrets, type Topology } from '@fedgate/topology';
import type { Definitions } from './definitions.ts';
import { compileBackendDefinitions } from './compile-backend-definitions.ts';
import { compileGatewayDefinitions } from './compile-gateway-definitions.ts';
import { renderRabbitmqConf, type RenderConfOptions } from './render-rabbitmq-conf.ts';
import { renderEnabledPlugins } from './render-enabled-plugins.ts';

export type ClusterRole = 'backend' | 'gateway';

/** Everything one cluster's nodes need, as the files broker-config renders. */
export interface ClusterArtifacts {
  readonly cluster: Cluster;
  readonly role: ClusterRole;
  readonly definitions: Definitions;
  readonly rabbitmqConf: string;
  readonly enabledPlugins: string;
}

/** Pure: topology (+ passwords) → one set of artifacts per cluster, backend first. */
export function compileTopology(topology: Topology, secrets: Secrets, options: RenderConfOptions = {}): ClusterArtifacts[] {
  return [topology.backend, ...topology.gateways].map((cluster) => compileCluster(topology, cluster, secrets, options));
}

export function compileCluster(topology: Topology, cluster: Cluster, secrets: Secrets, options: RenderConfOptions = {}): ClusterArtifacts {
  const gateway = isGateway(cluster);
  return {
    cluster,
    role: gateway ? 'gateway' : 'backend',
    definitions: gateway ? compileGatewayDefinitions(topology, cluster, secrets, options) : compileBackendDefinitions(topology, secrets),
    rabbitmqConf: renderRabbitmqConf(topology, cluster, options),
    enabledPlugins: renderEnabledPlugins(cluster),
  };
}

/** The definitions file's text: stable key order, trailing newline. */
export function definitionsText(definitions: Definitions): string {
  return JSON.stringify(definitions, null, 2) + '\n';
}

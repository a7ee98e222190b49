/**
 * Names and tags of what fedgate creates on AWS. Stacks find each other's resources by these tags (not by
 * cross-stack references), so each stack plans on its own and adding a region never touches another gateway.
 */
import { createHash } from 'node:crypto';

export const TAG_TOPOLOGY = 'fedgate:topology';
export const TAG_CLUSTER = 'fedgate:cluster';
/** What a resource is for, when other stacks look it up: see the ROLE_* values. */
export const TAG_ROLE = 'fedgate:role';
/** Index of the availability zone (0, 1, 2) a subnet or route table serves. */
export const TAG_AZ_INDEX = 'fedgate:az-index';
export const TAG_MANAGED_BY = 'managed-by';
/** On a DNS health check: the gateway it probes; `fedgate dns` finds the checks of a topology by these tags. */
export const TAG_GATEWAY = 'fedgate:gateway';
/** On a DNS health check: the steered name, absolute and lower case (`mqtt.acme.example.com.`). */
export const TAG_RECORD = 'fedgate:record';

export const ROLE_PRIVATE_ROUTE_TABLE = 'private-route-table';
export const ROLE_BROKER_SECURITY_GROUP = 'broker-security-group';
export const ROLE_DEVICE_LOAD_BALANCER = 'device-load-balancer';

export function backendStackId(cluster: string, region: string): string {
  return `backend-${cluster}-${region}`;
}

export function gatewayStackId(cluster: string, region: string): string {
  return `gateway-${cluster}-${region}`;
}

/** Route53 is global: the DNS stack is named after the record it serves. */
export function dnsStackId(topology: string): string {
  return `dns-${topology}`;
}

/** Secret holding the cluster's definitions.json, gzip-compressed (SecretBinary). */
export function definitionsSecretName(topology: string, cluster: string): string {
  return `fedgate/${topology}/${cluster}/definitions`;
}

/** Secret holding the JSON a node needs besides definitions: Erlang cookie, TLS files, service passwords. */
export function runtimeSecretName(topology: string, cluster: string): string {
  return `fedgate/${topology}/${cluster}/runtime`;
}

/** Secret holding the router's passwords (its runtime JSON). */
export function routerSecretName(topology: string, backend: string): string {
  return `fedgate/${topology}/${backend}/router`;
}

/**
 * Secret only the operator's `fedgate secrets push` reads: every password and Erlang cookie it generated or was
 * given, so a second push renders the same definitions. No instance role can read it.
 */
export function operatorSecretName(topology: string): string {
  return `fedgate/${topology}/operator`;
}

/** Auto Scaling group name; nodes discover their peers by it at boot. */
export function brokerGroupName(topology: string, cluster: string): string {
  return `fedgate-${topology}-${cluster}`;
}

/**
 * `parts` joined by "-", or, when longer than `max` (load balancers and target groups allow 32 characters), a
 * prefix plus a hash of the whole so two long names never collide.
 */
export function boundedName(parts: readonly (string | number)[], max: number): string {
  const full = parts.join('-');
  if (full.length <= max) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 6);
  return `${full.slice(0, max - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/** The release bucket's stack, one per topology (in the backend's region). */
export function releaseStackId(topology: string): string {
  return `release-${topology}`;
}

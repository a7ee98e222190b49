import { createHash } from 'node:crypto';
import type { Tag } from '@aws-sdk/client-route-53';

/**
 * How fedgate recognises the Route53 objects it owns. Health checks carry no name Route53 can search by, and
 * reading tags takes one extra call per 10 checks, so ownership lives in the CallerReference, which
 * ListHealthChecks returns: `fedgate:<owner>:<gateway>:<created, base 36>`. The owner key hashes the topology
 * name with the steered record, so staging and production in one account never claim each other's checks,
 * and the whole reference stays within Route53's 64 characters (gateway names are at most 32).
 */
export const CALLER_REFERENCE_PREFIX = 'fedgate';

/** `mqtt.acme.example.com.`: the absolute name devices resolve. */
export function recordFqdn(dns: { record: string; zone: string }): string {
  return `${dns.record}.${dns.zone}.`.toLowerCase();
}

export function ownerKey(topologyName: string, fqdn: string): string {
  return createHash('sha256').update(`${topologyName}|${fqdn}`).digest('hex').slice(0, 12);
}

/** Unique per creation: Route53 refuses to reuse the reference of a deleted check. */
export function callerReference(owner: string, gateway: string, createdAtMs: number): string {
  return `${CALLER_REFERENCE_PREFIX}:${owner}:${gateway}:${createdAtMs.toString(36)}`;
}

/** The gateway a health check belongs to, when `owner` created it. */
export function ownedGateway(reference: string | undefined, owner: string): string | undefined {
  const prefix = `${CALLER_REFERENCE_PREFIX}:${owner}:`;
  if (reference === undefined || !reference.startsWith(prefix)) return undefined;
  const rest = reference.slice(prefix.length);
  const end = rest.lastIndexOf(':');
  return end > 0 ? rest.slice(0, end) : undefined;
}

/** Tags for people browsing the console or a cost report; fedgate itself finds its checks by CallerReference. */
export function healthCheckTags(topologyName: string, gateway: string, fqdn: string): Tag[] {
  return [
    { Key: 'Name', Value: `fedgate ${topologyName} ${gateway} (${fqdn})` },
    { Key: 'fedgate:topology', Value: topologyName },
    { Key: 'fedgate:gateway', Value: gateway },
    { Key: 'fedgate:record', Value: fqdn },
  ];
}

/** Lower case, no trailing dot: how two DNS names are compared. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Route53 ids come as `/hostedzone/Z123` or `/change/C123`; people and the API both take the bare id. */
export function bareId(id: string): string {
  return id.replace(/^\/(?:hostedzone|change|healthcheck)\//, '');
}

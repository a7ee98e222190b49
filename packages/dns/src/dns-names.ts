/**
 * How fedgate recognises the Route53 objects of a topology. The infra DNS stack creates the latency records and
 * their health checks and tags each check with these keys; `fedgate dns` finds its checks by them (it never creates
 * one), so staging and production in one account never claim each other's checks.
 */
export const TAG_TOPOLOGY = 'fedgate:topology';
export const TAG_GATEWAY = 'fedgate:gateway';
/** The steered name, absolute and lower case (`mqtt.acme.example.com.`). */
export const TAG_RECORD = 'fedgate:record';

/** `mqtt.acme.example.com.`: the absolute name devices resolve. */
export function recordFqdn(dns: { record: string; zone: string }): string {
  return `${dns.record}.${dns.zone}.`.toLowerCase();
}

/** The tags the DNS stack puts on the health check of `gateway` (besides a Name for people). */
export function healthCheckTags(topologyName: string, gateway: string, fqdn: string): Record<string, string> {
  return { [TAG_TOPOLOGY]: topologyName, [TAG_GATEWAY]: gateway, [TAG_RECORD]: fqdn };
}

/** The gateway a health check serves, when its tags say it belongs to this topology's steered name. */
export function taggedGateway(tags: Readonly<Record<string, string>>, topologyName: string, fqdn: string): string | undefined {
  if (tags[TAG_TOPOLOGY] !== topologyName || normalizeName(tags[TAG_RECORD] ?? '') !== normalizeName(fqdn)) return undefined;
  return tags[TAG_GATEWAY] || undefined;
}

/** Lower case, no trailing dot: how two DNS names are compared. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Route53 ids come as `/hostedzone/Z123` or `/healthcheck/…`; people and the API both take the bare id. */
export function bareId(id: string): string {
  return id.replace(/^\/(?:hostedzone|change|healthcheck)\//, '');
}

export * from './errors.ts';
export { DEFAULT_RETRY_POLICY, backoffDelayMs, retryReason, type RetryPolicy } from './backoff.ts';
export { createRoute53Client, normalizeDnsOptions, type DnsOptions, type DnsProgressEvent, type NormalizedDnsOptions } from './dns-options.ts';
export { recordFqdn, healthCheckTags, taggedGateway, TAG_GATEWAY, TAG_RECORD, TAG_TOPOLOGY } from './dns-names.ts';
export { NLB_HOSTED_ZONE_IDS, nlbRegion } from './nlb-hosted-zones.ts';
export { desiredDnsState, type DesiredDnsState, type DesiredRegion, type HealthCheckSpec } from './desired-dns-state.ts';
export { planDnsDrift, isLatencyRecord, type DnsPlan, type DnsDifference, type DnsDifferenceKind } from './plan-dns-drift.ts';
export { planDns } from './plan-dns.ts';
export { readZoneState, findHostedZone, type ZoneState, type KnownHealthCheck, type HostedZoneRef } from './read-zone-state.ts';
export { Route53Session } from './route53-session.ts';
export {
  evaluateDnsHealth,
  regionState,
  checkerTally,
  answersWhenHealthy,
  HEALTHY_CHECKER_SHARE,
  type DnsStatusReport,
  type RegionStatus,
  type RegionState,
  type DnsWarning,
  type DnsWarningCode,
} from './evaluate-dns-health.ts';
export { dnsStatus } from './dns-status.ts';
export { drainGateway, undrainGateway, type DrainOptions, type DrainResult } from './drain-gateway.ts';
export { testDnsAnswer, parseClientSubnet, type DnsAnswerReport, type ClientSubnet, type TestDnsAnswerOptions } from './test-dns-answer.ts';

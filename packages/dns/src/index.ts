export * from './errors.ts';
export { DEFAULT_RETRY_POLICY, backoffDelayMs, retryReason, type RetryPolicy } from './backoff.ts';
export { ROUTE53_CHANGE_LIMITS, batchChanges, changeCost, type ChangeBatchLimits } from './batch-changes.ts';
export {
  DEFAULT_CHANGE_POLL_INTERVAL_MS,
  DEFAULT_CHANGE_TIMEOUT_MS,
  createRoute53Client,
  normalizeDnsOptions,
  type DnsOptions,
  type DnsProgressEvent,
  type NormalizedDnsOptions,
} from './dns-options.ts';
export { recordFqdn, ownerKey, callerReference, ownedGateway, healthCheckTags } from './dns-names.ts';
export { NLB_HOSTED_ZONE_IDS, nlbRegion } from './nlb-hosted-zones.ts';
export {
  desiredDnsState,
  healthCheckConfig,
  latencyRecordSet,
  type DesiredDnsState,
  type DesiredRegion,
  type DnsTarget,
  type HealthCheckSpec,
} from './desired-dns-state.ts';
export { planDnsChanges, isLatencyRecord, type DnsPlan, type HealthCheckChange, type RecordChange } from './plan-dns-changes.ts';
export { readZoneState, findHostedZone, type ZoneState, type KnownHealthCheck, type HostedZoneRef } from './read-zone-state.ts';
export { Route53Session } from './route53-session.ts';
export { planDns, applyDns, type DnsApplyResult } from './apply-dns.ts';
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
export { testDnsAnswer, parseClientSubnet, type DnsAnswerReport, type ClientSubnet } from './test-dns-answer.ts';

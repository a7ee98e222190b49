import type { HealthCheckObservation, ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { DesiredDnsState } from './desired-dns-state.ts';
import { healthCheckOfRegion, isLatencyRecord, type DnsPlan } from './plan-dns-drift.ts';
import type { KnownHealthCheck, ZoneState } from './read-zone-state.ts';

/**
 * Route53 calls an endpoint healthy when more than 18 % of its checkers say so
 * (Route53 developer guide, "How Amazon Route 53 determines whether a health check is healthy").
 */
export const HEALTHY_CHECKER_SHARE = 0.18;

/**
 * - healthy / unhealthy: what Route53's checkers report (inversion applied);
 * - drained: `fedgate dns drain` forced the check unhealthy (Disabled + Inverted);
 * - unchecked: no health check, or a disabled one: Route53 treats the record as healthy;
 * - unknown: the check has no observations yet: Route53 treats it as healthy;
 * - missing: the topology has the gateway but the zone has no record for it.
 */
export type RegionState = 'healthy' | 'unhealthy' | 'drained' | 'unchecked' | 'unknown' | 'missing';

export interface RegionStatus {
  readonly gateway: string;
  readonly region: string;
  readonly record?: {
    readonly type: string;
    readonly target: string;
    readonly ttlSeconds?: number;
    /** Alias records only; a CNAME has no target health. */
    readonly evaluateTargetHealth?: boolean;
    readonly healthCheckId?: string;
  };
  readonly healthCheck?: {
    readonly id: string;
    /** False when the record points at a check that is not tagged for this topology's gateway. */
    readonly ownedByFedgate: boolean;
    readonly endpoint: string;
    readonly intervalSeconds: number;
    readonly failureThreshold: number;
    readonly disabled: boolean;
    readonly inverted: boolean;
  };
  readonly checkers?: { readonly healthy: number; readonly reporting: number; readonly lastFailure?: string };
  readonly drained: boolean;
  readonly state: RegionState;
  /** Whether Route53 can answer with this region's record right now (fail-open included). */
  readonly inAnswers: boolean;
}

export type DnsWarningCode =
  | 'FAIL_OPEN'
  | 'REGION_UNHEALTHY'
  | 'RECORD_MISSING'
  | 'NO_HEALTH_CHECK'
  | 'TARGET_HEALTH_OFF'
  | 'HEALTH_CHECK_DISABLED'
  | 'HEALTH_CHECK_INVERTED'
  | 'STRAY_RECORD'
  | 'RECORD_CONFLICT'
  | 'DRIFT';

export interface DnsWarning {
  /** `error`: devices are (or would be) sent somewhere wrong now; `warning`: steering is weaker than it should be. */
  readonly severity: 'error' | 'warning';
  readonly code: DnsWarningCode;
  readonly gateway?: string;
  readonly message: string;
}

export interface DnsStatusReport {
  readonly topology: string;
  readonly zone: string;
  readonly hostedZoneId: string;
  readonly recordName: string;
  readonly regions: readonly RegionStatus[];
  /** Latency records at the name that no gateway of the topology asks for. */
  readonly strayRecords: readonly { readonly setIdentifier: string; readonly type: string; readonly target: string }[];
  readonly drained: readonly string[];
  /** Every region is unhealthy or drained: Route53 ignores health and answers with all records. */
  readonly failOpen: boolean;
  /** Differences from what the DNS stack creates (`fedgate dns plan` lists them; applying the stack removes them). */
  readonly pendingChanges: number;
  readonly warnings: readonly DnsWarning[];
  /** No warning of severity `error`. */
  readonly ok: boolean;
}

/** Share of checkers reporting success, from GetHealthCheckStatus observations. */
export function checkerTally(observations: readonly HealthCheckObservation[]): { healthy: number; reporting: number; lastFailure?: string } {
  const reports = observations.map((o) => o.StatusReport?.Status ?? '').filter((s) => s !== '');
  const healthy = reports.filter((s) => s.startsWith('Success')).length;
  const lastFailure = reports.find((s) => s.startsWith('Failure'));
  return { healthy, reporting: reports.length, ...(lastFailure === undefined ? {} : { lastFailure }) };
}

/** How Route53 sees one region's record. Pure. */
export function regionState(input: {
  readonly hasRecord: boolean;
  readonly check?: { readonly disabled: boolean; readonly inverted: boolean };
  readonly checkers?: { readonly healthy: number; readonly reporting: number };
}): RegionState {
  if (!input.hasRecord) return 'missing';
  if (input.check === undefined) return 'unchecked';
  // A disabled check counts as healthy; inverting it makes it unhealthy no matter what the gateway does.
  if (input.check.disabled) return input.check.inverted ? 'drained' : 'unchecked';
  if (input.checkers === undefined || input.checkers.reporting === 0) return 'unknown';
  const healthy = input.checkers.healthy / input.checkers.reporting > HEALTHY_CHECKER_SHARE;
  return healthy !== input.check.inverted ? 'healthy' : 'unhealthy';
}

/** Whether Route53 counts a region of this state as healthy when choosing an answer. */
export function answersWhenHealthy(state: RegionState): boolean {
  return state === 'healthy' || state === 'unchecked' || state === 'unknown';
}

/** One region of the desired state, as the zone and the checkers show it. */
interface ObservedRegion {
  readonly region: DesiredDnsState['regions'][number];
  readonly record: ResourceRecordSet | undefined;
  readonly hc: KnownHealthCheck | undefined;
  readonly checkers: ReturnType<typeof checkerTally> | undefined;
  readonly state: RegionState;
}

/** Zone state + checker observations → the status report with its warnings. Pure. */
export function evaluateDnsHealth(
  desired: DesiredDnsState,
  state: ZoneState,
  observations: ReadonlyMap<string, readonly HealthCheckObservation[]>,
  plan: DnsPlan,
): DnsStatusReport {
  const latency = state.records.filter(isLatencyRecord);
  const observed = desired.regions.map((region) => observeRegion(region, latency, state, observations));
  const withRecord = observed.filter((o) => o.record !== undefined);
  const failOpen = withRecord.length > 0 && withRecord.every((o) => !answersWhenHealthy(o.state));
  const regions = observed.map((o) => regionStatus(o, failOpen));
  const strayRecords = strayRecordsOf(latency, desired);
  const pendingChanges = plan.differences.length;
  const warnings: DnsWarning[] = [
    ...(failOpen ? [failOpenWarning(desired.recordName, withRecord.length)] : []),
    ...observed.flatMap((o) => regionWarnings(o, failOpen)),
    ...zoneWarnings(desired.recordName, strayRecords, plan),
  ];
  return {
    topology: desired.topology,
    zone: desired.zone,
    hostedZoneId: state.hostedZone.id,
    recordName: desired.recordName,
    regions,
    strayRecords,
    drained: regions.filter((r) => r.drained).map((r) => r.gateway),
    failOpen,
    pendingChanges,
    warnings,
    ok: !warnings.some((w) => w.severity === 'error'),
  };
}

function observeRegion(
  region: DesiredDnsState['regions'][number],
  latency: readonly ResourceRecordSet[],
  state: ZoneState,
  observations: ReadonlyMap<string, readonly HealthCheckObservation[]>,
): ObservedRegion {
  const record = latency.find((r) => r.SetIdentifier === region.setIdentifier);
  const hc = record === undefined || record.HealthCheckId !== undefined ? healthCheckOfRegion(state, region) : undefined;
  const check = hc === undefined ? undefined : { disabled: hc.config.Disabled === true, inverted: hc.config.Inverted === true };
  const seen = hc === undefined ? undefined : observations.get(hc.id);
  const checkers = seen === undefined ? undefined : checkerTally(seen);
  return { region, record, hc, checkers, state: regionState({ hasRecord: record !== undefined, check, checkers }) };
}

function failOpenWarning(recordName: string, records: number): DnsWarning {
  return {
    severity: 'error',
    code: 'FAIL_OPEN',
    message:
      `every region of ${recordName} is unhealthy or drained: Route53 fails open and answers with all ` +
      `${records} records by latency, drained regions included`,
  };
}

/** What is wrong with one region's record and health check, in the order an operator fixes them. */
function regionWarnings({ region, record, hc, checkers, state }: ObservedRegion, failOpen: boolean): DnsWarning[] {
  const gw = region.gateway;
  const where = `${gw} (${region.region})`;
  if (record === undefined) {
    return [
      {
        severity: 'error',
        code: 'RECORD_MISSING',
        gateway: gw,
        message: `${where} has no record: devices are never sent there; apply the DNS stack (terraform)`,
      },
    ];
  }
  const warnings: DnsWarning[] = [];
  const warn = (code: DnsWarningCode, message: string) => warnings.push({ severity: 'warning', code, gateway: gw, message: `${where}: ${message}` });
  if (record.HealthCheckId === undefined) {
    warn('NO_HEALTH_CHECK', 'the record has no health check, so Route53 keeps sending devices there when the gateway is down');
  }
  if (record.AliasTarget !== undefined && record.AliasTarget.EvaluateTargetHealth !== true) {
    warn('TARGET_HEALTH_OFF', 'evaluate-target-health is off, so an NLB with no healthy targets still gets devices');
  }
  if (hc !== undefined && hc.config.Disabled === true && hc.config.Inverted !== true) {
    warn('HEALTH_CHECK_DISABLED', `health check ${hc.id} is disabled, Route53 treats the region as healthy whatever happens`);
  }
  if (hc !== undefined && hc.config.Inverted === true && hc.config.Disabled !== true) {
    warn('HEALTH_CHECK_INVERTED', `health check ${hc.id} is inverted, the region counts as healthy when the gateway fails`);
  }
  if (state === 'unhealthy') {
    const effect = failOpen ? '' : '; devices go to the next-nearest healthy region';
    warnings.push({
      severity: 'error',
      code: 'REGION_UNHEALTHY',
      gateway: gw,
      message: `${where} is unhealthy: ${checkers?.lastFailure ?? 'checkers report failure'}${effect}`,
    });
  }
  return warnings;
}

function regionStatus({ region, record, hc, checkers, state }: ObservedRegion, failOpen: boolean): RegionStatus {
  return {
    gateway: region.gateway,
    region: region.region,
    ...(record === undefined ? {} : { record: describeRecord(record) }),
    ...(hc === undefined ? {} : { healthCheck: describeHealthCheck(hc) }),
    ...(checkers === undefined ? {} : { checkers }),
    drained: state === 'drained',
    state,
    inAnswers: record !== undefined && (failOpen || answersWhenHealthy(state)),
  };
}

function strayRecordsOf(latency: readonly ResourceRecordSet[], desired: DesiredDnsState): DnsStatusReport['strayRecords'] {
  const wantedIds = new Set(desired.regions.map((r) => r.setIdentifier));
  return latency
    .filter((r) => !wantedIds.has(r.SetIdentifier!))
    .map((r) => ({ setIdentifier: r.SetIdentifier!, type: r.Type ?? '?', target: describeRecord(r).target }));
}

/** Warnings about the zone as a whole: records of no gateway, conflicts, and drift from the DNS stack. */
function zoneWarnings(recordName: string, strayRecords: DnsStatusReport['strayRecords'], plan: DnsPlan): DnsWarning[] {
  const warnings: DnsWarning[] = strayRecords.map((stray) => ({
    severity: 'warning',
    code: 'STRAY_RECORD',
    message: `${stray.type} ${recordName} (${stray.setIdentifier}) → ${stray.target} belongs to no gateway of the topology; applying the DNS stack deletes it`,
  }));
  for (const conflict of plan.differences.filter((d) => d.kind === 'conflict')) {
    warnings.push({ severity: 'error', code: 'RECORD_CONFLICT', message: conflict.message });
  }
  const pendingChanges = plan.differences.length;
  if (pendingChanges > 0) {
    warnings.push({
      severity: 'warning',
      code: 'DRIFT',
      message: `the zone differs from what the DNS stack creates: ${pendingChanges} difference(s), see fedgate dns plan; terraform apply of the DNS stack fixes them`,
    });
  }
  return warnings;
}

function describeRecord(record: ResourceRecordSet): NonNullable<RegionStatus['record']> {
  const alias = record.AliasTarget;
  return {
    type: record.Type ?? '?',
    target: alias !== undefined ? `alias ${alias.DNSName ?? '?'}` : (record.ResourceRecords ?? []).map((r) => r.Value).join(', '),
    ...(record.TTL === undefined ? {} : { ttlSeconds: record.TTL }),
    ...(alias === undefined ? {} : { evaluateTargetHealth: alias.EvaluateTargetHealth === true }),
    ...(record.HealthCheckId === undefined ? {} : { healthCheckId: record.HealthCheckId }),
  };
}

function describeHealthCheck(hc: KnownHealthCheck): NonNullable<RegionStatus['healthCheck']> {
  const c = hc.config;
  const host = c.FullyQualifiedDomainName ?? c.IPAddress ?? '?';
  return {
    id: hc.id,
    ownedByFedgate: hc.gateway !== undefined,
    endpoint: `${(c.Type ?? 'HTTP').toLowerCase()}://${host}:${c.Port ?? 80}${c.ResourcePath ?? '/'}`,
    intervalSeconds: c.RequestInterval ?? 30,
    failureThreshold: c.FailureThreshold ?? 3,
    disabled: c.Disabled === true,
    inverted: c.Inverted === true,
  };
}

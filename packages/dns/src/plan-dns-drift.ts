import type { HealthCheckConfig, ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { DesiredDnsState, DesiredRegion } from './desired-dns-state.ts';
import { normalizeName } from './dns-names.ts';
import { nlbRegion } from './nlb-hosted-zones.ts';
import type { KnownHealthCheck, ZoneState } from './read-zone-state.ts';

export type DnsDifferenceKind =
  'record-missing' | 'record-target' | 'health-check-missing' | 'health-check-settings' | 'stray-record' | 'stray-health-check' | 'conflict';

/** One way the zone differs from what the DNS stack creates for the topology. */
export interface DnsDifference {
  readonly kind: DnsDifferenceKind;
  readonly gateway?: string;
  readonly setIdentifier?: string;
  readonly message: string;
}

/**
 * What differs between the zone and what the topology's DNS stack would leave there. Read-only: the DNS stack
 * (Terraform) owns the records and checks, and applying it is how a difference goes away. A health check's drain
 * attributes (Disabled, Inverted) are operational state the stack ignores, so they are never a difference.
 */
export interface DnsPlan {
  readonly topology: string;
  readonly zone: string;
  readonly hostedZoneId: string;
  readonly recordName: string;
  readonly differences: readonly DnsDifference[];
  readonly inSync: boolean;
}

/** Pure comparison of the zone with the desired state. */
export function planDnsDrift(desired: DesiredDnsState, state: ZoneState): DnsPlan {
  const differences: DnsDifference[] = [];
  const latency = state.records.filter(isLatencyRecord);
  for (const r of state.records.filter((r) => !isLatencyRecord(r) && (r.Type === 'A' || r.Type === 'CNAME'))) {
    differences.push({
      kind: 'conflict',
      message: `${r.Type} ${r.Name}${r.SetIdentifier === undefined ? '' : ` (${r.SetIdentifier})`} is not a latency record and clashes with the latency set`,
    });
  }
  const wanted = new Set(desired.regions.map((r) => r.setIdentifier));
  for (const r of latency.filter((r) => !wanted.has(r.SetIdentifier!))) {
    differences.push({
      kind: 'stray-record',
      setIdentifier: r.SetIdentifier!,
      message: `${r.Type} ${desired.recordName} (${r.SetIdentifier}) belongs to no gateway of the topology`,
    });
  }
  for (const region of desired.regions) differences.push(...regionDifferences(desired, state, region));
  const gateways = new Set(desired.regions.map((r) => r.gateway));
  for (const hc of state.healthChecks.filter((hc) => hc.gateway !== undefined && !gateways.has(hc.gateway))) {
    differences.push({
      kind: 'stray-health-check',
      gateway: hc.gateway!,
      message: `health check ${hc.id} is tagged for gateway ${hc.gateway}, which the topology no longer has`,
    });
  }
  return {
    topology: desired.topology,
    zone: desired.zone,
    hostedZoneId: state.hostedZone.id,
    recordName: desired.recordName,
    differences,
    inSync: differences.length === 0,
  };
}

function regionDifferences(desired: DesiredDnsState, state: ZoneState, region: DesiredRegion): DnsDifference[] {
  const where = { gateway: region.gateway, setIdentifier: region.setIdentifier };
  const name = `${region.gateway} (${region.region})`;
  const record = state.records.find((r) => isLatencyRecord(r) && r.SetIdentifier === region.setIdentifier);
  if (record === undefined) return [{ kind: 'record-missing', ...where, message: `${name} has no latency record at ${desired.recordName}` }];
  const out: DnsDifference[] = [];
  const alias = record.AliasTarget;
  if (record.Type !== 'A' || alias === undefined) {
    out.push({
      kind: 'record-target',
      ...where,
      message: `${name}: expected an A alias to the region's device load balancer, found ${record.Type} ${describeValues(record)}`,
    });
  } else {
    if (alias.HostedZoneId !== region.nlbHostedZoneId || nlbRegion(alias.DNSName ?? '') !== region.region) {
      out.push({
        kind: 'record-target',
        ...where,
        message: `${name}: the alias points at ${alias.DNSName} (zone ${alias.HostedZoneId}), not a Network Load Balancer in ${region.region}`,
      });
    }
    if (alias.EvaluateTargetHealth !== true) {
      out.push({ kind: 'record-target', ...where, message: `${name}: evaluate-target-health is off` });
    }
  }
  if (record.Region !== region.region)
    out.push({ kind: 'record-target', ...where, message: `${name}: latency region is ${record.Region}, expected ${region.region}` });
  const hc = healthCheckOfRegion(state, region);
  if (hc === undefined || record.HealthCheckId !== hc.id || hc.gateway !== region.gateway) {
    out.push({
      kind: 'health-check-missing',
      ...where,
      message: `${name}: the record does not use a health check tagged for ${region.gateway} (it uses ${record.HealthCheckId ?? 'none'})`,
    });
    return out;
  }
  const settings = checkSettings(hc.config, region, alias?.DNSName);
  if (settings.length > 0) out.push({ kind: 'health-check-settings', ...where, message: `${name}: health check ${hc.id} differs: ${settings.join(', ')}` });
  return out;
}

function checkSettings(config: HealthCheckConfig, region: DesiredRegion, aliasName: string | undefined): string[] {
  const spec = region.healthCheck;
  const out: string[] = [];
  if (config.Type !== 'HTTP') out.push(`type ${config.Type} (expected HTTP)`);
  if (config.Port !== spec.port) out.push(`port ${config.Port} (expected ${spec.port})`);
  if (config.ResourcePath !== spec.path) out.push(`path ${config.ResourcePath} (expected ${spec.path})`);
  // Route53's defaults when a check was created without them: 30 s and 3 failures.
  if ((config.RequestInterval ?? 30) !== spec.intervalSeconds) out.push(`interval ${config.RequestInterval ?? 30} s (expected ${spec.intervalSeconds} s)`);
  if ((config.FailureThreshold ?? 3) !== spec.failureThreshold)
    out.push(`failure threshold ${config.FailureThreshold ?? 3} (expected ${spec.failureThreshold})`);
  const probed = normalizeName(config.FullyQualifiedDomainName ?? '').replace(/^dualstack\./, '');
  if (aliasName !== undefined && probed !== normalizeName(aliasName).replace(/^dualstack\./, '')) {
    out.push(`probes ${config.FullyQualifiedDomainName ?? config.IPAddress} instead of the load balancer the record aliases`);
  }
  return out;
}

function describeValues(record: ResourceRecordSet): string {
  return record.AliasTarget !== undefined ? `alias ${record.AliasTarget.DNSName}` : (record.ResourceRecords ?? []).map((v) => v.Value).join(', ');
}

/** A latency record: set identifier and region, of a type a latency set at the name can hold. */
export function isLatencyRecord(record: ResourceRecordSet): boolean {
  return record.SetIdentifier !== undefined && record.Region !== undefined && (record.Type === 'A' || record.Type === 'CNAME');
}

/** The check steering `region`: the one its record points at, else the one tagged for its gateway. */
export function healthCheckOfRegion(state: ZoneState, region: DesiredRegion): KnownHealthCheck | undefined {
  const record = state.records.find((r) => isLatencyRecord(r) && r.SetIdentifier === region.setIdentifier);
  if (record?.HealthCheckId !== undefined) return state.healthChecks.find((hc) => hc.id === record.HealthCheckId);
  return state.healthChecks.find((hc) => hc.gateway === region.gateway);
}

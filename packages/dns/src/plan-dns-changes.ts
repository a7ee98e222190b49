import type { ChangeAction, HealthCheckConfig, ResourceRecordSet, UpdateHealthCheckRequest } from '@aws-sdk/client-route-53';
import { healthCheckConfig, latencyRecordSet, type DesiredDnsState, type DesiredRegion } from './desired-dns-state.ts';
import { normalizeName } from './dns-names.ts';
import type { KnownHealthCheck, ZoneState } from './read-zone-state.ts';

/** Health check fields UpdateHealthCheck can change in place. */
export type HealthCheckUpdate = Pick<UpdateHealthCheckRequest, 'FullyQualifiedDomainName' | 'IPAddress' | 'Port' | 'ResourcePath' | 'FailureThreshold'>;

export type HealthCheckChange =
  | { readonly action: 'create'; readonly gateway: string; readonly config: HealthCheckConfig; readonly reason: string }
  | { readonly action: 'update'; readonly gateway: string; readonly id: string; readonly version: number; readonly update: HealthCheckUpdate; readonly reason: string }
  | { readonly action: 'delete'; readonly gateway: string; readonly id: string; readonly reason: string };

export interface RecordChange {
  readonly action: ChangeAction;
  readonly setIdentifier: string;
  /** The record set to send; HealthCheckId is filled in at apply time when `healthCheckOf` is set. */
  readonly recordSet: ResourceRecordSet;
  /** The gateway whose health check this apply creates first and the record then points at. */
  readonly healthCheckOf?: string;
  readonly reason: string;
}

export interface DnsPlan {
  readonly topology: string;
  readonly zone: string;
  readonly hostedZoneId: string;
  readonly recordName: string;
  readonly recordType: 'A' | 'CNAME';
  /** In the order apply runs them: creations and updates before the record changes, deletions after. */
  readonly healthChecks: readonly HealthCheckChange[];
  /** Deletions first, so a record that changes type is gone before its replacement arrives. */
  readonly records: readonly RecordChange[];
  /** Records at the name that fedgate will not touch and that block its latency set. */
  readonly conflicts: readonly string[];
  readonly inSync: boolean;
}

/**
 * Pure diff of what the topology asks for against what the zone holds. fedgate owns the latency set at the
 * name: every latency record there that no gateway asks for is deleted. A health check's drain state
 * (Disabled, Inverted) is operational state, never configuration: plan never changes it.
 */
export function planDnsChanges(desired: DesiredDnsState, state: ZoneState): DnsPlan {
  const latency = state.records.filter(isLatencyRecord);
  const conflicts = state.records
    .filter((r) => !isLatencyRecord(r) && blocks(r, desired.recordType))
    .map((r) => `${r.Type} ${r.Name}${r.SetIdentifier === undefined ? '' : ` (${r.SetIdentifier})`} is not a latency record fedgate can manage`);
  const wantedIds = new Set(desired.regions.map((r) => r.setIdentifier));
  const wantedGateways = new Set(desired.regions.map((r) => r.gateway));

  const checkCreates: HealthCheckChange[] = [];
  const checkUpdates: HealthCheckChange[] = [];
  const checkDeletes: HealthCheckChange[] = [];
  const deletes: RecordChange[] = [];
  const upserts: RecordChange[] = [];
  const creates: RecordChange[] = [];

  for (const record of latency) {
    if (!wantedIds.has(record.SetIdentifier!)) {
      deletes.push({ action: 'DELETE', setIdentifier: record.SetIdentifier!, recordSet: record, reason: `no gateway of the topology is in ${record.SetIdentifier}` });
    }
  }

  for (const region of desired.regions) {
    const current = latency.find((r) => r.SetIdentifier === region.setIdentifier);
    const owned = state.healthChecks.filter((hc) => hc.gateway === region.gateway);
    // Keep the check the record already uses, so a duplicate left by an interrupted apply is the one removed.
    const keep = owned.find((hc) => hc.id === current?.HealthCheckId) ?? owned[0];
    for (const extra of owned) {
      if (extra !== keep) checkDeletes.push({ action: 'delete', gateway: region.gateway, id: extra.id, reason: 'duplicate health check' });
    }
    const wanted = healthCheckConfig(region.healthCheck);
    let healthCheckId: string | undefined;
    if (keep === undefined) {
      checkCreates.push({ action: 'create', gateway: region.gateway, config: wanted, reason: 'no health check yet' });
    } else if (needsReplacement(keep.config, wanted)) {
      // RequestInterval and the probe type are fixed at creation; a drained region stays drained.
      const drain = { ...(keep.config.Disabled ? { Disabled: true } : {}), ...(keep.config.Inverted ? { Inverted: true } : {}) };
      checkCreates.push({ action: 'create', gateway: region.gateway, config: { ...wanted, ...drain }, reason: `replaces ${keep.id}: ${replacementReason(keep.config, wanted)}` });
      checkDeletes.push({ action: 'delete', gateway: region.gateway, id: keep.id, reason: 'replaced' });
    } else {
      healthCheckId = keep.id;
      const update = healthCheckUpdate(keep.config, wanted);
      const fields = Object.keys(update);
      if (fields.length > 0) {
        checkUpdates.push({ action: 'update', gateway: region.gateway, id: keep.id, version: keep.version, update, reason: `changed: ${fields.join(', ')}` });
      }
    }
    const recordSet = latencyRecordSet(desired, region, healthCheckId);
    const pending = healthCheckId === undefined ? { healthCheckOf: region.gateway } : {};
    if (current === undefined) {
      creates.push({ action: 'CREATE', setIdentifier: region.setIdentifier, recordSet, ...pending, reason: `no record for ${region.gateway} yet` });
    } else if (current.Type !== recordSet.Type) {
      deletes.push({ action: 'DELETE', setIdentifier: region.setIdentifier, recordSet: current, reason: `type changes from ${current.Type} to ${recordSet.Type}` });
      creates.push({ action: 'CREATE', setIdentifier: region.setIdentifier, recordSet, ...pending, reason: `type changes from ${current.Type} to ${recordSet.Type}` });
    } else {
      const differences = recordDifferences(current, recordSet, healthCheckId === undefined);
      if (differences.length > 0) {
        upserts.push({ action: 'UPSERT', setIdentifier: region.setIdentifier, recordSet, ...pending, reason: `changed: ${differences.join(', ')}` });
      }
    }
  }

  for (const hc of state.healthChecks) {
    if (hc.gateway !== undefined && !wantedGateways.has(hc.gateway)) {
      checkDeletes.push({ action: 'delete', gateway: hc.gateway, id: hc.id, reason: `gateway ${hc.gateway} is no longer in the topology` });
    }
  }

  const healthChecks = [...checkCreates, ...checkUpdates, ...checkDeletes];
  const records = [...deletes, ...upserts, ...creates];
  return {
    topology: desired.topology,
    zone: desired.zone,
    hostedZoneId: state.hostedZone.id,
    recordName: desired.recordName,
    recordType: desired.recordType,
    healthChecks,
    records,
    conflicts,
    inSync: healthChecks.length === 0 && records.length === 0 && conflicts.length === 0,
  };
}

/** A latency record of the kind fedgate manages: set identifier, region, and A or CNAME. */
export function isLatencyRecord(record: ResourceRecordSet): boolean {
  return record.SetIdentifier !== undefined && record.Region !== undefined && (record.Type === 'A' || record.Type === 'CNAME');
}

/** A CNAME cannot share its name with any record; A latency records clash with other A records. */
function blocks(record: ResourceRecordSet, type: 'A' | 'CNAME'): boolean {
  return type === 'CNAME' || record.Type === 'A' || record.Type === 'CNAME';
}

function needsReplacement(current: HealthCheckConfig, wanted: HealthCheckConfig): boolean {
  return replacementReason(current, wanted) !== '';
}

function replacementReason(current: HealthCheckConfig, wanted: HealthCheckConfig): string {
  if (current.Type !== wanted.Type) return `type ${current.Type} → ${wanted.Type}`;
  // Route53's default interval is 30 s when a check was created without one.
  if ((current.RequestInterval ?? 30) !== wanted.RequestInterval) return `interval ${current.RequestInterval ?? 30} s → ${wanted.RequestInterval} s`;
  if ((current.IPAddress === undefined) !== (wanted.IPAddress === undefined)) return 'probes by IP address instead of host name or back';
  return '';
}

function healthCheckUpdate(current: HealthCheckConfig, wanted: HealthCheckConfig): HealthCheckUpdate {
  const update: HealthCheckUpdate = {};
  if (wanted.FullyQualifiedDomainName !== undefined && normalizeName(current.FullyQualifiedDomainName ?? '') !== normalizeName(wanted.FullyQualifiedDomainName)) {
    update.FullyQualifiedDomainName = wanted.FullyQualifiedDomainName;
  }
  if (wanted.IPAddress !== undefined && current.IPAddress !== wanted.IPAddress) update.IPAddress = wanted.IPAddress;
  if (current.Port !== wanted.Port) update.Port = wanted.Port;
  if (current.ResourcePath !== wanted.ResourcePath) update.ResourcePath = wanted.ResourcePath;
  // Route53's default threshold is 3 when a check was created without one.
  if ((current.FailureThreshold ?? 3) !== wanted.FailureThreshold) update.FailureThreshold = wanted.FailureThreshold;
  return update;
}

/** Names of the fields where `current` differs from `wanted`, compared the way Route53 normalises them. */
function recordDifferences(current: ResourceRecordSet, wanted: ResourceRecordSet, healthCheckPending: boolean): string[] {
  const out: string[] = [];
  if (current.Region !== wanted.Region) out.push('region');
  if (wanted.TTL !== undefined && current.TTL !== wanted.TTL) out.push('ttl');
  const values = (r: ResourceRecordSet) => (r.ResourceRecords ?? []).map((v) => normalizeName(v.Value ?? '')).sort().join(',');
  if (values(current) !== values(wanted)) out.push('target');
  const alias = (r: ResourceRecordSet) =>
    r.AliasTarget === undefined
      ? ''
      : `${r.AliasTarget.HostedZoneId}|${normalizeName(r.AliasTarget.DNSName ?? '').replace(/^dualstack\./, '')}|${r.AliasTarget.EvaluateTargetHealth === true}`;
  if (alias(current) !== alias(wanted)) out.push('alias target');
  if (healthCheckPending || current.HealthCheckId !== wanted.HealthCheckId) out.push('health check');
  return out;
}

/** The check the record of `region` should use according to `state`, if any: for status and drain. */
export function healthCheckOfRegion(state: ZoneState, region: DesiredRegion): KnownHealthCheck | undefined {
  const record = state.records.find((r) => isLatencyRecord(r) && r.SetIdentifier === region.setIdentifier);
  if (record?.HealthCheckId !== undefined) return state.healthChecks.find((hc) => hc.id === record.HealthCheckId);
  return state.healthChecks.find((hc) => hc.gateway === region.gateway);
}

import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateHealthCheckCommand,
  DeleteHealthCheckCommand,
  UpdateHealthCheckCommand,
  type Change,
} from '@aws-sdk/client-route-53';
import type { Topology } from '@fedgate/topology';
import { batchChanges } from './batch-changes.ts';
import { desiredDnsState, type DesiredDnsState } from './desired-dns-state.ts';
import { DnsError, DnsStateError, Route53Error } from './errors.ts';
import { bareId, callerReference, healthCheckTags } from './dns-names.ts';
import type { DnsOptions } from './dns-options.ts';
import { planDnsChanges, type DnsPlan } from './plan-dns-changes.ts';
import { readZoneState } from './read-zone-state.ts';
import { Route53Session } from './route53-session.ts';

export interface DnsApplyResult {
  readonly plan: DnsPlan;
  /** False for a dry run and when the zone was already in sync. */
  readonly applied: boolean;
  readonly createdHealthChecks: Readonly<Record<string, string>>;
  /** Route53 change ids of the record batches, in the order they were sent. */
  readonly changeIds: readonly string[];
}

/** Reads the zone and returns what `applyDns` would do; sends no change. */
export async function planDns(topology: Topology, options: DnsOptions = {}): Promise<DnsPlan> {
  const desired = desiredDnsState(topology);
  const session = new Route53Session(options);
  return planDnsChanges(desired, await readZoneState(session, desired));
}

/**
 * Makes the zone hold what the topology asks for: health checks first (a record can only point at a check
 * that exists), then the record batches, each waited on until INSYNC, then the checks nothing points at any
 * more. Idempotent: a zone in sync gets no request that changes anything.
 */
export async function applyDns(topology: Topology, options: DnsOptions & { readonly dryRun?: boolean } = {}): Promise<DnsApplyResult> {
  const desired = desiredDnsState(topology);
  const session = new Route53Session(options);
  const plan = planDnsChanges(desired, await readZoneState(session, desired));
  if (plan.conflicts.length > 0) {
    throw new DnsStateError(
      'DNS_RECORD_CONFLICT',
      `${plan.recordName} in zone ${plan.zone} holds records fedgate does not manage: ${plan.conflicts.join('; ')}. ` +
        'Delete them or steer devices with another dns.record',
    );
  }
  if (options.dryRun === true || plan.inSync) return { plan, applied: false, createdHealthChecks: {}, changeIds: [] };
  return executePlan(session, desired, plan);
}

async function executePlan(session: Route53Session, desired: DesiredDnsState, plan: DnsPlan): Promise<DnsApplyResult> {
  const { onProgress, now } = session.options;
  const created: Record<string, string> = {};
  for (const change of plan.healthChecks) {
    if (change.action === 'create') {
      // One reference per creation; a retried request with it returns the same check instead of a second one.
      const reference = callerReference(desired.owner, change.gateway, now());
      const res = await session.call(
        'CreateHealthCheck',
        (c) => c.send(new CreateHealthCheckCommand({ CallerReference: reference, HealthCheckConfig: change.config })),
        { idempotent: true },
      );
      const id = res.HealthCheck?.Id;
      if (id === undefined) throw DnsError.from(new Error('CreateHealthCheck returned no health check id'), 'CreateHealthCheck');
      created[change.gateway] = id;
      await session.call(
        'ChangeTagsForResource',
        (c) =>
          c.send(
            new ChangeTagsForResourceCommand({
              ResourceType: 'healthcheck',
              ResourceId: id,
              AddTags: healthCheckTags(desired.topology, change.gateway, desired.recordName),
            }),
          ),
        { idempotent: true },
      );
      onProgress({ type: 'health-check-created', gateway: change.gateway, healthCheckId: id });
    } else if (change.action === 'update') {
      await session.call(
        'UpdateHealthCheck',
        (c) => c.send(new UpdateHealthCheckCommand({ HealthCheckId: change.id, HealthCheckVersion: change.version, ...change.update })),
        { idempotent: false },
      );
      onProgress({ type: 'health-check-updated', gateway: change.gateway, healthCheckId: change.id, fields: Object.keys(change.update) });
    }
  }

  const changes: Change[] = plan.records.map((rc) => ({
    Action: rc.action,
    ResourceRecordSet: rc.healthCheckOf === undefined ? rc.recordSet : { ...rc.recordSet, HealthCheckId: created[rc.healthCheckOf] },
  }));
  const batches = batchChanges(changes);
  const changeIds: string[] = [];
  for (const [i, batch] of batches.entries()) {
    const res = await session.call(
      'ChangeResourceRecordSets',
      (c) =>
        c.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: plan.hostedZoneId,
            ChangeBatch: { Comment: `fedgate dns apply: topology ${desired.topology}`, Changes: batch },
          }),
        ),
      { idempotent: false },
    );
    const changeId = bareId(res.ChangeInfo?.Id ?? 'unknown');
    changeIds.push(changeId);
    onProgress({ type: 'change-submitted', changeId, batch: i + 1, batches: batches.length, changes: batch.length });
    // Wait before the next batch and before deleting checks: a check is only free once no record uses it.
    await session.waitInSync(res.ChangeInfo);
  }

  for (const change of plan.healthChecks) {
    if (change.action !== 'delete') continue;
    try {
      await session.call('DeleteHealthCheck', (c) => c.send(new DeleteHealthCheckCommand({ HealthCheckId: change.id })), { idempotent: false });
    } catch (err) {
      // Already gone (deleted by hand, or a lost response to our own earlier try): the goal is reached.
      if (!(err instanceof Route53Error && err.awsCode === 'NoSuchHealthCheck')) throw err;
    }
    onProgress({ type: 'health-check-deleted', gateway: change.gateway, healthCheckId: change.id });
  }
  return { plan, applied: true, createdHealthChecks: created, changeIds };
}

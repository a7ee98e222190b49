import { UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import type { Topology } from '@fedgate/topology';
import { desiredDnsState, type DesiredDnsState, type DesiredRegion } from './desired-dns-state.ts';
import { DnsConfigError, DnsStateError } from './errors.ts';
import type { DnsOptions } from './dns-options.ts';
import { collectDnsStatus } from './dns-status.ts';
import { answersWhenHealthy, type DnsWarning } from './evaluate-dns-health.ts';
import { healthCheckOfRegion, isLatencyRecord } from './plan-dns-drift.ts';
import { readZoneState, type KnownHealthCheck, type ZoneState } from './read-zone-state.ts';
import { Route53Session } from './route53-session.ts';

export interface DrainOptions extends DnsOptions {
  /** Report what would change without changing it. */
  readonly dryRun?: boolean;
  /** Drain even when no other region is healthy (Route53 then fails open and answers with the drained region too). */
  readonly force?: boolean;
}

export interface DrainResult {
  readonly gateway: string;
  readonly region: string;
  readonly healthCheckId: string;
  readonly action: 'drain' | 'undrain';
  /** False when the region already was in the asked state, or for a dry run. */
  readonly changed: boolean;
  readonly alreadyInState: boolean;
  readonly dryRun: boolean;
  readonly warnings: readonly DnsWarning[];
}

/**
 * Takes a region out of DNS by forcing its health check unhealthy: Disabled stops the probes and makes the
 * check count as healthy, Inverted turns that into unhealthy. The record, the check's settings and the
 * gateway stay as they are, so `undrain` is one update, and the DNS stack ignores these two attributes, so a later
 * `terraform apply` never undoes a drain. The price: a drain is only a health signal, so when every other region is
 * unhealthy too Route53 fails open and answers with the drained region again; drain refuses that case unless forced.
 */
export async function drainGateway(topology: Topology, gateway: string, options: DrainOptions = {}): Promise<DrainResult> {
  return setDrained(topology, gateway, true, options);
}

/** Puts a drained region back: the health check probes again and the region returns once it passes. */
export async function undrainGateway(topology: Topology, gateway: string, options: DrainOptions = {}): Promise<DrainResult> {
  return setDrained(topology, gateway, false, options);
}

async function setDrained(topology: Topology, gateway: string, drained: boolean, options: DrainOptions): Promise<DrainResult> {
  const desired = desiredDnsState(topology);
  const region = desired.regions.find((r) => r.gateway === gateway);
  if (region === undefined) {
    throw new DnsConfigError(
      'DNS_UNKNOWN_GATEWAY',
      `no gateway named "${gateway}" in topology ${topology.name}; gateways: ${desired.regions.map((r) => r.gateway).join(', ')}`,
    );
  }
  const session = new Route53Session(options);
  const state = await readZoneState(session, desired);
  const hc = steeringHealthCheck(desired, state, region);
  const action = drained ? 'drain' : 'undrain';
  const isDrained = hc.config.Disabled === true && hc.config.Inverted === true;
  const isClean = hc.config.Disabled !== true && hc.config.Inverted !== true;
  const alreadyInState = drained ? isDrained : isClean;
  const base = { gateway, region: region.region, healthCheckId: hc.id, action, alreadyInState, dryRun: options.dryRun === true } as const;
  if (alreadyInState) return { ...base, changed: false, warnings: [] };

  const warnings: DnsWarning[] = [];
  if (drained) {
    const status = await collectDnsStatus(session, desired, state);
    const othersHealthy = status.regions.some((r) => r.gateway !== gateway && r.record !== undefined && answersWhenHealthy(r.state));
    if (!othersHealthy) {
      const message =
        `no region other than ${gateway} is healthy: once ${gateway} is drained every region is unhealthy, Route53 fails open ` +
        `and keeps answering with ${gateway} (and the broken regions)`;
      if (options.force !== true) {
        throw new DnsStateError('DNS_DRAIN_WOULD_FAIL_OPEN', `refusing to drain ${gateway}: ${message}. Fix another region first, or drain with --force`);
      }
      warnings.push({ severity: 'error', code: 'FAIL_OPEN', gateway, message });
    }
  }
  if (options.dryRun === true) return { ...base, changed: false, warnings };
  await session.call(
    'UpdateHealthCheck',
    (c) => c.send(new UpdateHealthCheckCommand({ HealthCheckId: hc.id, HealthCheckVersion: hc.version, Disabled: drained, Inverted: drained })),
    { idempotent: false },
  );
  session.options.onProgress({ type: 'health-check-updated', gateway, healthCheckId: hc.id, fields: ['Disabled', 'Inverted'] });
  return { ...base, changed: true, warnings };
}

/** The health check tagged for the region that its record points at; anything else means the DNS stack was never applied. */
function steeringHealthCheck(desired: DesiredDnsState, state: ZoneState, region: DesiredRegion): KnownHealthCheck {
  const record = state.records.find((r) => isLatencyRecord(r) && r.SetIdentifier === region.setIdentifier);
  const hc = healthCheckOfRegion(state, region);
  const where = `${region.gateway} (${region.region}) in ${desired.recordName}`;
  if (record === undefined) {
    throw new DnsStateError('DNS_NOT_APPLIED', `${where} has no record, so it is not in DNS; apply the DNS stack (terraform) first`);
  }
  if (hc === undefined || record.HealthCheckId !== hc.id || hc.gateway === undefined) {
    throw new DnsStateError(
      'DNS_NOT_APPLIED',
      `${where}: the record does not use a health check tagged for ${region.gateway} (${record.HealthCheckId ?? 'none'}), so draining cannot steer it; apply the DNS stack (terraform) first`,
    );
  }
  return hc;
}

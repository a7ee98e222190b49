import { GetHealthCheckStatusCommand, type HealthCheckObservation } from '@aws-sdk/client-route-53';
import type { Topology } from '@fedgate/topology';
import { desiredDnsState, type DesiredDnsState } from './desired-dns-state.ts';
import type { DnsOptions } from './dns-options.ts';
import { evaluateDnsHealth, type DnsStatusReport } from './evaluate-dns-health.ts';
import { healthCheckOfRegion, planDnsDrift } from './plan-dns-drift.ts';
import { readZoneState, type ZoneState } from './read-zone-state.ts';
import { Route53Session } from './route53-session.ts';

/** Per region: the record, its health check, what Route53's checkers report, and the warnings that follow. */
export async function dnsStatus(topology: Topology, options: DnsOptions = {}): Promise<DnsStatusReport> {
  const desired = desiredDnsState(topology);
  const session = new Route53Session(options);
  return collectDnsStatus(session, desired, await readZoneState(session, desired));
}

export async function collectDnsStatus(session: Route53Session, desired: DesiredDnsState, state: ZoneState): Promise<DnsStatusReport> {
  const observations = new Map<string, readonly HealthCheckObservation[]>();
  for (const region of desired.regions) {
    const hc = healthCheckOfRegion(state, region);
    // A disabled check is not probed; its last observations would only mislead.
    if (hc === undefined || hc.config.Disabled === true || observations.has(hc.id)) continue;
    const res = await session.call('GetHealthCheckStatus', (c) => c.send(new GetHealthCheckStatusCommand({ HealthCheckId: hc.id })), { idempotent: true });
    observations.set(hc.id, res.HealthCheckObservations ?? []);
  }
  return evaluateDnsHealth(desired, state, observations, planDnsDrift(desired, state));
}

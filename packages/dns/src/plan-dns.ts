import type { Topology } from '@fedgate/topology';
import { desiredDnsState } from './desired-dns-state.ts';
import type { DnsOptions } from './dns-options.ts';
import { planDnsDrift, type DnsPlan } from './plan-dns-drift.ts';
import { readZoneState } from './read-zone-state.ts';
import { Route53Session } from './route53-session.ts';

/** Reads the zone and reports how it differs from what the topology's DNS stack creates; changes nothing. */
export async function planDns(topology: Topology, options: DnsOptions = {}): Promise<DnsPlan> {
  const desired = desiredDnsState(topology);
  const session = new Route53Session(options);
  return planDnsDrift(desired, await readZoneState(session, desired));
}

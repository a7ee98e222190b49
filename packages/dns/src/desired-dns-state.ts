import type { Topology } from '@fedgate/topology';
import { DnsConfigError } from './errors.ts';
import { recordFqdn } from './dns-names.ts';
import { NLB_HOSTED_ZONE_IDS } from './nlb-hosted-zones.ts';

/** The HTTP probe Route53's checkers send to `fedgate gateway-health` through a region's device load balancer. */
export interface HealthCheckSpec {
  readonly port: number;
  readonly path: string;
  readonly intervalSeconds: 10 | 30;
  readonly failureThreshold: number;
}

export interface DesiredRegion {
  readonly gateway: string;
  readonly region: string;
  /** Route53 set identifier of the latency record: the region code, one record per region. */
  readonly setIdentifier: string;
  /** Hosted zone of the region's Network Load Balancers: the alias target's zone. */
  readonly nlbHostedZoneId: string;
  readonly healthCheck: HealthCheckSpec;
}

/**
 * What the infra DNS stack creates for a topology, as fedgate checks it: at `recordName`, one A alias latency record
 * per gateway region pointing at that region's device NLB (evaluate-target-health on), each with a health check
 * tagged for its gateway that probes gateway-health on the same NLB. Gateway hosts are private names and never
 * appear here. Pure data.
 */
export interface DesiredDnsState {
  readonly topology: string;
  readonly zone: string;
  /** Absolute name with the trailing dot, e.g. `mqtt.acme.example.com.`. */
  readonly recordName: string;
  readonly regions: readonly DesiredRegion[];
}

/** Topology → the records and checks the DNS stack owns. Throws DnsConfigError naming the offending gateway. */
export function desiredDnsState(topology: Topology): DesiredDnsState {
  const dns = topology.dns;
  if (dns === undefined) {
    throw new DnsConfigError('DNS_NOT_CONFIGURED', `topology "${topology.name}" has no dns section; add dns: { zone, record } to steer devices with Route53`);
  }
  const seen = new Map<string, string>();
  for (const gw of topology.gateways) {
    const other = seen.get(gw.region);
    if (other !== undefined) {
      throw new DnsConfigError(
        'DNS_DUPLICATE_REGION',
        `gateways ${other} and ${gw.name} are both in ${gw.region}; Route53 latency routing holds one record per region`,
      );
    }
    seen.set(gw.region, gw.name);
  }
  return {
    topology: topology.name,
    zone: dns.zone,
    recordName: recordFqdn(dns),
    regions: topology.gateways.map((gw) => {
      const nlbHostedZoneId = NLB_HOSTED_ZONE_IDS[gw.region];
      if (nlbHostedZoneId === undefined) {
        throw new DnsConfigError('DNS_INVALID_TARGET', `gateway ${gw.name}: no known Network Load Balancer hosted zone id for region ${gw.region}`);
      }
      return {
        gateway: gw.name,
        region: gw.region,
        setIdentifier: gw.region,
        nlbHostedZoneId,
        healthCheck: {
          port: dns.healthCheck.port,
          path: dns.healthCheck.path,
          intervalSeconds: dns.healthCheck.intervalSeconds,
          failureThreshold: dns.healthCheck.failureThreshold,
        },
      };
    }),
  };
}

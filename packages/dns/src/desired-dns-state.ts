import { isIP } from 'node:net';
import type { AliasTarget, HealthCheckConfig, ResourceRecordSet, ResourceRecordSetRegion } from '@aws-sdk/client-route-53';
import type { Gateway, Topology } from '@fedgate/topology';
import { DnsConfigError } from './errors.ts';
import { ownerKey, recordFqdn } from './dns-names.ts';
import { NLB_HOSTED_ZONE_IDS, nlbRegion } from './nlb-hosted-zones.ts';

/**
 * Where a region's record points. An NLB (the region stack's load balancer) gets an A alias: no extra
 * lookup for devices, free queries, and evaluate-target-health lets Route53 see the NLB's own target health.
 * Any other host gets a CNAME, the only record that can point at a name outside AWS.
 */
export type DnsTarget =
  | { readonly kind: 'alias'; readonly dnsName: string; readonly hostedZoneId: string }
  | { readonly kind: 'cname'; readonly host: string };

/** The HTTP probe Route53's checkers send to `fedgate gateway-health` of one gateway. */
export interface HealthCheckSpec {
  /** Host name or public IP address of the gateway. */
  readonly host: string;
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
  readonly target: DnsTarget;
  readonly healthCheck: HealthCheckSpec;
}

/** What the topology asks Route53 to hold. Pure data; `planDnsChanges` compares it with the zone. */
export interface DesiredDnsState {
  readonly topology: string;
  readonly zone: string;
  /** Absolute name with the trailing dot, e.g. `mqtt.acme.example.com.`. */
  readonly recordName: string;
  readonly recordType: 'A' | 'CNAME';
  readonly ttlSeconds: number;
  /** CallerReference namespace of this topology's health checks (see dns-names.ts). */
  readonly owner: string;
  readonly regions: readonly DesiredRegion[];
}

/** Topology → desired latency records and health checks. Throws DnsConfigError naming the offending gateway. */
export function desiredDnsState(topology: Topology): DesiredDnsState {
  const dns = topology.dns;
  if (dns === undefined) {
    throw new DnsConfigError(
      'DNS_NOT_CONFIGURED',
      `topology "${topology.name}" has no dns section; add dns: { zone, record } to steer devices with Route53`,
    );
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
  const targets = topology.gateways.map((gw) => dnsTarget(gw));
  const aliases = topology.gateways.filter((_, i) => targets[i]?.kind === 'alias');
  if (aliases.length > 0 && aliases.length < topology.gateways.length) {
    // One name cannot hold a CNAME next to A records, so the whole latency set has to be one kind.
    const others = topology.gateways.filter((gw) => !aliases.includes(gw)).map((gw) => `${gw.name} (${gw.host})`);
    throw new DnsConfigError(
      'DNS_INVALID_TARGET',
      `gateways ${aliases.map((g) => g.name).join(', ')} point at NLBs but ${others.join(', ')} do not; ` +
        'a latency set is all A aliases or all CNAMEs: set every gateway host to its region\'s NLB DNS name, or none',
    );
  }
  const recordName = recordFqdn(dns);
  return {
    topology: topology.name,
    zone: dns.zone,
    recordName,
    recordType: aliases.length > 0 ? 'A' : 'CNAME',
    ttlSeconds: dns.ttlSeconds,
    owner: ownerKey(topology.name, recordName),
    regions: topology.gateways.map((gw, i) => ({
      gateway: gw.name,
      region: gw.region,
      setIdentifier: gw.region,
      target: targets[i]!,
      healthCheck: {
        host: gw.host,
        port: dns.healthCheck.port,
        path: dns.healthCheck.path,
        intervalSeconds: dns.healthCheck.intervalSeconds,
        failureThreshold: dns.healthCheck.failureThreshold,
      },
    })),
  };
}

function dnsTarget(gw: Gateway): DnsTarget {
  const ip = isIP(gw.host);
  if (ip !== 0 && isPrivateAddress(gw.host)) {
    throw new DnsConfigError(
      'DNS_INVALID_TARGET',
      `gateway ${gw.name}: host ${gw.host} is a private or loopback address that devices and Route53's health checkers cannot reach`,
    );
  }
  const region = nlbRegion(gw.host);
  if (region === undefined) return { kind: 'cname', host: gw.host };
  const hostedZoneId = NLB_HOSTED_ZONE_IDS[region];
  if (hostedZoneId === undefined) {
    throw new DnsConfigError('DNS_INVALID_TARGET', `gateway ${gw.name}: no known NLB hosted zone id for region ${region} (host ${gw.host})`);
  }
  return { kind: 'alias', dnsName: gw.host.replace(/\.$/, ''), hostedZoneId };
}

function isPrivateAddress(ip: string): boolean {
  if (isIP(ip) === 6) return ip === '::1' || /^f[cd]/i.test(ip) || /^fe80:/i.test(ip);
  const [a = 0, b = 0] = ip.split('.').map(Number);
  return a === 10 || a === 127 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
}

/** The HealthCheckConfig fedgate creates for one gateway. */
export function healthCheckConfig(spec: HealthCheckSpec): HealthCheckConfig {
  const address = isIP(spec.host) !== 0 ? { IPAddress: spec.host } : { FullyQualifiedDomainName: spec.host };
  return {
    Type: 'HTTP',
    ...address,
    Port: spec.port,
    ResourcePath: spec.path,
    RequestInterval: spec.intervalSeconds,
    FailureThreshold: spec.failureThreshold,
  };
}

/** The latency record of one region, pointing at `healthCheckId`. */
export function latencyRecordSet(desired: DesiredDnsState, region: DesiredRegion, healthCheckId: string | undefined): ResourceRecordSet {
  const target: Pick<ResourceRecordSet, 'TTL' | 'ResourceRecords' | 'AliasTarget'> =
    region.target.kind === 'alias'
      ? { AliasTarget: aliasTarget(region.target) }
      : { TTL: desired.ttlSeconds, ResourceRecords: [{ Value: region.target.host }] };
  return {
    Name: desired.recordName,
    Type: desired.recordType,
    SetIdentifier: region.setIdentifier,
    Region: region.region as ResourceRecordSetRegion,
    ...target,
    ...(healthCheckId === undefined ? {} : { HealthCheckId: healthCheckId }),
  };
}

function aliasTarget(target: Extract<DnsTarget, { kind: 'alias' }>): AliasTarget {
  return { HostedZoneId: target.hostedZoneId, DNSName: target.dnsName, EvaluateTargetHealth: true };
}

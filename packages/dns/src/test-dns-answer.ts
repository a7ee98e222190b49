import { isIP } from 'node:net';
import { TestDNSAnswerCommand } from '@aws-sdk/client-route-53';
import type { Topology } from '@fedgate/topology';
import { desiredDnsState } from './desired-dns-state.ts';
import { DnsConfigError } from './errors.ts';
import { normalizeName } from './dns-names.ts';
import type { DnsOptions } from './dns-options.ts';
import { findHostedZone } from './read-zone-state.ts';
import { Route53Session } from './route53-session.ts';

export interface ClientSubnet {
  readonly ip: string;
  readonly prefixLength: number;
}

/** `203.0.113.0/24` or `2001:db8::/48` → address and prefix length, checked. Pure. */
export function parseClientSubnet(cidr: string): ClientSubnet {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  const ip = match?.[1] ?? '';
  const family = isIP(ip);
  const prefixLength = Number(match?.[2]);
  const max = family === 6 ? 128 : 32;
  if (match === null || family === 0 || prefixLength > max) {
    throw new DnsConfigError('DNS_INVALID_SUBNET', `--client-subnet must be a CIDR such as 203.0.113.0/24 or 2001:db8::/48, got ${JSON.stringify(cidr)}`);
  }
  return { ip, prefixLength };
}

export interface DnsAnswerReport {
  readonly recordName: string;
  readonly recordType: string;
  readonly clientSubnet: string;
  readonly resolver?: string;
  readonly nameserver: string;
  readonly responseCode: string;
  readonly protocol: string;
  readonly recordData: readonly string[];
  /** The gateway the answer sends the device to, when it can be told from the data (CNAME answers). */
  readonly gateway?: string;
}

/** Asks Route53 (TestDNSAnswer) what a resolver serving `clientSubnet` gets for the steered name. */
export async function testDnsAnswer(
  topology: Topology,
  query: { readonly clientSubnet: string; readonly resolver?: string },
  options: DnsOptions = {},
): Promise<DnsAnswerReport> {
  const desired = desiredDnsState(topology);
  const subnet = parseClientSubnet(query.clientSubnet);
  if (query.resolver !== undefined && isIP(query.resolver) === 0) {
    throw new DnsConfigError('DNS_INVALID_SUBNET', `--resolver must be an IP address, got ${JSON.stringify(query.resolver)}`);
  }
  const session = new Route53Session(options);
  const zone = await findHostedZone(session, desired.zone);
  const res = await session.call(
    'TestDNSAnswer',
    (c) =>
      c.send(
        new TestDNSAnswerCommand({
          HostedZoneId: zone.id,
          RecordName: desired.recordName,
          RecordType: desired.recordType,
          EDNS0ClientSubnetIP: subnet.ip,
          EDNS0ClientSubnetMask: String(subnet.prefixLength),
          ...(query.resolver === undefined ? {} : { ResolverIP: query.resolver }),
        }),
      ),
    { idempotent: true },
  );
  const recordData = res.RecordData ?? [];
  const answered = new Set(recordData.map(normalizeName));
  // An alias answers with the NLB's addresses, which say nothing about the gateway; a CNAME names its host.
  const gateway = desired.regions.find((r) => r.target.kind === 'cname' && answered.has(normalizeName(r.target.host)))?.gateway;
  return {
    recordName: desired.recordName,
    recordType: desired.recordType,
    clientSubnet: `${subnet.ip}/${subnet.prefixLength}`,
    ...(query.resolver === undefined ? {} : { resolver: query.resolver }),
    nameserver: res.Nameserver ?? '',
    responseCode: res.ResponseCode ?? '',
    protocol: res.Protocol ?? '',
    recordData,
    ...(gateway === undefined ? {} : { gateway }),
  };
}

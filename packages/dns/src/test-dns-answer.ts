import { resolve4 } from 'node:dns/promises';
import { isIP } from 'node:net';
import { TestDNSAnswerCommand } from '@aws-sdk/client-route-53';
import type { Topology } from '@fedgate/topology';
import { desiredDnsState } from './desired-dns-state.ts';
import { DnsConfigError } from './errors.ts';
import { normalizeName } from './dns-names.ts';
import type { DnsOptions } from './dns-options.ts';
import { findHostedZone, listRecordSetsAt } from './read-zone-state.ts';
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
  /** The gateway the answer sends the device to: the region whose load balancer resolves to the answered addresses. */
  readonly gateway?: string;
}

export interface TestDnsAnswerOptions extends DnsOptions {
  /** Addresses a load balancer name resolves to, to tell which region an answer is. @default node:dns resolve4 */
  readonly resolveAddresses?: (name: string) => Promise<string[]>;
}

/** The DNS stack's latency records are A aliases to the regions' device load balancers. */
const RECORD_TYPE = 'A';

/**
 * An alias answers with its load balancer's addresses, which name no gateway: resolve each region's load balancer
 * and find the one the answer came from. Unresolvable names leave the gateway unknown rather than failing the test.
 */
async function answeringGateway(
  session: Route53Session,
  hostedZoneId: string,
  desired: ReturnType<typeof desiredDnsState>,
  recordData: readonly string[],
  resolveAddresses: (name: string) => Promise<string[]>,
): Promise<string | undefined> {
  if (recordData.length === 0) return undefined;
  const answered = new Set(recordData.map(normalizeName));
  const records = await listRecordSetsAt(session, hostedZoneId, desired.recordName);
  for (const region of desired.regions) {
    const alias = records.find((r) => r.SetIdentifier === region.setIdentifier)?.AliasTarget?.DNSName;
    if (alias === undefined) continue;
    const addresses = await resolveAddresses(normalizeName(alias)).catch(() => [] as string[]);
    if (addresses.some((a) => answered.has(a))) return region.gateway;
  }
  return undefined;
}

/** Asks Route53 (TestDNSAnswer) what a resolver serving `clientSubnet` gets for the steered name. */
export async function testDnsAnswer(
  topology: Topology,
  query: { readonly clientSubnet: string; readonly resolver?: string },
  options: TestDnsAnswerOptions = {},
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
          RecordType: RECORD_TYPE,
          EDNS0ClientSubnetIP: subnet.ip,
          EDNS0ClientSubnetMask: String(subnet.prefixLength),
          ...(query.resolver === undefined ? {} : { ResolverIP: query.resolver }),
        }),
      ),
    { idempotent: true },
  );
  const recordData = res.RecordData ?? [];
  const gateway = await answeringGateway(session, zone.id, desired, recordData, options.resolveAddresses ?? resolve4);
  return {
    recordName: desired.recordName,
    recordType: RECORD_TYPE,
    clientSubnet: `${subnet.ip}/${subnet.prefixLength}`,
    ...(query.resolver === undefined ? {} : { resolver: query.resolver }),
    nameserver: res.Nameserver ?? '',
    responseCode: res.ResponseCode ?? '',
    protocol: res.Protocol ?? '',
    recordData,
    ...(gateway === undefined ? {} : { gateway }),
  };
}

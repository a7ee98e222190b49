import {
  ListHealthChecksCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourcesCommand,
  type HealthCheck,
  type HealthCheckConfig,
  type ListResourceRecordSetsCommandOutput,
  type ResourceRecordSet,
  type RRType,
} from '@aws-sdk/client-route-53';
import { HostedZoneNotFoundError } from './errors.ts';
import { bareId, normalizeName, taggedGateway } from './dns-names.ts';
import type { DesiredDnsState } from './desired-dns-state.ts';
import type { Route53Session } from './route53-session.ts';

export interface HostedZoneRef {
  /** Bare id, e.g. `Z0123456789ABC`. */
  readonly id: string;
  /** As Route53 spells it, with the trailing dot. */
  readonly name: string;
}

/** Route53 takes at most this many ids per ListTagsForResources request. */
const TAG_BATCH = 10;

export interface KnownHealthCheck {
  readonly id: string;
  /** The gateway its tags name for this topology and record; undefined for a check that is not fedgate's. */
  readonly gateway: string | undefined;
  readonly version: number;
  readonly config: HealthCheckConfig;
}

/** What Route53 holds for one topology's steered name. */
export interface ZoneState {
  readonly hostedZone: HostedZoneRef;
  /** Every record set at the steered name, whatever its type or routing policy. */
  readonly records: readonly ResourceRecordSet[];
  /** The checks tagged for this topology and record, plus any other check a record at the name points at. */
  readonly healthChecks: readonly KnownHealthCheck[];
}

export async function readZoneState(session: Route53Session, desired: DesiredDnsState): Promise<ZoneState> {
  const hostedZone = await findHostedZone(session, desired.zone);
  const records = await listRecordSetsAt(session, hostedZone.id, desired.recordName);
  const referenced = new Set(records.flatMap((r) => (r.HealthCheckId === undefined ? [] : [r.HealthCheckId])));
  const healthChecks = await listHealthChecks(session, desired, referenced);
  return { hostedZone, records, healthChecks };
}

/**
 * The hosted zone named `zone`. A public zone wins over a private one of the same name, because devices
 * resolve from the internet and Route53 health checks only steer public zones.
 */
export async function findHostedZone(session: Route53Session, zone: string): Promise<HostedZoneRef> {
  const wanted = `${normalizeName(zone)}.`;
  const res = await session.call('ListHostedZonesByName', (c) => c.send(new ListHostedZonesByNameCommand({ DNSName: wanted, MaxItems: 100 })), {
    idempotent: true,
  });
  const matches = (res.HostedZones ?? []).filter((z) => `${normalizeName(z.Name ?? '')}.` === wanted);
  const publicZones = matches.filter((z) => z.Config?.PrivateZone !== true);
  const candidates = publicZones.length > 0 ? publicZones : matches;
  if (candidates.length === 0) {
    throw new HostedZoneNotFoundError(
      zone,
      'DNS_ZONE_NOT_FOUND',
      `no Route53 hosted zone named ${wanted} in this AWS account; create the public zone (the DNS stack adds its records) ` +
        'or check dns.zone in the topology and which account your AWS credentials select',
    );
  }
  if (candidates.length > 1) {
    throw new HostedZoneNotFoundError(
      zone,
      'DNS_ZONE_AMBIGUOUS',
      `${candidates.length} public hosted zones are named ${wanted} (${candidates.map((z) => bareId(z.Id ?? '?')).join(', ')}); ` +
        'delete the unused ones so fedgate knows which one devices resolve',
    );
  }
  const found = candidates[0]!;
  return { id: bareId(found.Id ?? ''), name: found.Name ?? wanted };
}

/**
 * Record sets at exactly `name`. Route53 lists a zone sorted by name, so listing starts at `name` and stops at
 * the first other name instead of reading the whole zone; pages follow NextRecordName/Type/Identifier.
 */
export async function listRecordSetsAt(session: Route53Session, hostedZoneId: string, name: string): Promise<ResourceRecordSet[]> {
  const wanted = normalizeName(name);
  const found: ResourceRecordSet[] = [];
  let next: RecordPage | undefined = { StartRecordName: name };
  while (next !== undefined) {
    const page: RecordPage = next;
    const res: ListResourceRecordSetsCommandOutput = await session.call(
      'ListResourceRecordSets',
      (c) => c.send(new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, ...page })),
      { idempotent: true },
    );
    const sets = res.ResourceRecordSets ?? [];
    const here = sets.filter((r) => normalizeName(r.Name ?? '') === wanted);
    found.push(...here);
    // Stop as soon as the listing has moved past the name, or says its next page starts at another name.
    const passed = here.length < sets.length || normalizeName(res.NextRecordName ?? '') !== wanted;
    next =
      res.IsTruncated === true && !passed && res.NextRecordName !== undefined
        ? { StartRecordName: res.NextRecordName, StartRecordType: res.NextRecordType, StartRecordIdentifier: res.NextRecordIdentifier }
        : undefined;
  }
  return found;
}

interface RecordPage {
  readonly StartRecordName: string;
  readonly StartRecordType?: RRType;
  readonly StartRecordIdentifier?: string;
}

/**
 * Every page of ListHealthChecks, keeping the checks tagged for this topology's steered name (their tags are read
 * ten checks per request) and those a record at the name points at.
 */
export async function listHealthChecks(
  session: Route53Session,
  desired: Pick<DesiredDnsState, 'topology' | 'recordName'>,
  referenced: ReadonlySet<string>,
): Promise<KnownHealthCheck[]> {
  const all: HealthCheck[] = [];
  let marker: string | undefined;
  do {
    const page = marker;
    const res = await session.call(
      'ListHealthChecks',
      (c) => c.send(new ListHealthChecksCommand({ ...(page === undefined ? {} : { Marker: page }), MaxItems: 1000 })),
      { idempotent: true },
    );
    all.push(...(res.HealthChecks ?? []).filter((hc) => hc.Id !== undefined));
    marker = res.IsTruncated === true ? res.NextMarker : undefined;
  } while (marker !== undefined);

  const tags = new Map<string, Record<string, string>>();
  for (let i = 0; i < all.length; i += TAG_BATCH) {
    const ids = all.slice(i, i + TAG_BATCH).map((hc) => hc.Id!);
    const res = await session.call('ListTagsForResources', (c) => c.send(new ListTagsForResourcesCommand({ ResourceType: 'healthcheck', ResourceIds: ids })), {
      idempotent: true,
    });
    for (const set of res.ResourceTagSets ?? []) {
      tags.set(set.ResourceId ?? '', Object.fromEntries((set.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])));
    }
  }

  return all.flatMap((hc): KnownHealthCheck[] => {
    const gateway = taggedGateway(tags.get(hc.Id!) ?? {}, desired.topology, desired.recordName);
    if (gateway === undefined && !referenced.has(hc.Id!)) return [];
    return [{ id: hc.Id!, gateway, version: hc.HealthCheckVersion ?? 1, config: hc.HealthCheckConfig ?? { Type: undefined } }];
  });
}

/**
 * Test support: the part of a Route53 account `fedgate dns` reads and drains, in memory, with the real service's
 * rules where they matter (name order and paging of record listings, health check versions, two checks per
 * ListHealthChecks page so paging is exercised, tags per resource). Served at the SDK boundary by FakeRoute53 and
 * on the wire by Route53Endpoint, so both stand-ins answer from the same account.
 */
import type {
  HealthCheck,
  HealthCheckObservation,
  HostedZone,
  ListResourceRecordSetsRequest,
  ResourceRecordSet,
  TestDNSAnswerResponse,
  UpdateHealthCheckRequest,
} from '@aws-sdk/client-route-53';

/** A failure the account answers with, as Route53 would (code, message, HTTP status). */
export interface Route53Failure {
  readonly code: string;
  readonly message: string;
  readonly status: number;
}

export class Route53Account {
  zones: HostedZone[] = [{ Id: '/hostedzone/ZACME', Name: 'acme.example.com.', CallerReference: 'zone', Config: { PrivateZone: false } }];
  records: ResourceRecordSet[] = [];
  healthChecks: HealthCheck[] = [];
  tags = new Map<string, Record<string, string>>();
  /** Observations per check; absent → every checker reports success. */
  observations = new Map<string, HealthCheckObservation[]>();
  /** Records per ListResourceRecordSets page. */
  pageSize = 100;
  testAnswer: Omit<TestDNSAnswerResponse, '$metadata'> | undefined;
  private failures = new Map<string, unknown[]>();

  healthCheck(id: string): HealthCheck {
    const hc = this.healthChecks.find((h) => h.Id === id);
    if (hc === undefined) throw new Error(`fake: no health check ${id}`);
    return hc;
  }

  /** All checkers of `id` report this status line. */
  setCheckers(id: string, status: string, count = 8): void {
    this.observations.set(
      id,
      Array.from({ length: count }, (_, i) => ({
        Region: 'us-east-1',
        IPAddress: `15.177.0.${i}`,
        StatusReport: { Status: status, CheckedTime: new Date(0) },
      })),
    );
  }

  /**
   * The next calls of `operation` fail with these, one per call, before the account answers again: a Route53Failure
   * (served as Route53's error by either stand-in) or, at the SDK boundary only, any error to throw as is.
   */
  fail(operation: string, ...failures: unknown[]): void {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), ...failures]);
  }

  /** The queued failure of `operation`, if any (consumed). */
  takeFailure(operation: string): unknown {
    return this.failures.get(operation)?.shift();
  }

  listHostedZonesByName(dnsName: string | undefined) {
    return { HostedZones: structuredClone(this.zones.filter((z) => (z.Name ?? '') >= (dnsName ?? ''))), IsTruncated: false, MaxItems: 100 };
  }

  listRecords(input: ListResourceRecordSetsRequest) {
    const key = (r: { name: string; type?: string | undefined; id?: string | undefined }) => [reversed(r.name), r.type ?? '', r.id ?? ''];
    const sorted = [...this.records].sort((a, b) =>
      compareKeys(key({ name: a.Name!, type: a.Type, id: a.SetIdentifier }), key({ name: b.Name!, type: b.Type, id: b.SetIdentifier })),
    );
    const start = key({ name: canonical(input.StartRecordName ?? ''), type: input.StartRecordType, id: input.StartRecordIdentifier });
    const from = sorted.filter((r) => compareKeys(key({ name: r.Name!, type: r.Type, id: r.SetIdentifier }), start) >= 0);
    const page = from.slice(0, this.pageSize);
    const next = from[this.pageSize];
    return {
      ResourceRecordSets: structuredClone(page),
      IsTruncated: next !== undefined,
      MaxItems: this.pageSize,
      ...(next === undefined ? {} : { NextRecordName: next.Name, NextRecordType: next.Type, NextRecordIdentifier: next.SetIdentifier }),
    };
  }

  listHealthChecks(marker: string | undefined) {
    const start = marker === undefined ? 0 : Number(marker);
    const page = this.healthChecks.slice(start, start + 2);
    const more = start + 2 < this.healthChecks.length;
    return { HealthChecks: structuredClone(page), IsTruncated: more, ...(more ? { NextMarker: String(start + 2) } : {}), MaxItems: 2 };
  }

  listTags(
    resourceType: string | undefined,
    ids: readonly string[],
  ): { ResourceTagSets: { ResourceType: string; ResourceId: string; Tags: { Key: string; Value: string }[] }[] } {
    if (ids.length > 10) throw new Error('fake: ListTagsForResources takes at most 10 ids');
    return {
      ResourceTagSets: ids.map((id) => ({
        ResourceType: resourceType ?? 'healthcheck',
        ResourceId: id,
        Tags: Object.entries(this.tags.get(id) ?? {}).map(([Key, Value]) => ({ Key, Value })),
      })),
    };
  }

  /** Route53's UpdateHealthCheck: a stale version is refused; otherwise the fields given change and the version grows. */
  updateHealthCheck(input: UpdateHealthCheckRequest): HealthCheck | Route53Failure {
    const hc = this.healthChecks.find((h) => h.Id === input.HealthCheckId);
    if (hc === undefined) return { code: 'NoSuchHealthCheck', message: `No health check with ID ${input.HealthCheckId}`, status: 404 };
    if (input.HealthCheckVersion !== undefined && input.HealthCheckVersion !== hc.HealthCheckVersion) {
      return {
        code: 'HealthCheckVersionMismatch',
        message: "The value of HealthCheckVersion in the request doesn't match the value of HealthCheckVersion in the health check.",
        status: 409,
      };
    }
    const { HealthCheckId: _id, HealthCheckVersion: _v, ...fields } = input;
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    hc.HealthCheckConfig = { ...hc.HealthCheckConfig!, ...defined } as HealthCheck['HealthCheckConfig'];
    hc.HealthCheckVersion = (hc.HealthCheckVersion ?? 1) + 1;
    return structuredClone(hc);
  }

  healthCheckStatus(id: string): HealthCheckObservation[] {
    this.healthCheck(id);
    if (!this.observations.has(id)) this.setCheckers(id, 'Success: HTTP Status Code 200, OK');
    return structuredClone(this.observations.get(id)!);
  }
}

export function canonical(name: string): string {
  return name.toLowerCase().endsWith('.') ? name.toLowerCase() : `${name.toLowerCase()}.`;
}

function reversed(name: string): string {
  return name.replace(/\.$/, '').split('.').reverse().join('.');
}

function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

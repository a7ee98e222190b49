import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateHealthCheckCommand,
  DeleteHealthCheckCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  HealthCheckInUse,
  HealthCheckVersionMismatch,
  InvalidChangeBatch,
  ListHealthChecksCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  NoSuchHealthCheck,
  Route53Client,
  type Change,
  type ChangeTagsForResourceRequest,
  type CreateHealthCheckRequest,
  type HealthCheck,
  type HealthCheckObservation,
  type HostedZone,
  type ListResourceRecordSetsRequest,
  type ResourceRecordSet,
  type UpdateHealthCheckRequest,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

const meta = { httpStatusCode: 400, requestId: 'fake-request' };

/**
 * An in-memory Route53 account behind aws-sdk-client-mock: enough of the real service's rules (name
 * normalisation, CREATE/DELETE validation, CNAME exclusivity, health check versions and references,
 * PENDING → INSYNC changes) that a second apply reads exactly what the first one wrote.
 */
export class FakeRoute53 {
  readonly mock: AwsClientStub<Route53Client>;
  zones: HostedZone[] = [{ Id: '/hostedzone/ZACME', Name: 'acme.example.com.', CallerReference: 'zone', Config: { PrivateZone: false } }];
  records: ResourceRecordSet[] = [];
  healthChecks: HealthCheck[] = [];
  tags = new Map<string, ChangeTagsForResourceRequest['AddTags']>();
  /** Observations GetHealthCheckStatus returns per check; absent → every checker reports success. */
  observations = new Map<string, HealthCheckObservation[]>();
  /** GetChange polls that answer PENDING before INSYNC (ChangeResourceRecordSets itself answers PENDING). */
  pendingPolls = 1;
  /** Records per ListResourceRecordSets page. */
  pageSize = 100;
  /** Answer INSYNC straight from ChangeResourceRecordSets (for callers that cannot skip the poll delay). */
  insyncOnSubmit = false;
  private failures = new Map<string, unknown[]>();
  private changes = new Map<string, number>();
  private seq = 0;

  constructor() {
    this.mock = mockClient(Route53Client);
    this.install();
  }

  restore(): void {
    this.mock.restore();
  }

  /** A client the code under test can use; its send is the mock's. */
  client(): Route53Client {
    return new Route53Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  }

  healthCheck(id: string): HealthCheck {
    const hc = this.healthChecks.find((h) => h.Id === id);
    if (hc === undefined) throw new Error(`fake: no health check ${id}`);
    return hc;
  }

  /** All checkers of `id` report this status line. */
  setCheckers(id: string, status: string, count = 8): void {
    this.observations.set(
      id,
      Array.from({ length: count }, (_, i) => ({ Region: 'us-east-1', IPAddress: `15.177.0.${i}`, StatusReport: { Status: status, CheckedTime: new Date(0) } })),
    );
  }

  /** Makes the next calls of `operation` throw these errors, one per call, before the fake answers again. */
  fail(operation: string, ...errors: unknown[]): void {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), ...errors]);
  }

  private guard<I>(operation: string, answer: (input: I) => unknown): (input: I) => unknown {
    return (input) => {
      const queued = this.failures.get(operation);
      if (queued !== undefined && queued.length > 0) throw queued.shift();
      return answer(input);
    };
  }

  private install(): void {
    const m = this.mock;
    m.on(ListHostedZonesByNameCommand).callsFake(
      this.guard('ListHostedZonesByName', (input: { DNSName?: string }) => ({
        HostedZones: this.zones.filter((z) => (z.Name ?? '') >= (input.DNSName ?? '')),
        IsTruncated: false,
        MaxItems: 100,
      })),
    );
    m.on(ListResourceRecordSetsCommand).callsFake(this.guard('ListResourceRecordSets', (input: ListResourceRecordSetsRequest) => this.listRecords(input)));
    m.on(ListHealthChecksCommand).callsFake(
      this.guard('ListHealthChecks', (input: { Marker?: string }) => {
        // Two checks per page, so fedgate has to follow NextMarker.
        const start = input.Marker === undefined ? 0 : Number(input.Marker);
        const page = this.healthChecks.slice(start, start + 2);
        const more = start + 2 < this.healthChecks.length;
        return { HealthChecks: structuredClone(page), IsTruncated: more, Marker: input.Marker, ...(more ? { NextMarker: String(start + 2) } : {}), MaxItems: 2 };
      }),
    );
    m.on(CreateHealthCheckCommand).callsFake(
      this.guard('CreateHealthCheck', (input: CreateHealthCheckRequest) => {
        const existing = this.healthChecks.find((h) => h.CallerReference === input.CallerReference);
        if (existing !== undefined) return { HealthCheck: structuredClone(existing), Location: '' };
        const hc: HealthCheck = {
          Id: `hc-${++this.seq}`,
          CallerReference: input.CallerReference,
          HealthCheckConfig: { Inverted: false, Disabled: false, MeasureLatency: false, EnableSNI: false, ...structuredClone(input.HealthCheckConfig!) },
          HealthCheckVersion: 1,
        };
        this.healthChecks.push(hc);
        return { HealthCheck: structuredClone(hc), Location: `https://route53.amazonaws.com/2013-04-01/healthcheck/${hc.Id}` };
      }),
    );
    m.on(ChangeTagsForResourceCommand).callsFake(
      this.guard('ChangeTagsForResource', (input: ChangeTagsForResourceRequest) => {
        this.tags.set(input.ResourceId ?? '', input.AddTags);
        return {};
      }),
    );
    m.on(UpdateHealthCheckCommand).callsFake(
      this.guard('UpdateHealthCheck', (input: UpdateHealthCheckRequest) => {
        const hc = this.healthChecks.find((h) => h.Id === input.HealthCheckId);
        if (hc === undefined) throw new NoSuchHealthCheck({ $metadata: meta, message: `No health check with ID ${input.HealthCheckId}` });
        if (input.HealthCheckVersion !== undefined && input.HealthCheckVersion !== hc.HealthCheckVersion) {
          throw new HealthCheckVersionMismatch({ $metadata: meta, message: 'version mismatch' });
        }
        const { HealthCheckId: _id, HealthCheckVersion: _v, ...fields } = input;
        hc.HealthCheckConfig = { ...hc.HealthCheckConfig!, ...fields } as HealthCheck['HealthCheckConfig'];
        hc.HealthCheckVersion = (hc.HealthCheckVersion ?? 1) + 1;
        return { HealthCheck: structuredClone(hc) };
      }),
    );
    m.on(DeleteHealthCheckCommand).callsFake(
      this.guard('DeleteHealthCheck', (input: { HealthCheckId?: string }) => {
        if (!this.healthChecks.some((h) => h.Id === input.HealthCheckId)) {
          throw new NoSuchHealthCheck({ $metadata: meta, message: `No health check with ID ${input.HealthCheckId}` });
        }
        if (this.records.some((r) => r.HealthCheckId === input.HealthCheckId)) {
          throw new HealthCheckInUse({ $metadata: meta, message: `health check ${input.HealthCheckId} is still referenced` });
        }
        this.healthChecks = this.healthChecks.filter((h) => h.Id !== input.HealthCheckId);
        return {};
      }),
    );
    m.on(ChangeResourceRecordSetsCommand).callsFake(
      this.guard('ChangeResourceRecordSets', (input: { ChangeBatch?: { Changes?: Change[] } }) => {
        this.applyChanges(input.ChangeBatch?.Changes ?? []);
        const id = `C${++this.seq}`;
        this.changes.set(id, this.pendingPolls);
        const status = this.insyncOnSubmit ? 'INSYNC' : 'PENDING';
        return { ChangeInfo: { Id: `/change/${id}`, Status: status, SubmittedAt: new Date(0) } };
      }),
    );
    m.on(GetChangeCommand).callsFake(
      this.guard('GetChange', (input: { Id?: string }) => {
        const id = (input.Id ?? '').replace(/^\/change\//, '');
        const left = this.changes.get(id) ?? 0;
        this.changes.set(id, Math.max(0, left - 1));
        return { ChangeInfo: { Id: `/change/${id}`, Status: left > 0 ? 'PENDING' : 'INSYNC', SubmittedAt: new Date(0) } };
      }),
    );
    m.on(GetHealthCheckStatusCommand).callsFake(
      this.guard('GetHealthCheckStatus', (input: { HealthCheckId?: string }) => {
        const id = input.HealthCheckId ?? '';
        this.healthCheck(id);
        if (!this.observations.has(id)) this.setCheckers(id, 'Success: HTTP Status Code 200, OK');
        return { HealthCheckObservations: structuredClone(this.observations.get(id)) };
      }),
    );
  }

  private listRecords(input: ListResourceRecordSetsRequest) {
    const key = (r: { name: string; type?: string; id?: string }) => [reversed(r.name), r.type ?? '', r.id ?? ''];
    const sorted = [...this.records].sort((a, b) => compareKeys(key({ name: a.Name!, type: a.Type, id: a.SetIdentifier }), key({ name: b.Name!, type: b.Type, id: b.SetIdentifier })));
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

  /** Atomic like Route53: every change is checked against the state the previous ones left, or none applies. */
  private applyChanges(changes: Change[]): void {
    let records = structuredClone(this.records);
    const problems: string[] = [];
    const same = (a: ResourceRecordSet, b: ResourceRecordSet) => a.Name === b.Name && a.Type === b.Type && a.SetIdentifier === b.SetIdentifier;
    for (const change of changes) {
      const rrs = stored(change.ResourceRecordSet!);
      if (rrs.HealthCheckId !== undefined && !this.healthChecks.some((h) => h.Id === rrs.HealthCheckId)) {
        problems.push(`health check ${rrs.HealthCheckId} does not exist`);
      }
      const found = records.find((r) => same(r, rrs));
      if (change.Action === 'CREATE') {
        if (found) problems.push(`Tried to create resource record set [name='${rrs.Name}', type='${rrs.Type}', set-identifier='${rrs.SetIdentifier}'] but it already exists`);
        else records.push(rrs);
      } else if (change.Action === 'DELETE') {
        if (!found || JSON.stringify(found) !== JSON.stringify(rrs)) problems.push(`Tried to delete resource record set [name='${rrs.Name}', type='${rrs.Type}'] but the values provided do not match the current values`);
        else records = records.filter((r) => r !== found);
      } else {
        records = [...records.filter((r) => !same(r, rrs)), rrs];
      }
    }
    const byName = new Map<string, ResourceRecordSet[]>();
    for (const r of records) byName.set(r.Name!, [...(byName.get(r.Name!) ?? []), r]);
    for (const [name, sets] of byName) {
      if (sets.some((r) => r.Type === 'CNAME') && sets.some((r) => r.Type !== 'CNAME')) problems.push(`RRSet of type CNAME with DNS name ${name} is not permitted as it conflicts with other records with the same DNS name`);
    }
    if (problems.length > 0) throw new InvalidChangeBatch({ $metadata: meta, message: problems.join('; '), messages: problems });
    this.records = records;
  }
}

/** How Route53 stores a record set: lower-case absolute names, alias targets with the trailing dot. */
function stored(rrs: ResourceRecordSet): ResourceRecordSet {
  const copy = structuredClone(rrs);
  copy.Name = canonical(copy.Name ?? '');
  if (copy.AliasTarget) copy.AliasTarget.DNSName = canonical(copy.AliasTarget.DNSName ?? '');
  return copy;
}

function canonical(name: string): string {
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

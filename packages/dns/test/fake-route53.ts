/** Test support: a Route53Account served at the SDK boundary (aws-sdk-client-mock stubs every Route53Client). */
import {
  GetHealthCheckStatusCommand,
  ListHealthChecksCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourcesCommand,
  Route53Client,
  Route53ServiceException,
  TestDNSAnswerCommand,
  UpdateHealthCheckCommand,
  type ListResourceRecordSetsRequest,
  type UpdateHealthCheckRequest,
} from '@aws-sdk/client-route-53';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { Route53Account, type Route53Failure } from './route53-account.ts';

export class FakeRoute53 {
  readonly mock: AwsClientStub<Route53Client>;

  constructor(readonly account: Route53Account = new Route53Account()) {
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

  private install(): void {
    const a = this.account;
    const answer =
      <I>(operation: string, body: (input: I) => unknown) =>
      (input: I) => {
        const failure = a.takeFailure(operation);
        if (failure !== undefined) throw isFailure(failure) ? serviceError(failure) : failure;
        const out = body(input);
        if (isFailure(out)) throw serviceError(out);
        return out;
      };
    this.mock.on(ListHostedZonesByNameCommand).callsFake(answer('ListHostedZonesByName', (i: { DNSName?: string }) => a.listHostedZonesByName(i.DNSName)));
    this.mock.on(ListResourceRecordSetsCommand).callsFake(answer('ListResourceRecordSets', (i: ListResourceRecordSetsRequest) => a.listRecords(i)));
    this.mock.on(ListHealthChecksCommand).callsFake(answer('ListHealthChecks', (i: { Marker?: string }) => a.listHealthChecks(i.Marker)));
    this.mock
      .on(ListTagsForResourcesCommand)
      .callsFake(answer('ListTagsForResources', (i: { ResourceType?: string; ResourceIds?: string[] }) => a.listTags(i.ResourceType, i.ResourceIds ?? [])));
    this.mock.on(UpdateHealthCheckCommand).callsFake(
      answer('UpdateHealthCheck', (i: UpdateHealthCheckRequest) => {
        const out = a.updateHealthCheck(i);
        return isFailure(out) ? out : { HealthCheck: out };
      }),
    );
    this.mock
      .on(GetHealthCheckStatusCommand)
      .callsFake(answer('GetHealthCheckStatus', (i: { HealthCheckId?: string }) => ({ HealthCheckObservations: a.healthCheckStatus(i.HealthCheckId ?? '') })));
    this.mock.on(TestDNSAnswerCommand).callsFake(
      answer('TestDNSAnswer', () => {
        if (a.testAnswer === undefined) throw new Error('fake: no TestDNSAnswer set');
        return a.testAnswer;
      }),
    );
  }
}

export function isFailure(value: unknown): value is Route53Failure {
  return typeof value === 'object' && value !== null && 'code' in value && 'status' in value && 'message' in value;
}

/** What the SDK throws for a Route53 error response: the code as `name`, with the HTTP status in `$metadata`. */
export function serviceError(failure: Route53Failure): Route53ServiceException {
  return new Route53ServiceException({
    name: failure.code,
    $fault: failure.status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: failure.status, requestId: 'fake-request' },
    message: failure.message,
  });
}

import assert from 'node:assert/strict';
import {
  InvalidChangeBatch,
  ListHostedZonesByNameCommand,
  PriorRequestNotComplete,
  Route53ServiceException,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import type { Topology } from '@fedgate/topology';
import {
  DEFAULT_RETRY_POLICY,
  DnsConfigError,
  DnsError,
  HostedZoneNotFoundError,
  Route53Error,
  backoffDelayMs,
  dnsStatus,
  drainGateway,
  normalizeDnsOptions,
  planDns,
  retryReason,
} from '../src/index.ts';
import { DnsHarness, exampleTopology } from './dns-harness.ts';

function awsError(name: string, message: string, httpStatusCode = 400): Route53ServiceException {
  return new Route53ServiceException({
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, requestId: 'req-42' },
    message,
  });
}

const throttled = () => awsError('Throttling', 'Rate exceeded');

describe('dns backoff (pure)', () => {
  const policy = { baseDelayMs: 500, maxDelayMs: 20_000 };

  it('backoff - doubles the ceiling per retry and takes half of it plus a jittered share of the rest', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, () => 0)),
      [250, 500, 1000, 2000],
    );
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, () => 0.999999)),
      [500, 1000, 2000, 4000],
    );
    assert.equal(
      backoffDelayMs(3, policy, () => 0.5),
      1500,
    );
  });

  it('backoff - is capped at maxDelayMs and never zero', () => {
    assert.equal(
      backoffDelayMs(30, policy, () => 0.999999),
      20_000,
    );
    assert.equal(
      backoffDelayMs(30, policy, () => 0),
      10_000,
    );
    assert.ok(backoffDelayMs(1, { baseDelayMs: 1, maxDelayMs: 1 }, () => 0) > 0);
  });

  it('retryReason - retries throttling always, server and network failures only for idempotent requests', () => {
    assert.equal(retryReason(throttled(), { idempotent: false }), 'Throttling');
    assert.equal(retryReason(new PriorRequestNotComplete({ $metadata: {}, message: 'busy' }), { idempotent: false }), 'PriorRequestNotComplete');
    assert.equal(retryReason(awsError('InternalFailure', 'oops', 500), { idempotent: false }), undefined);
    assert.equal(retryReason(awsError('InternalFailure', 'oops', 500), { idempotent: true }), 'InternalFailure');
    assert.equal(retryReason(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), { idempotent: true }), 'ECONNRESET');
    assert.equal(retryReason(new InvalidChangeBatch({ $metadata: {}, message: 'bad' }), { idempotent: true }), undefined);
    assert.equal(retryReason(awsError('AccessDenied', 'no', 403), { idempotent: true }), undefined);
  });

  it('options - a value out of range names the field, the range and the value', () => {
    assert.throws(
      () => normalizeDnsOptions({ client: {} as never, retry: { maxAttempts: 0 } }),
      (err: unknown) => {
        assert.ok(err instanceof DnsConfigError);
        assert.equal(err.code, 'DNS_INVALID_OPTION');
        assert.equal(err.message, 'retry.maxAttempts must be an integer from 1 to 20, got 0');
        return true;
      },
    );
  });
});

describe('dns retries and errors at the SDK boundary', () => {
  let h: DnsHarness;
  let acme: Topology;

  beforeEach(async () => {
    acme = await exampleTopology();
    h = new DnsHarness(acme);
  });
  afterEach(() => h.restore());

  it('retry - Throttling on ListHealthChecks is retried with backoff and jitter, then succeeds', async () => {
    h.account.fail('ListHealthChecks', throttled(), throttled());
    const random = [0.1, 0.9];

    const report = await dnsStatus(acme, h.options({ random: () => random.shift() ?? 0 }));

    assert.equal(report.ok, true);
    const retries = h.events.filter((e) => e.type === 'retry');
    assert.deepEqual(retries, [
      { type: 'retry', operation: 'ListHealthChecks', reason: 'Throttling', attempt: 2, maxAttempts: 8, delayMs: 275 },
      { type: 'retry', operation: 'ListHealthChecks', reason: 'Throttling', attempt: 3, maxAttempts: 8, delayMs: 950 },
    ]);
    assert.deepEqual(h.sleeps, [275, 950]);
  });

  it('retry - PriorRequestNotComplete on a drain is retried until Route53 takes it', async () => {
    h.account.fail(
      'UpdateHealthCheck',
      new PriorRequestNotComplete({
        $metadata: { httpStatusCode: 400 },
        message: 'The request was rejected because Route 53 was still processing a prior request.',
      }),
    );

    const result = await drainGateway(acme, 'us', h.options());

    assert.equal(result.changed, true);
    assert.equal(h.fake.mock.commandCalls(UpdateHealthCheckCommand).length, 2);
    assert.equal(h.account.healthCheck(result.healthCheckId).HealthCheckConfig!.Disabled, true);
  });

  it('retry - gives up after maxAttempts with a Route53Error that keeps the code and counts the attempts', async () => {
    h.account.fail('ListHostedZonesByName', throttled(), throttled(), throttled());

    await assert.rejects(dnsStatus(acme, h.options({ retry: { maxAttempts: 3 } })), (err: unknown) => {
      assert.ok(err instanceof Route53Error);
      assert.equal(err.code, 'DNS_AWS_REQUEST_FAILED');
      assert.equal(err.awsCode, 'Throttling');
      assert.equal(err.attempts, 3);
      assert.equal(err.message, 'Route53 ListHostedZonesByName failed (after 3 attempts): Throttling: Rate exceeded (request req-42)');
      return true;
    });
    assert.equal(h.fake.mock.commandCalls(ListHostedZonesByNameCommand).length, 3);
    assert.equal(h.sleeps.length, 2);
  });

  it('errors - AccessDenied surfaces as a Route53Error naming the operation and the AWS code, not retried', async () => {
    const denied = awsError('AccessDenied', 'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: route53:ListHostedZonesByName', 403);
    h.account.fail('ListHostedZonesByName', denied);

    await assert.rejects(dnsStatus(acme, h.options()), (err: unknown) => {
      assert.ok(err instanceof Route53Error && err instanceof DnsError);
      assert.equal(err.name, 'Route53Error');
      assert.equal(err.code, 'DNS_AWS_REQUEST_FAILED');
      assert.equal(err.awsCode, 'AccessDenied');
      assert.equal(err.httpStatusCode, 403);
      assert.equal(err.cause, denied);
      assert.match(err.message, /^Route53 ListHostedZonesByName failed: AccessDenied: User: .* is not authorized/);
      return true;
    });
    assert.equal(h.fake.mock.commandCalls(ListHostedZonesByNameCommand).length, 1);
  });

  it('errors - missing AWS credentials say where the SDK looks for them', async () => {
    h.account.fail('ListHostedZonesByName', Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));

    await assert.rejects(dnsStatus(acme, h.options()), (err: unknown) => {
      assert.ok(err instanceof Route53Error);
      assert.equal(err.code, 'DNS_AWS_CREDENTIALS');
      assert.match(err.message, /no AWS credentials found .*AWS_PROFILE/);
      return true;
    });
  });

  it('errors - a missing hosted zone is a HostedZoneNotFoundError naming the zone', async () => {
    h.account.zones = [{ Id: '/hostedzone/ZOTHER', Name: 'other.example.com.', CallerReference: 'x' }];

    await assert.rejects(dnsStatus(acme, h.options()), (err: unknown) => {
      assert.ok(err instanceof HostedZoneNotFoundError);
      assert.equal(err.code, 'DNS_ZONE_NOT_FOUND');
      assert.equal(err.zone, 'acme.example.com');
      assert.match(err.message, /no Route53 hosted zone named acme\.example\.com\./);
      return true;
    });
  });

  it('errors - a public zone wins over a private zone of the same name', async () => {
    h.account.zones = [
      { Id: '/hostedzone/ZPRIVATE', Name: 'acme.example.com.', CallerReference: 'p', Config: { PrivateZone: true } },
      { Id: '/hostedzone/ZACME', Name: 'acme.example.com.', CallerReference: 'z', Config: { PrivateZone: false } },
    ];

    const plan = await planDns(acme, h.options());
    assert.equal(plan.hostedZoneId, 'ZACME');
  });

  it('defaults - retry policy rides out about 40 s of throttling', () => {
    const total = Array.from({ length: DEFAULT_RETRY_POLICY.maxAttempts - 1 }, (_, i) => backoffDelayMs(i + 1, DEFAULT_RETRY_POLICY, () => 0.5)).reduce(
      (a, b) => a + b,
      0,
    );
    assert.ok(total > 30_000 && total < 60_000, `${total} ms`);
  });
});

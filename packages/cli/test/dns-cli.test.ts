import assert from 'node:assert/strict';
import { UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import { loadTopology, type Topology } from '@fedgate/topology';
import { EXAMPLE_FILE } from '../../dns/test/dns-harness.ts';
import { accountAfterDnsStack } from '../../dns/test/dns-stack-zone.ts';
import { FakeRoute53 } from '../../dns/test/fake-route53.ts';
import { Route53Endpoint } from '../../dns/test/route53-endpoint.ts';
import type { Route53Account } from '../../dns/test/route53-account.ts';
import { main } from '../src/main.ts';

/** Runs the CLI in-process and captures what it prints. */
async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

function checkOf(account: Route53Account, gateway: string): string {
  return [...account.tags].find(([, tags]) => tags['fedgate:gateway'] === gateway)![0];
}

describe('cli - fedgate dns at the SDK boundary (zone as the DNS stack leaves it)', () => {
  let fake: FakeRoute53;
  let acme: Topology;

  beforeEach(async () => {
    acme = (await loadTopology(EXAMPLE_FILE)).topology;
    fake = new FakeRoute53(accountAfterDnsStack(acme));
  });
  afterEach(() => fake.restore());

  it("dns has no apply: Terraform's DNS stack owns the records and checks", async () => {
    const { code, stderr } = await run(['dns', 'apply', '-f', EXAMPLE_FILE]);
    assert.equal(code, 2);
    assert.match(stderr, /Unknown arguments?: .*apply/);
  });

  it('dns plan --json reports the zone in sync and changes nothing', async () => {
    const { code, stdout } = await run(['dns', 'plan', '-f', EXAMPLE_FILE, '--json']);
    assert.equal(code, 0);
    const { plan } = JSON.parse(stdout);
    assert.deepEqual([plan.inSync, plan.differences], [true, []]);
    assert.equal(fake.mock.commandCalls(UpdateHealthCheckCommand).length, 0);
  });

  it('dns plan names a difference and says the DNS stack fixes it', async () => {
    fake.account.records = fake.account.records.filter((r) => r.SetIdentifier !== 'ap-southeast-1');
    const { code, stdout } = await run(['dns', 'plan', '-f', EXAMPLE_FILE]);
    assert.equal(code, 0);
    assert.match(stdout, /~ record-missing: ap \(ap-southeast-1\) has no latency record at mqtt\.acme\.example\.com\./);
    assert.match(stdout, /apply the DNS stack to fix them/);
  });

  it('dns status exits 1 and says Route53 fails open when every region is unhealthy', async () => {
    for (const gw of ['us', 'eu', 'ap']) fake.account.setCheckers(checkOf(fake.account, gw), 'Failure: Connection timed out.');
    const { code, stdout } = await run(['dns', 'status', '-f', EXAMPLE_FILE]);
    assert.equal(code, 1);
    assert.match(stdout, /! FAIL_OPEN: every region of mqtt\.acme\.example\.com\. is unhealthy or drained: Route53 fails open/);
  });

  it('dns drain of an unknown gateway exits 2 and lists the gateways', async () => {
    const { code, stderr } = await run(['dns', 'drain', 'moon', '-f', EXAMPLE_FILE]);
    assert.equal(code, 2);
    assert.match(stderr, /no gateway named "moon" in topology acme; gateways: us, eu, ap/);
  });

  it('an AWS error exits 1 with the AWS code, and with --json as a typed error', async () => {
    const denied = { code: 'AccessDenied', message: 'not authorized to perform: route53:ListHostedZonesByName', status: 403 };
    fake.account.fail('ListHostedZonesByName', denied, denied);
    const text = await run(['dns', 'status', '-f', EXAMPLE_FILE]);
    assert.equal(text.code, 1);
    assert.match(text.stderr, /fedgate: Route53 ListHostedZonesByName failed: AccessDenied: not authorized/);
    const json = await run(['dns', 'status', '-f', EXAMPLE_FILE, '--json']);
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.stdout).error, {
      code: 'DNS_AWS_REQUEST_FAILED',
      kind: 'runtime',
      message: 'Route53 ListHostedZonesByName failed: AccessDenied: not authorized to perform: route53:ListHostedZonesByName (request fake-request)',
    });
  });

  it('dns test exits 2 for a bad subnet and requires --client-subnet', async () => {
    const bad = await run(['dns', 'test', '-f', EXAMPLE_FILE, '--client-subnet', 'nonsense']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--client-subnet must be a CIDR/);
    const missing = await run(['dns', 'test', '-f', EXAMPLE_FILE]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /client-subnet/);
  });
});

describe('cli - fedgate dns on the wire against a local Route53 endpoint (AWS_ENDPOINT_URL_ROUTE_53)', () => {
  const ENV = ['AWS_ENDPOINT_URL_ROUTE_53', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_PROFILE'] as const;
  const saved: Partial<Record<(typeof ENV)[number], string>> = {};
  let endpoint: Route53Endpoint;
  let account: Route53Account;

  beforeEach(async () => {
    account = accountAfterDnsStack((await loadTopology(EXAMPLE_FILE)).topology);
    endpoint = new Route53Endpoint(account);
    const url = await endpoint.start();
    for (const key of ENV) saved[key] = process.env[key];
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_ROUTE_53: url,
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'test-secret',
      AWS_REGION: 'us-east-1',
    });
    delete process.env.AWS_PROFILE;
  });
  afterEach(async () => {
    for (const key of ENV) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await endpoint.stop();
  });

  it('dns status is clean, dns drain us then undrain us work, and plan stays in sync throughout', async () => {
    const status = await run(['dns', 'status', '-f', EXAMPLE_FILE]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /no warnings: every region is answered by its health/);
    assert.match(status.stdout, /us\s+us-east-1\s+healthy\s+A → alias acme-us-dev-[0-9a-f]+\.elb\.us-east-1\.amazonaws\.com\./);
    assert.ok(
      endpoint.requests.some((r) => r.operation === 'ListTagsForResources'),
      'fedgate found its checks by their tags',
    );

    const drained = await run(['dns', 'drain', 'us', '-f', EXAMPLE_FILE]);
    assert.equal(drained.code, 0, drained.stderr);
    assert.match(drained.stdout, /^drained us \(us-east-1\), health check /);
    const update = endpoint.requests.find((r) => r.operation === 'UpdateHealthCheck')!;
    assert.equal(update.path, `/healthcheck/${checkOf(account, 'us')}`);
    assert.match(update.body, /<Disabled>true<\/Disabled>/);
    assert.match(update.body, /<Inverted>true<\/Inverted>/);
    assert.deepEqual(JSON.parse((await run(['dns', 'status', '-f', EXAMPLE_FILE, '--json'])).stdout).drained, ['us']);
    assert.equal(JSON.parse((await run(['dns', 'plan', '-f', EXAMPLE_FILE, '--json'])).stdout).plan.inSync, true);

    const undrained = await run(['dns', 'undrain', 'us', '-f', EXAMPLE_FILE, '--json']);
    assert.equal(undrained.code, 0, undrained.stderr);
    assert.equal(JSON.parse(undrained.stdout).changed, true);
    const after = JSON.parse((await run(['dns', 'status', '-f', EXAMPLE_FILE, '--json'])).stdout);
    assert.deepEqual([after.ok, after.drained], [true, []]);
    assert.equal(account.healthCheck(checkOf(account, 'us')).HealthCheckVersion, 3, 'two updates, each against the version it read');
  });

  it("a stale version (someone changed the check meanwhile) comes back as Route53's error and exits 1", async () => {
    account.fail('UpdateHealthCheck', { code: 'HealthCheckVersionMismatch', message: 'version mismatch', status: 409 });
    const { code, stderr } = await run(['dns', 'drain', 'eu', '-f', EXAMPLE_FILE]);
    assert.equal(code, 1);
    assert.match(stderr, /Route53 UpdateHealthCheck failed: HealthCheckVersionMismatch: version mismatch/);
  });
});

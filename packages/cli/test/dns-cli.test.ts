import assert from 'node:assert/strict';
import { ChangeResourceRecordSetsCommand, Route53ServiceException, TestDNSAnswerCommand, UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import { EXAMPLE_FILE } from '../../dns/test/dns-harness.ts';
import { FakeRoute53 } from '../../dns/test/fake-route53.ts';
import { main } from '../src/main.ts';

/** Runs the CLI in-process against the fake Route53 (mockClient stubs every Route53Client, the CLI's own too). */
async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

describe('cli - fedgate dns', () => {
  let fake: FakeRoute53;

  beforeEach(() => {
    fake = new FakeRoute53();
    // The CLI waits with real timers; an INSYNC answer at submission keeps the test from sleeping.
    fake.insyncOnSubmit = true;
  });
  afterEach(() => fake.restore());

  it('dns plan --json prints the plan and changes nothing', async () => {
    const { code, stdout } = await run(['dns', 'plan', '-f', EXAMPLE_FILE, '--json']);
    assert.equal(code, 0);
    const { plan } = JSON.parse(stdout);
    assert.equal(plan.recordName, 'mqtt.acme.example.com.');
    assert.deepEqual(plan.records.map((r: { action: string; setIdentifier: string }) => `${r.action} ${r.setIdentifier}`), ['CREATE us-east-1', 'CREATE eu-central-1', 'CREATE ap-southeast-1']);
    assert.equal(fake.healthChecks.length, 0);
  });

  it('dns apply applies with progress on stderr, and a second apply reports nothing to change', async () => {
    const first = await run(['dns', 'apply', '-f', EXAMPLE_FILE]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /\+ CREATE CNAME us-east-1 → us\.gw\.acme\.internal ttl 60, new health check of us/);
    assert.match(first.stderr, /created health check hc-1 for us/);
    assert.match(first.stderr, /change C4 in sync/);
    assert.equal(fake.records.length, 3);
    fake.mock.resetHistory();

    const second = await run(['dns', 'apply', '-f', EXAMPLE_FILE]);
    assert.equal(second.code, 0);
    assert.match(second.stdout, /in sync with the topology: nothing to change/);
    assert.equal(fake.mock.commandCalls(ChangeResourceRecordSetsCommand).length, 0);
  });

  it('dns status exits 1 and says Route53 fails open when every region is unhealthy', async () => {
    await run(['dns', 'apply', '-f', EXAMPLE_FILE]);
    for (const id of ['hc-1', 'hc-2', 'hc-3']) fake.setCheckers(id, 'Failure: Connection timed out.');

    const { code, stdout } = await run(['dns', 'status', '-f', EXAMPLE_FILE]);

    assert.equal(code, 1);
    assert.match(stdout, /! FAIL_OPEN: every region of mqtt\.acme\.example\.com\. is unhealthy or drained: Route53 fails open/);
    assert.match(stdout, /us\s+us-east-1\s+unhealthy/);
  });

  it('dns drain shows the region as drained in status; --dry-run changes nothing; undrain brings it back', async () => {
    await run(['dns', 'apply', '-f', EXAMPLE_FILE]);

    const dry = await run(['dns', 'drain', 'eu', '-f', EXAMPLE_FILE, '--dry-run']);
    assert.equal(dry.code, 0);
    assert.match(dry.stdout, /dry run: would drain eu \(eu-central-1\), health check hc-2/);
    assert.equal(fake.mock.commandCalls(UpdateHealthCheckCommand).length, 0);

    const drained = await run(['dns', 'drain', 'eu', '-f', EXAMPLE_FILE]);
    assert.equal(drained.code, 0);
    assert.match(drained.stdout, /^drained eu \(eu-central-1\)/);
    const status = await run(['dns', 'status', '-f', EXAMPLE_FILE, '--json']);
    assert.equal(status.code, 0);
    assert.deepEqual(JSON.parse(status.stdout).drained, ['eu']);

    const undrained = await run(['dns', 'undrain', 'eu', '-f', EXAMPLE_FILE, '--json']);
    assert.equal(JSON.parse(undrained.stdout).changed, true);
    assert.deepEqual(JSON.parse((await run(['dns', 'status', '-f', EXAMPLE_FILE, '--json'])).stdout).drained, []);
  });

  it('dns drain of an unknown gateway exits 2 and lists the gateways', async () => {
    const { code, stderr } = await run(['dns', 'drain', 'moon', '-f', EXAMPLE_FILE]);
    assert.equal(code, 2);
    assert.match(stderr, /no gateway named "moon" in topology acme; gateways: us, eu, ap/);
  });

  it('an AWS error exits 1 with the AWS code, and with --json as a typed error', async () => {
    const denied = () => new Route53ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'not authorized to perform: route53:ListHostedZonesByName' });
    fake.fail('ListHostedZonesByName', denied(), denied());

    const text = await run(['dns', 'status', '-f', EXAMPLE_FILE]);
    assert.equal(text.code, 1);
    assert.match(text.stderr, /fedgate: Route53 ListHostedZonesByName failed: AccessDenied: not authorized/);

    const json = await run(['dns', 'status', '-f', EXAMPLE_FILE, '--json']);
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.stdout).error, {
      name: 'Route53Error',
      code: 'DNS_AWS_REQUEST_FAILED',
      message: 'Route53 ListHostedZonesByName failed: AccessDenied: not authorized to perform: route53:ListHostedZonesByName',
    });
  });

  it('dns test names the gateway a device in the subnet is sent to; --client-subnet is required', async () => {
    fake.mock.on(TestDNSAnswerCommand).resolves({
      Nameserver: 'ns-1.awsdns-01.org', RecordName: 'mqtt.acme.example.com.', RecordType: 'CNAME',
      RecordData: ['ap.gw.acme.internal'], ResponseCode: 'NOERROR', Protocol: 'UDP',
    });

    const ok = await run(['dns', 'test', '-f', EXAMPLE_FILE, '--client-subnet', '203.0.113.0/24']);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /a device in 203\.0\.113\.0\/24 asking CNAME mqtt\.acme\.example\.com\. gets: ap\.gw\.acme\.internal → gateway ap/);

    const bad = await run(['dns', 'test', '-f', EXAMPLE_FILE, '--client-subnet', 'nonsense']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--client-subnet must be a CIDR/);

    const missing = await run(['dns', 'test', '-f', EXAMPLE_FILE]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /client-subnet/);
  });
});

import assert from 'node:assert/strict';
import { UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import type { Topology } from '@fedgate/topology';
import { DnsConfigError, DnsStateError, dnsStatus, drainGateway, planDns, regionState, testDnsAnswer, undrainGateway } from '../src/index.ts';
import { DnsHarness, exampleTopology } from './dns-harness.ts';
import { deviceLoadBalancerName } from './dns-stack-zone.ts';
import type { Route53Account } from './route53-account.ts';

const FAILING = 'Failure: HTTP Status Code 503, Service Unavailable. Resolved IP: 203.0.113.10';

/** The id of the health check the DNS stack created for `gateway`, found by its tag as fedgate finds it. */
function checkOf(account: Route53Account, gateway: string): string {
  const id = [...account.tags].find(([, tags]) => tags['fedgate:gateway'] === gateway)?.[0];
  assert.ok(id, `a health check tagged for ${gateway}`);
  return id;
}

describe('dns status against the zone as the DNS stack leaves it', () => {
  let h: DnsHarness;
  let acme: Topology;

  beforeEach(async () => {
    acme = await exampleTopology();
    h = new DnsHarness(acme);
  });
  afterEach(() => h.restore());

  it('status - every region healthy: its alias to the device NLB, its tagged health check and its checkers, no warnings', async () => {
    const report = await dnsStatus(acme, h.options());

    assert.equal(report.ok, true);
    assert.deepEqual(report.warnings, []);
    assert.equal(report.pendingChanges, 0);
    const nlb = deviceLoadBalancerName('acme', 'us', 'us-east-1');
    assert.deepEqual(
      report.regions.find((r) => r.gateway === 'us'),
      {
        gateway: 'us',
        region: 'us-east-1',
        record: { type: 'A', target: `alias ${nlb}.`, evaluateTargetHealth: true, healthCheckId: checkOf(h.account, 'us') },
        healthCheck: {
          id: checkOf(h.account, 'us'),
          ownedByFedgate: true,
          endpoint: `http://${nlb}:8080/healthz`,
          intervalSeconds: 10,
          failureThreshold: 3,
          disabled: false,
          inverted: false,
        },
        checkers: { healthy: 8, reporting: 8 },
        drained: false,
        state: 'healthy',
        inAnswers: true,
      },
    );
    assert.ok(!JSON.stringify(report).includes('gw.acme.internal'), 'private gateway names never appear in public DNS');
  });

  it('status - warns that Route53 fails open when every region is unhealthy, and then answers with all of them', async () => {
    for (const gw of ['us', 'eu', 'ap']) h.account.setCheckers(checkOf(h.account, gw), FAILING);

    const report = await dnsStatus(acme, h.options());

    assert.equal(report.failOpen, true);
    assert.equal(report.ok, false);
    assert.equal(report.warnings[0]!.code, 'FAIL_OPEN');
    assert.match(report.warnings[0]!.message, /Route53 fails open and answers with all 3 records/);
    assert.deepEqual(
      report.regions.map((r) => [r.state, r.inAnswers]),
      [
        ['unhealthy', true],
        ['unhealthy', true],
        ['unhealthy', true],
      ],
    );
  });

  it('status - one unhealthy region is reported and left out of answers', async () => {
    h.account.setCheckers(checkOf(h.account, 'ap'), FAILING);

    const report = await dnsStatus(acme, h.options());

    assert.deepEqual(
      report.warnings.map((w) => [w.code, w.gateway]),
      [['REGION_UNHEALTHY', 'ap']],
    );
    assert.match(report.warnings[0]!.message, /ap \(ap-southeast-1\) is unhealthy: Failure: HTTP Status Code 503/);
    assert.deepEqual(
      report.regions.map((r) => [r.gateway, r.inAnswers]),
      [
        ['us', true],
        ['eu', true],
        ['ap', false],
      ],
    );
  });

  it('status - a gateway the DNS stack has not reached yet (new region) is missing, and says to apply the stack', async () => {
    h.account.records = h.account.records.filter((r) => r.SetIdentifier !== 'eu-central-1');

    const report = await dnsStatus(acme, h.options());

    assert.equal(report.regions[1]!.state, 'missing');
    assert.deepEqual(
      report.warnings.map((w) => w.code),
      ['RECORD_MISSING', 'DRIFT'],
    );
    assert.match(report.warnings[0]!.message, /apply the DNS stack \(terraform\)/);
    assert.equal(report.ok, false);
  });

  it('region state - Route53 calls a check healthy above 18 % of checkers; inversion and disabling apply on top', () => {
    const check = { disabled: false, inverted: false };
    assert.equal(regionState({ hasRecord: true, check, checkers: { healthy: 1, reporting: 8 } }), 'unhealthy');
    assert.equal(regionState({ hasRecord: true, check, checkers: { healthy: 2, reporting: 8 } }), 'healthy');
    assert.equal(regionState({ hasRecord: true, check: { disabled: true, inverted: false } }), 'unchecked');
    assert.equal(regionState({ hasRecord: true, check: { disabled: true, inverted: true }, checkers: { healthy: 8, reporting: 8 } }), 'drained');
    assert.equal(regionState({ hasRecord: true, check, checkers: { healthy: 0, reporting: 0 } }), 'unknown');
    assert.equal(regionState({ hasRecord: false, check }), 'missing');
  });
});

describe("dns drain and undrain on the DNS stack's health checks", () => {
  let h: DnsHarness;
  let acme: Topology;

  beforeEach(async () => {
    acme = await exampleTopology();
    h = new DnsHarness(acme);
  });
  afterEach(() => h.restore());

  it("drain - forces the region's tagged health check unhealthy (disabled + inverted) and touches nothing else", async () => {
    const recordsBefore = structuredClone(h.account.records);
    const eu = checkOf(h.account, 'eu');

    const result = await drainGateway(acme, 'eu', h.options());

    assert.deepEqual(
      h.fake.mock.commandCalls(UpdateHealthCheckCommand).map((c) => c.args[0].input),
      [{ HealthCheckId: eu, HealthCheckVersion: 1, Disabled: true, Inverted: true }],
    );
    assert.deepEqual(result, {
      gateway: 'eu',
      region: 'eu-central-1',
      healthCheckId: eu,
      action: 'drain',
      alreadyInState: false,
      dryRun: false,
      changed: true,
      warnings: [],
    });
    assert.deepEqual(h.account.records, recordsBefore);

    const report = await dnsStatus(acme, h.options());
    assert.deepEqual(report.drained, ['eu']);
    assert.deepEqual(
      report.regions.map((r) => [r.gateway, r.state, r.inAnswers]),
      [
        ['us', 'healthy', true],
        ['eu', 'drained', false],
        ['ap', 'healthy', true],
      ],
    );
    assert.equal(report.ok, true, 'a drain is intended, not an error');
    assert.equal((await planDns(acme, h.options())).inSync, true, 'a drain is not drift: the DNS stack ignores it');
  });

  it('drain - draining a drained region sends nothing; undrain puts it back with the next version', async () => {
    await drainGateway(acme, 'eu', h.options());
    h.resetHistory();
    const again = await drainGateway(acme, 'eu', h.options());
    assert.deepEqual([again.changed, again.alreadyInState], [false, true]);
    assert.equal(h.fake.mock.commandCalls(UpdateHealthCheckCommand).length, 0);

    const result = await undrainGateway(acme, 'eu', h.options());

    assert.equal(result.changed, true);
    assert.deepEqual(
      h.fake.mock.commandCalls(UpdateHealthCheckCommand).map((c) => c.args[0].input),
      [{ HealthCheckId: checkOf(h.account, 'eu'), HealthCheckVersion: 2, Disabled: false, Inverted: false }],
    );
    const report = await dnsStatus(acme, h.options());
    assert.deepEqual(report.drained, []);
    assert.equal(report.regions[1]!.state, 'healthy');
  });

  it('drain - refuses to drain the last healthy region (Route53 would fail open) unless forced', async () => {
    h.account.setCheckers(checkOf(h.account, 'us'), FAILING);
    h.account.setCheckers(checkOf(h.account, 'ap'), FAILING);

    await assert.rejects(drainGateway(acme, 'eu', h.options()), (err: unknown) => {
      assert.ok(err instanceof DnsStateError);
      assert.equal(err.code, 'DNS_DRAIN_WOULD_FAIL_OPEN');
      assert.match(err.message, /refusing to drain eu: no region other than eu is healthy/);
      return true;
    });
    assert.equal(h.fake.mock.commandCalls(UpdateHealthCheckCommand).length, 0);

    const forced = await drainGateway(acme, 'eu', { ...h.options(), force: true });
    assert.equal(forced.changed, true);
    assert.deepEqual(
      forced.warnings.map((w) => w.code),
      ['FAIL_OPEN'],
    );
  });

  it('drain --dry-run checks everything and changes nothing', async () => {
    const result = await drainGateway(acme, 'us', { ...h.options(), dryRun: true });
    assert.deepEqual([result.changed, result.dryRun], [false, true]);
    assert.equal(h.fake.mock.commandCalls(UpdateHealthCheckCommand).length, 0);
  });

  it('drain - an unknown gateway is a DnsConfigError listing the gateways', async () => {
    await assert.rejects(drainGateway(acme, 'moon', h.options()), (err: unknown) => {
      assert.ok(err instanceof DnsConfigError);
      assert.equal(err.code, 'DNS_UNKNOWN_GATEWAY');
      assert.equal(err.message, 'no gateway named "moon" in topology acme; gateways: us, eu, ap');
      return true;
    });
  });

  it('drain - refuses a zone the DNS stack never filled, and a record steered by a check fedgate does not own', async () => {
    const records = h.account.records;
    h.account.records = [];
    await assert.rejects(
      drainGateway(acme, 'us', h.options()),
      (err: unknown) => err instanceof DnsStateError && err.code === 'DNS_NOT_APPLIED' && /apply the DNS stack/.test(err.message),
    );

    h.account.records = records;
    h.account.tags.set(checkOf(h.account, 'us'), { 'fedgate:topology': 'staging', 'fedgate:gateway': 'us', 'fedgate:record': 'mqtt.acme.example.com.' });
    await assert.rejects(drainGateway(acme, 'us', h.options()), /does not use a health check tagged for us/);
    assert.equal(h.fake.mock.commandCalls(UpdateHealthCheckCommand).length, 0);
  });
});

describe('dns plan compares the zone with what the DNS stack creates', () => {
  let h: DnsHarness;
  let acme: Topology;

  beforeEach(async () => {
    acme = await exampleTopology();
    h = new DnsHarness(acme);
  });
  afterEach(() => h.restore());

  it('plan - the zone as the DNS stack leaves it is in sync, and reading it changes nothing', async () => {
    const plan = await planDns(acme, h.options());
    assert.deepEqual(plan.differences, []);
    assert.equal(plan.inSync, true);
    const sent = new Set(h.fake.mock.calls().map((c) => c.args[0].constructor.name));
    assert.deepEqual([...sent].sort(), [
      'ListHealthChecksCommand',
      'ListHostedZonesByNameCommand',
      'ListResourceRecordSetsCommand',
      'ListTagsForResourcesCommand',
    ]);
  });

  it('plan - names the leftovers of an old fedgate-managed zone: a CNAME to a private host and a changed check', async () => {
    const us = h.account.records.find((r) => r.SetIdentifier === 'us-east-1')!;
    delete us.AliasTarget;
    Object.assign(us, { Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'us.gw.acme.internal' }] });
    h.account.healthCheck(checkOf(h.account, 'ap')).HealthCheckConfig!.Port = 9090;

    const plan = await planDns(acme, h.options());

    assert.deepEqual(
      plan.differences.map((d) => [d.kind, d.gateway]),
      [
        ['record-target', 'us'],
        ['health-check-settings', 'ap'],
      ],
    );
    assert.match(plan.differences[0]!.message, /expected an A alias to the region's device load balancer, found CNAME us\.gw\.acme\.internal/);
    assert.match(plan.differences[1]!.message, /port 9090 \(expected 8080\)/);
  });

  it('plan - a region added to the topology but not yet in the DNS stack is a missing record', async () => {
    const grown = structuredClone(acme);
    grown.gateways.push({
      ...structuredClone(acme.gateways[1]!),
      name: 'nordics',
      region: 'eu-north-1',
      cidr: '10.4.0.0/16',
      host: 'nordics.gw.acme.internal',
    });
    const plan = await planDns(grown, h.options());
    assert.deepEqual(
      plan.differences.map((d) => [d.kind, d.gateway]),
      [['record-missing', 'nordics']],
    );
  });
});

describe('dns test', () => {
  let h: DnsHarness;
  let acme: Topology;

  beforeEach(async () => {
    acme = await exampleTopology();
    h = new DnsHarness(acme);
  });
  afterEach(() => h.restore());

  it('test - asks TestDNSAnswer for the A record and names the region whose load balancer has the answered address', async () => {
    h.account.testAnswer = {
      Nameserver: 'ns-1.awsdns-01.org',
      RecordName: 'mqtt.acme.example.com.',
      RecordType: 'A',
      RecordData: ['203.0.113.21'],
      ResponseCode: 'NOERROR',
      Protocol: 'UDP',
    };
    const addresses: Record<string, string[]> = {
      [deviceLoadBalancerName('acme', 'us', 'us-east-1')]: ['203.0.113.11'],
      [deviceLoadBalancerName('acme', 'eu', 'eu-central-1')]: ['203.0.113.21', '203.0.113.22'],
    };

    const report = await testDnsAnswer(
      acme,
      { clientSubnet: '203.0.113.0/24', resolver: '192.0.2.53' },
      {
        ...h.options(),
        resolveAddresses: async (name) => addresses[name] ?? [],
      },
    );

    const input = h.fake.mock.commandCalls((await import('@aws-sdk/client-route-53')).TestDNSAnswerCommand)[0]!.args[0].input;
    assert.deepEqual(input, {
      HostedZoneId: 'ZACME',
      RecordName: 'mqtt.acme.example.com.',
      RecordType: 'A',
      EDNS0ClientSubnetIP: '203.0.113.0',
      EDNS0ClientSubnetMask: '24',
      ResolverIP: '192.0.2.53',
    });
    assert.equal(report.gateway, 'eu');
    assert.deepEqual(report.recordData, ['203.0.113.21']);
  });

  it('test - a bad resolver address is refused before any request', async () => {
    await assert.rejects(
      testDnsAnswer(acme, { clientSubnet: '203.0.113.0/24', resolver: 'dns.google' }, h.options()),
      (err: unknown) => err instanceof DnsConfigError && err.code === 'DNS_INVALID_SUBNET',
    );
    assert.equal(h.fake.mock.calls().length, 0);
  });
});

import assert from 'node:assert/strict';
import { ChangeResourceRecordSetsCommand, TestDNSAnswerCommand, UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import type { Topology } from '@fedgate/topology';
import {
  DnsConfigError,
  DnsStateError,
  applyDns,
  dnsStatus,
  drainGateway,
  regionState,
  testDnsAnswer,
  undrainGateway,
} from '../src/index.ts';
import { DnsHarness, behindNlbs, exampleTopology } from './dns-harness.ts';

const FAILING = 'Failure: HTTP Status Code 503, Service Unavailable. Resolved IP: 203.0.113.10';

describe('dns status', () => {
  let h: DnsHarness;
  let acme: Topology;

  beforeEach(async () => {
    h = new DnsHarness();
    acme = await exampleTopology();
    await applyDns(acme, h.options());
    h.resetHistory();
  });
  afterEach(() => h.restore());

  it('status - every region healthy: each record, its check and its checkers, no warnings', async () => {
    const report = await dnsStatus(acme, h.options());

    assert.equal(report.ok, true);
    assert.deepEqual(report.warnings, []);
    assert.equal(report.failOpen, false);
    assert.deepEqual(report.regions[0], {
      gateway: 'us',
      region: 'us-east-1',
      record: { type: 'CNAME', target: 'us.gw.acme.internal', ttlSeconds: 60, healthCheckId: 'hc-1' },
      healthCheck: {
        id: 'hc-1', ownedByFedgate: true, endpoint: 'http://us.gw.acme.internal:8080/healthz',
        intervalSeconds: 10, failureThreshold: 3, disabled: false, inverted: false,
      },
      checkers: { healthy: 8, reporting: 8 },
      drained: false,
      state: 'healthy',
      inAnswers: true,
    });
  });

  it('status - warns that Route53 fails open when every region is unhealthy, and then answers with all of them', async () => {
    for (const id of ['hc-1', 'hc-2', 'hc-3']) h.fake.setCheckers(id, FAILING);

    const report = await dnsStatus(acme, h.options());

    assert.equal(report.failOpen, true);
    assert.equal(report.ok, false);
    assert.equal(report.warnings[0]!.code, 'FAIL_OPEN');
    assert.equal(report.warnings[0]!.severity, 'error');
    assert.match(report.warnings[0]!.message, /Route53 fails open and answers with all 3 records/);
    assert.deepEqual(report.regions.map((r) => [r.state, r.inAnswers]), [['unhealthy', true], ['unhealthy', true], ['unhealthy', true]]);
  });

  it('status - one unhealthy region is reported and left out of answers, without a fail-open warning', async () => {
    h.fake.setCheckers('hc-3', FAILING);

    const report = await dnsStatus(acme, h.options());

    assert.equal(report.failOpen, false);
    assert.deepEqual(report.warnings.map((w) => [w.code, w.gateway]), [['REGION_UNHEALTHY', 'ap']]);
    assert.match(report.warnings[0]!.message, /ap \(ap-southeast-1\) is unhealthy: Failure: HTTP Status Code 503/);
    assert.deepEqual(report.regions.map((r) => r.inAnswers), [true, true, false]);
  });

  it('status - warns about a record without health check and an alias with evaluate-target-health off', async () => {
    const nlb = behindNlbs(acme);
    await applyDns(nlb, h.options());
    h.fake.records[0]!.AliasTarget!.EvaluateTargetHealth = false;
    delete h.fake.records[1]!.HealthCheckId;

    const report = await dnsStatus(nlb, h.options());

    const codes = report.warnings.map((w) => [w.code, w.gateway, w.severity]);
    assert.deepEqual(codes.filter(([c]) => c !== 'DRIFT'), [
      ['TARGET_HEALTH_OFF', 'us', 'warning'],
      ['NO_HEALTH_CHECK', 'eu', 'warning'],
    ]);
    assert.ok(codes.some(([c]) => c === 'DRIFT'), 'apply would restore both');
    assert.equal(report.regions[1]!.state, 'unchecked');
    assert.equal(report.ok, true);
  });

  it('status - a gateway without a record and a stray record of another region are both reported', async () => {
    h.fake.records = h.fake.records.filter((r) => r.SetIdentifier !== 'eu-central-1');
    h.fake.records.push({ Name: 'mqtt.acme.example.com.', Type: 'CNAME', SetIdentifier: 'sa-east-1', Region: 'sa-east-1', TTL: 60, ResourceRecords: [{ Value: 'old.gw.acme.internal' }] });

    const report = await dnsStatus(acme, h.options());

    assert.equal(report.regions[1]!.state, 'missing');
    assert.equal(report.regions[1]!.inAnswers, false);
    assert.deepEqual(report.strayRecords, [{ setIdentifier: 'sa-east-1', type: 'CNAME', target: 'old.gw.acme.internal' }]);
    assert.deepEqual(report.warnings.map((w) => w.code), ['RECORD_MISSING', 'STRAY_RECORD', 'DRIFT']);
    assert.equal(report.pendingChanges, 2);
    assert.equal(report.ok, false);
  });

  it('region state - Route53 calls a check healthy above 18 % of checkers; inversion and disabling apply on top', () => {
    const check = { disabled: false, inverted: false };
    assert.equal(regionState({ hasRecord: true, check, checkers: { healthy: 1, reporting: 8 } }), 'unhealthy'); // 12.5 %
    assert.equal(regionState({ hasRecord: true, check, checkers: { healthy: 2, reporting: 8 } }), 'healthy'); // 25 %
    assert.equal(regionState({ hasRecord: true, check: { disabled: false, inverted: true }, checkers: { healthy: 8, reporting: 8 } }), 'unhealthy');
    assert.equal(regionState({ hasRecord: true, check: { disabled: true, inverted: false } }), 'unchecked');
    assert.equal(regionState({ hasRecord: true, check: { disabled: true, inverted: true }, checkers: { healthy: 8, reporting: 8 } }), 'drained');
    assert.equal(regionState({ hasRecord: true, check, checkers: { healthy: 0, reporting: 0 } }), 'unknown');
    assert.equal(regionState({ hasRecord: false, check }), 'missing');
  });
});

describe('dns drain and undrain', () => {
  let h: DnsHarness;
  let acme: Topology;

  beforeEach(async () => {
    h = new DnsHarness();
    acme = await exampleTopology();
    await applyDns(acme, h.options());
    h.resetHistory();
  });
  afterEach(() => h.restore());

  it('drain - forces the region\'s health check unhealthy (disabled + inverted) and keeps the record and the check\'s settings', async () => {
    const recordsBefore = structuredClone(h.fake.records);

    const result = await drainGateway(acme, 'eu', h.options());

    assert.deepEqual(h.fake.mock.commandCalls(UpdateHealthCheckCommand).map((c) => c.args[0].input), [
      { HealthCheckId: 'hc-2', HealthCheckVersion: 1, Disabled: true, Inverted: true },
    ]);
    assert.deepEqual(result, { gateway: 'eu', region: 'eu-central-1', healthCheckId: 'hc-2', action: 'drain', alreadyInState: false, dryRun: false, changed: true, warnings: [] });
    assert.deepEqual(h.fake.records, recordsBefore);
    assert.equal(h.fake.mock.commandCalls(ChangeResourceRecordSetsCommand).length, 0);
    assert.equal(h.fake.healthCheck('hc-2').HealthCheckConfig!.FullyQualifiedDomainName, 'eu.gw.acme.internal');

    const report = await dnsStatus(acme, h.options());
    assert.deepEqual(report.drained, ['eu']);
    assert.deepEqual(report.regions.map((r) => [r.gateway, r.state, r.inAnswers]), [['us', 'healthy', true], ['eu', 'drained', false], ['ap', 'healthy', true]]);
    assert.equal(report.ok, true, 'a drain is intended, not an error');
  });

  it('drain - draining a drained region sends nothing', async () => {
    await drainGateway(acme, 'eu', h.options());
    h.resetHistory();

    const again = await drainGateway(acme, 'eu', h.options());

    assert.equal(again.changed, false);
    assert.equal(again.alreadyInState, true);
    assert.equal(h.fake.mock.commandCalls(UpdateHealthCheckCommand).length, 0);
  });

  it('undrain - puts the region back by re-enabling and un-inverting its health check', async () => {
    await drainGateway(acme, 'eu', h.options());
    h.resetHistory();

    const result = await undrainGateway(acme, 'eu', h.options());

    assert.equal(result.changed, true);
    assert.deepEqual(h.fake.mock.commandCalls(UpdateHealthCheckCommand).map((c) => c.args[0].input), [
      { HealthCheckId: 'hc-2', HealthCheckVersion: 2, Disabled: false, Inverted: false },
    ]);
    const report = await dnsStatus(acme, h.options());
    assert.deepEqual(report.drained, []);
    assert.equal(report.regions[1]!.state, 'healthy');
    assert.equal((await undrainGateway(acme, 'eu', h.options())).changed, false);
  });

  it('drain - refuses to drain the last healthy region (Route53 would fail open) unless forced', async () => {
    h.fake.setCheckers('hc-1', FAILING);
    h.fake.setCheckers('hc-3', FAILING);

    await assert.rejects(drainGateway(acme, 'eu', h.options()), (err: unknown) => {
      assert.ok(err instanceof DnsStateError);
      assert.equal(err.code, 'DNS_DRAIN_WOULD_FAIL_OPEN');
      assert.match(err.message, /refusing to drain eu: no region other than eu is healthy/);
      return true;
    });
    assert.equal(h.fake.mock.commandCalls(UpdateHealthCheckCommand).length, 0);

    const forced = await drainGateway(acme, 'eu', { ...h.options(), force: true });
    assert.equal(forced.changed, true);
    assert.deepEqual(forced.warnings.map((w) => w.code), ['FAIL_OPEN']);
    const report = await dnsStatus(acme, h.options());
    assert.equal(report.failOpen, true);
    assert.equal(report.warnings[0]!.code, 'FAIL_OPEN');
    assert.deepEqual(report.regions.map((r) => r.inAnswers), [true, true, true], 'fail-open answers with the drained region too');
  });

  it('drain --dry-run checks everything and changes nothing', async () => {
    const result = await drainGateway(acme, 'us', { ...h.options(), dryRun: true });
    assert.equal(result.changed, false);
    assert.equal(result.dryRun, true);
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

  it('drain - a zone never applied cannot be drained', async () => {
    h.fake.records = [];
    await assert.rejects(drainGateway(acme, 'us', h.options()), (err: unknown) => err instanceof DnsStateError && err.code === 'DNS_NOT_APPLIED' && /run fedgate dns apply first/.test(err.message));
  });
});

describe('dns test', () => {
  let h: DnsHarness;
  let acme: Topology;

  beforeEach(async () => {
    h = new DnsHarness();
    acme = await exampleTopology();
  });
  afterEach(() => h.restore());

  it('test - asks TestDNSAnswer for the client subnet and names the gateway the answer points at', async () => {
    h.fake.mock.on(TestDNSAnswerCommand).resolves({
      Nameserver: 'ns-1.awsdns-01.org', RecordName: 'mqtt.acme.example.com.', RecordType: 'CNAME',
      RecordData: ['eu.gw.acme.internal'], ResponseCode: 'NOERROR', Protocol: 'UDP',
    });

    const report = await testDnsAnswer(acme, { clientSubnet: '203.0.113.0/24', resolver: '192.0.2.53' }, h.options());

    assert.deepEqual(h.fake.mock.commandCalls(TestDNSAnswerCommand).map((c) => c.args[0].input), [
      {
        HostedZoneId: 'ZACME', RecordName: 'mqtt.acme.example.com.', RecordType: 'CNAME',
        EDNS0ClientSubnetIP: '203.0.113.0', EDNS0ClientSubnetMask: '24', ResolverIP: '192.0.2.53',
      },
    ]);
    assert.equal(report.gateway, 'eu');
    assert.deepEqual(report.recordData, ['eu.gw.acme.internal']);
    assert.equal(report.responseCode, 'NOERROR');
  });

  it('test - a bad resolver address is refused before any request', async () => {
    await assert.rejects(testDnsAnswer(acme, { clientSubnet: '203.0.113.0/24', resolver: 'dns.google' }, h.options()), (err: unknown) => err instanceof DnsConfigError && err.code === 'DNS_INVALID_SUBNET');
    assert.equal(h.fake.mock.calls().length, 0);
  });
});

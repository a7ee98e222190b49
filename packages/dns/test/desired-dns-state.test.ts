import assert from 'node:assert/strict';
import type { Change } from '@aws-sdk/client-route-53';
import {
  DnsConfigError,
  DnsStateError,
  batchChanges,
  callerReference,
  desiredDnsState,
  ownedGateway,
  ownerKey,
  parseClientSubnet,
} from '../src/index.ts';
import { behindNlbs, exampleTopology, variant } from './dns-harness.ts';

function configError(code: string, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof DnsConfigError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('dns desired state (pure)', () => {
  it('desired state - one CNAME latency record per gateway region, set identifier = region, health check from dns.healthCheck', async () => {
    const desired = desiredDnsState(await exampleTopology());

    assert.equal(desired.recordName, 'mqtt.acme.example.com.');
    assert.equal(desired.recordType, 'CNAME');
    assert.equal(desired.ttlSeconds, 60);
    assert.deepEqual(
      desired.regions.map((r) => [r.gateway, r.setIdentifier, r.target]),
      [
        ['us', 'us-east-1', { kind: 'cname', host: 'us.gw.acme.internal' }],
        ['eu', 'eu-central-1', { kind: 'cname', host: 'eu.gw.acme.internal' }],
        ['ap', 'ap-southeast-1', { kind: 'cname', host: 'ap.gw.acme.internal' }],
      ],
    );
    assert.deepEqual(desired.regions[0]!.healthCheck, { host: 'us.gw.acme.internal', port: 8080, path: '/healthz', intervalSeconds: 10, failureThreshold: 3 });
  });

  it('desired state - NLB hosts become aliases with the NLB hosted zone of the region in the NLB name', async () => {
    const desired = desiredDnsState(behindNlbs(await exampleTopology()));
    assert.equal(desired.recordType, 'A');
    assert.deepEqual(desired.regions[1]!.target, { kind: 'alias', dnsName: 'fedgate-eu-0123456789abcdef.elb.eu-central-1.amazonaws.com', hostedZoneId: 'Z3F0SRJ5LGBH90' });
  });

  it('desired state - refuses a mix of NLB and plain hosts, because a CNAME cannot share a name with A records', async () => {
    const mixed = variant(behindNlbs(await exampleTopology()), (t) => { t.gateways[2]!.host = 'ap.gw.acme.internal'; });
    assert.throws(() => desiredDnsState(mixed), configError('DNS_INVALID_TARGET', /us, eu point at NLBs but ap \(ap\.gw\.acme\.internal\) do not/));
  });

  it('desired state - refuses a topology without dns, two gateways in one region, and private addresses', async () => {
    const acme = await exampleTopology();
    assert.throws(() => desiredDnsState(variant(acme, (t) => { delete t.dns; })), configError('DNS_NOT_CONFIGURED', /topology "acme" has no dns section/));
    assert.throws(
      () => desiredDnsState(variant(acme, (t) => { t.gateways[1]!.region = 'us-east-1'; })),
      configError('DNS_DUPLICATE_REGION', /gateways us and eu are both in us-east-1/),
    );
    assert.throws(
      () => desiredDnsState(variant(acme, (t) => { t.gateways[0]!.host = '10.1.0.5'; })),
      configError('DNS_INVALID_TARGET', /gateway us: host 10\.1\.0\.5 is a private or loopback address/),
    );
  });

  it('desired state - a public IP host is probed by IPAddress', async () => {
    const { healthCheckConfig } = await import('../src/index.ts');
    const desired = desiredDnsState(variant(await exampleTopology(), (t) => { t.gateways[0]!.host = '198.51.100.7'; }));
    assert.deepEqual(healthCheckConfig(desired.regions[0]!.healthCheck), {
      Type: 'HTTP', IPAddress: '198.51.100.7', Port: 8080, ResourcePath: '/healthz', RequestInterval: 10, FailureThreshold: 3,
    });
  });

  it('names - a CallerReference names its gateway for its owner only, and fits in 64 characters', () => {
    const owner = ownerKey('acme', 'mqtt.acme.example.com.');
    assert.match(owner, /^[0-9a-f]{12}$/);
    assert.notEqual(owner, ownerKey('acme', 'mqtt.staging.acme.example.com.'));
    const longest = 'g'.repeat(32);
    const ref = callerReference(owner, longest, Date.UTC(2100, 0, 1));
    assert.ok(ref.length <= 64, `${ref.length}`);
    assert.equal(ownedGateway(ref, owner), longest);
    assert.equal(ownedGateway(ref, ownerKey('other', 'mqtt.acme.example.com.')), undefined);
    assert.equal(ownedGateway('console-created', owner), undefined);
  });

  it('client subnet - parses IPv4 and IPv6 CIDRs and rejects anything else', () => {
    assert.deepEqual(parseClientSubnet('203.0.113.0/24'), { ip: '203.0.113.0', prefixLength: 24 });
    assert.deepEqual(parseClientSubnet('2001:db8::/48'), { ip: '2001:db8::', prefixLength: 48 });
    for (const bad of ['203.0.113.0', '203.0.113.0/33', 'example.com/24', '']) {
      assert.throws(() => parseClientSubnet(bad), configError('DNS_INVALID_SUBNET', /--client-subnet must be a CIDR/), bad);
    }
  });
});

describe('dns change batches (pure)', () => {
  const cname = (i: number, action: 'CREATE' | 'UPSERT' | 'DELETE', value = `h${i}.example.com`): Change => ({
    Action: action,
    ResourceRecordSet: { Name: `r${i}.example.com.`, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: value }] },
  });

  it('batches - keep everything in one request while within the limits, in order', () => {
    const changes = [cname(1, 'DELETE'), cname(2, 'UPSERT'), cname(3, 'CREATE')];
    assert.deepEqual(batchChanges(changes), [changes]);
  });

  it('batches - split at 1000 records, counting an UPSERT twice', () => {
    const creates = Array.from({ length: 1001 }, (_, i) => cname(i, 'CREATE'));
    assert.deepEqual(batchChanges(creates).map((b) => b.length), [1000, 1]);
    const upserts = Array.from({ length: 501 }, (_, i) => cname(i, 'UPSERT'));
    assert.deepEqual(batchChanges(upserts).map((b) => b.length), [500, 1]);
  });

  it('batches - split at 32000 value characters and keep the order across requests', () => {
    const long = (i: number) => cname(i, 'CREATE', 'x'.repeat(10_000));
    const batches = batchChanges([long(1), long(2), long(3), long(4)]);
    assert.deepEqual(batches.map((b) => b.map((c) => c.ResourceRecordSet!.Name)), [['r1.example.com.', 'r2.example.com.', 'r3.example.com.'], ['r4.example.com.']]);
  });

  it('batches - a single change over the limits is refused before anything is sent', () => {
    assert.throws(() => batchChanges([cname(1, 'UPSERT', 'x'.repeat(16_001))]), (err: unknown) => err instanceof DnsStateError && err.code === 'DNS_CHANGE_TOO_LARGE');
  });
});

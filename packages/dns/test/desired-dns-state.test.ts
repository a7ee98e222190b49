import assert from 'node:assert/strict';
import { DnsConfigError, desiredDnsState, healthCheckTags, nlbRegion, parseClientSubnet, recordFqdn, taggedGateway } from '../src/index.ts';
import { exampleTopology, variant } from './dns-harness.ts';

function configError(code: string, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof DnsConfigError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('dns desired state (pure)', () => {
  it("desired state - one region per gateway, set identifier = region, aliasing that region's NLB zone, health check from dns.healthCheck", async () => {
    const desired = desiredDnsState(await exampleTopology());

    assert.equal(desired.recordName, 'mqtt.acme.example.com.');
    assert.deepEqual(
      desired.regions.map((r) => [r.gateway, r.setIdentifier, r.nlbHostedZoneId]),
      [
        ['us', 'us-east-1', 'Z26RNL4JYFTOTI'],
        ['eu', 'eu-central-1', 'Z3F0SRJ5LGBH90'],
        ['ap', 'ap-southeast-1', 'ZKVM4W9LS7TM'],
      ],
    );
    assert.deepEqual(desired.regions[0]!.healthCheck, { port: 8080, path: '/healthz', intervalSeconds: 10, failureThreshold: 3 });
    assert.ok(!JSON.stringify(desired).includes('gw.acme.internal'), 'gateway hosts are private names and stay out of public DNS');
  });

  it('desired state - refuses a topology without dns and two gateways in one region', async () => {
    const acme = await exampleTopology();
    assert.throws(
      () =>
        desiredDnsState(
          variant(acme, (t) => {
            delete t.dns;
          }),
        ),
      configError('DNS_NOT_CONFIGURED', /topology "acme" has no dns section/),
    );
    assert.throws(
      () =>
        desiredDnsState(
          variant(acme, (t) => {
            t.gateways[1]!.region = 'us-east-1';
          }),
        ),
      configError('DNS_DUPLICATE_REGION', /gateways us and eu are both in us-east-1/),
    );
  });

  it('tags - a health check belongs to the topology and steered name its tags say, and names its gateway', () => {
    const fqdn = recordFqdn({ record: 'mqtt', zone: 'Acme.Example.com' });
    assert.equal(fqdn, 'mqtt.acme.example.com.');
    const tags = healthCheckTags('acme', 'eu', fqdn);
    assert.equal(taggedGateway(tags, 'acme', 'mqtt.acme.example.com'), 'eu');
    assert.equal(taggedGateway(tags, 'staging', fqdn), undefined, 'another topology in the same account');
    assert.equal(taggedGateway(tags, 'acme', 'mqtt.staging.acme.example.com.'), undefined, 'another steered name');
    assert.equal(taggedGateway({ Name: 'console-made' }, 'acme', fqdn), undefined);
  });

  it('nlb names - the region comes from the load balancer name', () => {
    assert.equal(nlbRegion('acme-us-dev-0123.elb.us-east-1.amazonaws.com.'), 'us-east-1');
    assert.equal(nlbRegion('dualstack.acme-us-dev-0123.elb.eu-west-1.amazonaws.com'), 'eu-west-1');
    assert.equal(nlbRegion('us.gw.acme.internal'), undefined);
  });

  it('client subnet - parses IPv4 and IPv6 CIDRs and rejects anything else', () => {
    assert.deepEqual(parseClientSubnet('203.0.113.0/24'), { ip: '203.0.113.0', prefixLength: 24 });
    assert.deepEqual(parseClientSubnet('2001:db8::/48'), { ip: '2001:db8::', prefixLength: 48 });
    for (const bad of ['203.0.113.0', '203.0.113.0/33', 'example.com/24', '']) {
      assert.throws(() => parseClientSubnet(bad), configError('DNS_INVALID_SUBNET', /--client-subnet must be a CIDR/), bad);
    }
  });
});

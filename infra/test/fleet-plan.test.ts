import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseTopology, type Gateway } from '@fedgate/topology';
import { InfraConfigError, planFleet } from '../src/index.ts';
import {
  architectureOf,
  gatewayInstanceType,
  fileDescriptorLimit,
  memoryWatermark,
  MEMORY_PER_DEVICE_BYTES,
  deviceLoginOf,
  memoryPerDevice,
} from '../src/instance-type.ts';
import { subnetLayout } from '../src/subnet-layout.ts';
import { boundedName } from '../src/aws-names.ts';
import { ACME_FILE, ACME_TEXT, LAST_GATEWAY_MAX_CONNECTIONS, acme } from './synthesized-fleet.ts';

function gateway(overrides: Partial<Gateway>): Gateway {
  return { ...acme().gateways[0]!, ...overrides };
}

function planProblems(text: string, options = {}): string[] {
  try {
    planFleet(parseTopology(text, ACME_FILE), options);
  } catch (err) {
    assert.ok(err instanceof InfraConfigError, `expected InfraConfigError, got ${String(err)}`);
    assert.equal(err.code, 'INFRA_CONFIG');
    return err.message.split('\n');
  }
  return [];
}

describe('infra - fleet plan', () => {
  it('sizes a gateway for its connections with one node down, below the memory watermark', () => {
    const kib88 = 88 * 1024;
    assert.deepEqual(gatewayInstanceType(gateway({ maxConnections: 100_000, nodes: 3 }), 0.5, kib88), { ok: true, instanceType: 'c7g.2xlarge' });
    assert.deepEqual(gatewayInstanceType(gateway({ maxConnections: 50_000, nodes: 3 }), 0.5, kib88), { ok: true, instanceType: 'c7g.xlarge' });
    assert.deepEqual(gatewayInstanceType(gateway({ maxConnections: 5_000, nodes: 1 }), 0.5, kib88), { ok: true, instanceType: 'c7g.large' });
    // A lower watermark leaves less memory for connections: the same load needs the next size
    // (20,000 devices per node × 88 KiB = 1.7 GiB: 3.4 GiB below 0.5 fits 4 GiB, 4.2 GiB below 0.4 does not).
    assert.deepEqual(gatewayInstanceType(gateway({ maxConnections: 40_000, nodes: 3 }), 0.5, kib88), { ok: true, instanceType: 'c7g.large' });
    assert.deepEqual(gatewayInstanceType(gateway({ maxConnections: 40_000, nodes: 3 }), 0.4, kib88), { ok: true, instanceType: 'c7g.xlarge' });
    assert.deepEqual(gatewayInstanceType(gateway({ instanceType: 'm7g.large' }), 0.5), { ok: true, instanceType: 'm7g.large' });
  });

  it('sizes each gateway by how its devices log in: certificates and tokens cost more memory than passwords', () => {
    const plain = gateway({ maxConnections: 150_000, nodes: 3, tls: false, protocols: ['mqtt'] });
    const certificates = gateway({ maxConnections: 150_000, nodes: 3, tls: true, protocols: ['mqtt'] });
    const browsers = gateway({ maxConnections: 150_000, nodes: 3, tls: true, protocols: ['web-mqtt'] });
    assert.deepEqual([plain, certificates, browsers].map(deviceLoginOf), ['password', 'certificate', 'token']);
    assert.equal(memoryPerDevice(certificates), MEMORY_PER_DEVICE_BYTES.certificate);
    assert.ok(MEMORY_PER_DEVICE_BYTES.certificate > MEMORY_PER_DEVICE_BYTES.password);
    const size = (g: typeof plain) => {
      const sized = gatewayInstanceType(g, 0.4);
      assert.ok(sized.ok);
      return ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'].indexOf(sized.instanceType.split('.')[1]!);
    };
    assert.ok(size(certificates) > size(plain), 'a certificate gateway of the same size gets a larger instance');
  });

  it('refuses a gateway no single instance can hold, naming the field and the numbers', () => {
    const text = ACME_TEXT.replace(LAST_GATEWAY_MAX_CONNECTIONS, 'maxConnections: 2000000\n');
    assert.deepEqual(planProblems(text), [
      'gateways[2].maxConnections: 1000000 connections per node need 303.3 GiB below a 0.5 memory watermark; the largest c7g (16xlarge, 128 GiB) cannot hold them: add nodes or set instanceType',
    ]);
  });

  it('reads the watermark from the rendered rabbitmq.conf, and knows Graviton types', () => {
    assert.equal(memoryWatermark('# x\nvm_memory_high_watermark.relative = 0.5\n'), 0.5);
    assert.equal(memoryWatermark('listeners.tcp.default = 5672\n'), 0.4);
    assert.deepEqual(['c7g.large', 'c7gn.xlarge', 't4g.micro', 'a1.large', 'c6i.xlarge', 'm5.large', 'c7i.2xlarge'].map(architectureOf), [
      'arm64',
      'arm64',
      'arm64',
      'arm64',
      'x86_64',
      'x86_64',
      'x86_64',
    ]);
    assert.equal(fileDescriptorLimit(gateway({ maxConnections: 1_000, nodes: 3 })), 65_536);
    assert.equal(fileDescriptorLimit(gateway({ maxConnections: 10_000_000, nodes: 1 })), 1_048_576);
  });

  it('splits a VPC into public and private subnets, one per zone, leaving room to grow', () => {
    assert.deepEqual(subnetLayout('10.1.0.0/16', 3), {
      public: ['10.1.0.0/20', '10.1.16.0/20', '10.1.32.0/20'],
      private: ['10.1.128.0/20', '10.1.144.0/20', '10.1.160.0/20'],
    });
    assert.deepEqual(subnetLayout('192.168.4.0/24', 2), {
      public: ['192.168.4.0/28', '192.168.4.16/28'],
      private: ['192.168.4.128/28', '192.168.4.144/28'],
    });
  });

  it('refuses what AWS cannot deploy: a VPC outside /16-/24, two gateways in one latency region, hosts outside the private zone', () => {
    const text = ACME_TEXT.replace('cidr: 10.3.0.0/16', 'cidr: 10.128.0.0/12')
      .replace('region: eu-central-1', 'region: us-east-1')
      .replace('host: ap.gw.acme.internal', 'host: ap.gw.example.org');
    assert.deepEqual(planProblems(text), [
      'gateways[2].host: expected a name under the private zone acme.internal (taken from backend.host), such as ap.gw.acme.internal; got "ap.gw.example.org"',
      'gateways[2].cidr: a VPC needs a prefix from /16 to /24, got 10.128.0.0/12',
      'gateways[1].region: us-east-1 already has gateways[0] (us); DNS latency routing allows one gateway per region',
    ]);
  });

  it('explains why the local topology cannot be deployed as is', () => {
    const local = readFileSync('infra/topologies/local.yaml', 'utf8');
    assert.deepEqual(planProblems(local), [
      'backend.host: expected a DNS name with at least three labels such as core.acme.internal (its parent domain becomes the fleet\'s private zone), got "127.0.0.1"',
    ]);
  });

  it('names an out-of-range option, the allowed range and the value', () => {
    assert.deepEqual(planProblems(ACME_TEXT, { azCount: 9, routerNodes: 0 }), [
      'options.azCount: expected an integer from 2 to 6, got 9',
      'options.routerNodes: expected an integer from 1 to 20, got 0',
    ]);
    assert.deepEqual(planProblems(ACME_TEXT, { bundleUri: 'https://example.com/x.tgz' }), [
      'options.bundleUri: expected s3://<bucket>/<key>, got "https://example.com/x.tgz"',
    ]);
  });

  it('keeps load balancer names within 32 characters without collisions', () => {
    assert.equal(boundedName(['acme', 'us', 'dev'], 32), 'acme-us-dev');
    const a = boundedName(['a-very-long-topology-name', 'a-very-long-gateway-name', 'dev', 'mqtt'], 32);
    const b = boundedName(['a-very-long-topology-name', 'a-very-long-gateway-name', 'dev', 'stomp'], 32);
    assert.ok(a.length <= 32 && b.length <= 32);
    assert.notEqual(a, b);
    assert.match(a, /^[a-z0-9-]+[a-z0-9]$/);
  });
});

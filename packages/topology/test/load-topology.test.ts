import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadTopology, parseTopology, TopologyValidationError, type TopologyProblem } from '@fedgate/topology';

const VALID = readFileSync('infra/topologies/acme.example.yaml', 'utf8');

/** The problems `text` produces, formatted as users see them. */
function problems(text: string): string[] {
  try {
    parseTopology(text, 'fleet.yaml');
  } catch (err) {
    assert.ok(err instanceof TopologyValidationError, `expected TopologyValidationError, got ${String(err)}`);
    return err.message.split('\n');
  }
  return [];
}

function edited(from: string, to: string): string {
  assert.ok(VALID.includes(from), `fixture lacks ${from}`);
  return VALID.replace(from, to);
}

describe('topology - validation', () => {
  it('accepts both example topologies and fills defaults', async () => {
    const { topology } = await loadTopology('infra/topologies/acme.example.yaml');
    assert.equal(topology.gateways.length, 3);
    assert.equal(topology.gateways[0]!.uplink.ackMode, 'on-confirm');
    const local = await loadTopology('infra/topologies/local.yaml');
    assert.deepEqual(
      local.topology.gateways.map((g) => g.downlink.kind),
      ['shovel', 'federation', 'shovel'],
    );
  });

  it('reports a YAML syntax error with line and column', () => {
    const [first] = problems('name: acme\nbackend:\n  name: core\n   region: x\n');
    assert.equal(first, 'fleet.yaml:3:9: YAML syntax: Nested mappings are not allowed in compact mappings');
  });

  it('names an unknown key with its path and line', () => {
    assert.deepEqual(problems(edited('  nodes: 3\n  profile: throughput', '  nodes: 3\n  colour: blue\n  profile: throughput')), [
      'fleet.yaml:9:11: backend.colour: unknown key',
    ]);
  });

  it('refuses a duplicate cluster name', () => {
    assert.deepEqual(problems(edited('  - name: eu\n', '  - name: us\n')), [
      'fleet.yaml:32:11: gateways[1].name: duplicate cluster name "us" (first used at gateways[0].name)',
    ]);
  });

  it('refuses a name that is not DNS-safe', () => {
    assert.deepEqual(problems(edited('  - name: eu\n', '  - name: EU_1\n')), [
      'fleet.yaml:32:11: gateways[1].name: expected a DNS-safe name: lowercase letters, digits and "-", starting with a letter, at most 32 characters',
    ]);
  });

  it('refuses an unknown AWS region code', () => {
    assert.deepEqual(problems(edited('region: eu-central-1', 'region: eu-middle-1')), [
      'fleet.yaml:33:13: gateways[1].region: unknown AWS region code "eu-middle-1" (expected one like eu-west-1)',
    ]);
  });

  it('refuses overlapping CIDRs and names the one overlapped', () => {
    assert.deepEqual(problems(edited('cidr: 10.2.0.0/16', 'cidr: 10.1.128.0/17')), [
      'fleet.yaml:39:11: gateways[1].cidr: overlaps gateways[0].cidr (10.1.0.0/16)',
    ]);
  });

  it('refuses a CIDR with host bits set', () => {
    assert.deepEqual(problems(edited('cidr: 10.2.0.0/16', 'cidr: 10.2.3.0/16')), [
      'fleet.yaml:39:11: gateways[1].cidr: "10.2.3.0/16" is not a network address (host bits must be zero, prefix at most 32)',
    ]);
  });

  it('refuses a gateway with no protocol', () => {
    assert.deepEqual(problems(edited('protocols: [mqtt]\n', 'protocols: []\n')), [
      'fleet.yaml:36:16: gateways[1].protocols: a gateway needs at least one protocol (mqtt, stomp, web-mqtt, web-stomp)',
    ]);
  });

  it('refuses unknown link kinds and ack modes', () => {
    assert.deepEqual(problems(edited('downlink: { kind: shovel, ackMode: on-confirm', 'downlink: { kind: bridge, ackMode: eventually')), [
      'fleet.yaml:28:23: gateways[0].downlink.kind: unknown link kind "bridge" (expected "shovel" or "federation")',
      'fleet.yaml:28:40: gateways[0].downlink.ackMode: unknown ack mode "eventually" (expected "on-confirm", "on-publish" or "no-ack")',
    ]);
  });

  it('refuses a federation uplink, which cannot attribute events to its gateway', () => {
    assert.deepEqual(
      problems(
        edited(
          '    uplink: { kind: shovel }\n    maxConnections: 100000\n    proxyProtocol: true\n  - name: eu',
          '    uplink: { kind: federation }\n    maxConnections: 100000\n    proxyProtocol: true\n  - name: eu',
        ),
      ),
      [
        'fleet.yaml:29:21: gateways[0].uplink.kind: uplink kind "federation" cannot attribute events to their gateway (federation forwards what the device sent); use "shovel"',
      ],
    );
  });

  it('refuses inline secrets, as keys and inside URIs', () => {
    assert.deepEqual(problems(edited('  tls: true\n  cidr: 10.0.0.0/16', '  tls: true\n  password: hunter2\n  cidr: 10.0.0.0/16')), [
      'fleet.yaml:12:13: backend.password: inline secret: secrets never live in the topology file; set credentials.source to "env" (FEDGATE_<CLUSTER>_<USER>_PASSWORD) or "file"',
    ]);
    assert.deepEqual(problems(edited('host: core.acme.internal', 'host: amqp://admin:s3cret@core.acme.internal')), [
      'fleet.yaml:10:9: backend.host: inline secret: a URI with a password; give the URI without user:password@ and supply the password through credentials',
    ]);
  });

  it('refuses two listeners on one host and port', () => {
    const text = readFileSync('infra/topologies/local.yaml', 'utf8').replace('mqtt: 1891', 'mqtt: 1890');
    assert.deepEqual(problems(text), ['fleet.yaml:31:83: gateways[1].ports.mqtt: port 1890 on 127.0.0.1 is already used by gateways[0].ports.mqtt']);
  });

  it('refuses a gateway message limit below the largest command, which could not reach that gateway', () => {
    const text = edited(
      '    uplink: { kind: shovel }\n    maxConnections: 100000\n    proxyProtocol: true\n  - name: eu',
      '    uplink: { kind: shovel }\n    maxConnections: 100000\n    proxyProtocol: true\n    limits: { maxMessageBytes: 65536 }\n  - name: eu',
    );
    assert.deepEqual(
      problems(text).map((p) => p.replace(/^fleet\.yaml:\d+:\d+: /, '')),
      ['gateways[0].limits.maxMessageBytes: 65536 is below routing.maxCommandBytes (262144): the largest command could not reach this gateway'],
    );
    assert.deepEqual(problems(text.replace('  onUnknown: broadcast', '  onUnknown: broadcast\n  maxCommandBytes: 65536')), []);
  });

  it('reports every problem at once', () => {
    const text = edited('region: eu-central-1', 'region: mars-1')
      .replace('cidr: 10.3.0.0/16', 'cidr: 10.1.0.0/16')
      .replace('protocols: [mqtt]\n', 'protocols: []\n');
    assert.equal(problems(text).length, 3);
  });

  it('reports a missing file as such', async () => {
    await assert.rejects(loadTopology('no/such/topology.yaml'), (err: TopologyValidationError) => {
      assert.equal(err.code, 'TOPOLOGY_NOT_FOUND');
      assert.equal(err.message, 'no/such/topology.yaml: file not found');
      return true;
    });
  });

  it('keeps the structured problems beside the message', () => {
    try {
      parseTopology(edited('region: eu-central-1', 'region: mars-1'), 'f.yaml');
      assert.fail('expected an error');
    } catch (err) {
      const [problem] = (err as TopologyValidationError).problems as TopologyProblem[];
      assert.equal(problem!.path, 'gateways[1].region');
      assert.equal(problem!.line, 33);
    }
  });
});

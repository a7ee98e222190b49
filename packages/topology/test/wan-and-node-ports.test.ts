import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseTopology, TopologyValidationError } from '@fedgate/topology';

const DRILL = readFileSync('test/fixtures/drill-fleet.yaml', 'utf8');

function problems(text: string): string[] {
  try {
    parseTopology(text, 'fleet.yaml');
  } catch (err) {
    assert.ok(err instanceof TopologyValidationError, String(err));
    return err.message.split('\n').map((line) => line.replace(/^fleet\.yaml:\d+:\d+: /, ''));
  }
  return [];
}

function edited(from: string, to: string): string {
  assert.ok(DRILL.includes(from), `fixture lacks ${from}`);
  return DRILL.replace(from, to);
}

describe('topology - WAN proxy and multi-node ports (local mode)', () => {
  it('accepts a gateway whose links go through a WAN proxy, with latency and jitter defaulting to 0', () => {
    const topology = parseTopology(DRILL, 'drill.yaml');
    assert.deepEqual(topology.gateways[0]!.wan, { port: 6150, latencyMs: 5, jitterMs: 5 });
    const noDelay = parseTopology(edited('wan: { port: 6150, latencyMs: 5, jitterMs: 5 }', 'wan: { port: 6150 }'), 'drill.yaml');
    assert.deepEqual(noDelay.gateways[0]!.wan, { port: 6150, latencyMs: 0, jitterMs: 0 });
    assert.equal(parseTopology(readFileSync('infra/topologies/local.yaml', 'utf8'), 'local.yaml').gateways[0]!.wan, undefined);
  });

  it('refuses a WAN proxy port another listener uses', () => {
    assert.deepEqual(problems(edited('wan: { port: 6160,', 'wan: { port: 6150,')), [
      'gateways[1].wan.port: port 6150 on 127.0.0.1 is already used by gateways[0].wan.port',
    ]);
  });

  it('refuses a delay beyond a minute', () => {
    assert.deepEqual(problems(edited('latencyMs: 20', 'latencyMs: 60001')), ['gateways[1].wan.latencyMs: Too big: expected number to be <=60000']);
  });

  it('counts the ports of every node of a cluster: node N listens on port + N - 1', () => {
    // Node 3 of the backend would take 16102, where this moves gateway us's management listener.
    assert.deepEqual(problems(edited('management: 16300', 'management: 16102')), [
      'gateways[1].ports.management: port 16102 on 127.0.0.1 is already used by backend.ports.management (node 3)',
    ]);
    // Within one cluster too: management 16100–16102 overlaps prometheus 16101–16103 twice.
    assert.deepEqual(problems(edited('prometheus: 16110 }', 'prometheus: 16101 }')), [
      'backend.ports.prometheus: port 16101 on 127.0.0.1 is already used by backend.ports.management (node 2)',
      'backend.ports.prometheus: port 16102 of node 2 on 127.0.0.1 is already used by backend.ports.management (node 3)',
    ]);
  });
});

import assert from 'node:assert/strict';
import { benchTopologyYaml, stockNodePorts, STOCK_NODE_PORTS } from '../src/bench-topology.ts';
import { identityTopologyYaml } from '../src/identity-topology.ts';

describe('bench - port offset', () => {
  it('shifts every port of the fleet, the stock node and the TLS fleet, and names the fleet apart (node names are machine-wide)', () => {
    const plain = benchTopologyYaml(3, 'x.json', 0).topology;
    const shifted = benchTopologyYaml(3, 'x.json', 1000).topology;
    assert.equal(plain.name, 'bench');
    assert.equal(shifted.name, 'bench-1000');
    const ports = (t: typeof plain) => [t.backend, ...t.gateways].flatMap((c) => Object.values(c.ports));
    assert.deepEqual(
      ports(shifted),
      ports(plain).map((p) => p + 1000),
    );
    assert.deepEqual(
      Object.values(stockNodePorts(1000)),
      Object.values(STOCK_NODE_PORTS).map((p) => p + 1000),
    );
    assert.deepEqual(stockNodePorts(0), STOCK_NODE_PORTS);
    const identity = identityTopologyYaml(12_000, 'x.json', 0).topology;
    const identityShifted = identityTopologyYaml(12_000, 'x.json', 1000).topology;
    assert.equal(identityShifted.name, 'bench-identity-1000');
    assert.deepEqual(
      ports(identityShifted),
      ports(identity).map((p) => p + 1000),
    );
  });
});

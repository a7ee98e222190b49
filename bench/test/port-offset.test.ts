import assert from 'node:assert/strict';
import { BenchError } from '../src/errors.ts';
import { benchPortOffset, benchTopologyYaml, stockNodePorts, STOCK_NODE_PORTS } from '../src/bench-topology.ts';
import { identityTopologyYaml } from '../src/identity-topology.ts';

describe('bench - port offset (FEDGATE_BENCH_PORT_OFFSET)', () => {
  it('is 0 when unset, and names the variable, the range and the value when it is not a usable offset', () => {
    assert.equal(benchPortOffset({}), 0);
    assert.equal(benchPortOffset({ FEDGATE_BENCH_PORT_OFFSET: '' }), 0);
    assert.equal(benchPortOffset({ FEDGATE_BENCH_PORT_OFFSET: '1000' }), 1000);
    for (const bad of ['-1', '1.5', 'abc', '3001']) {
      assert.throws(
        () => benchPortOffset({ FEDGATE_BENCH_PORT_OFFSET: bad }),
        (err: BenchError) =>
          err.code === 'BENCH_INVALID_OPTIONS' && err.message === `FEDGATE_BENCH_PORT_OFFSET must be an integer from 0 to 3000, got "${bad}"`,
      );
    }
  });

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

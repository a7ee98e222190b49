import assert from 'node:assert/strict';
import { nodeCluster } from '@fedgate/local-cluster';
import { DEVICE_USER, type Cluster } from '@fedgate/topology';
import { benchTopologyYaml, STOCK_NODE_PORTS } from '../src/bench-topology.ts';
import { identityTopologyYaml } from '../src/identity-topology.ts';
import { SCALE_NODES, scaleTopologyYaml } from '../src/scale-topology.ts';
import { spreadPasswordLogins } from '../src/scale-fleet.ts';

/** Every port every node of `clusters` listens on (node k: the cluster's ports + k). */
const nodePorts = (clusters: readonly Cluster[]) =>
  clusters.flatMap((c) => Array.from({ length: c.nodes }, (_, k) => Object.values(nodeCluster(c, k).ports) as number[]).flat());

describe('bench - the scale-out fleet', () => {
  it('has a 3-node backend and a 3-node gateway whose links are set as the bench fleet’s gw1', () => {
    const { topology } = scaleTopologyYaml(12_000, 'x.json');
    const gw1 = benchTopologyYaml(3, 'x.json').topology.gateways[0]!;
    assert.equal(topology.backend.nodes, SCALE_NODES);
    assert.equal(topology.gateways.length, 1);
    const [gw] = topology.gateways;
    assert.equal(gw!.nodes, SCALE_NODES);
    assert.deepEqual(gw!.downlink, gw1.downlink);
    assert.deepEqual(gw!.uplink, gw1.uplink);
    assert.deepEqual(gw!.protocols, gw1.protocols);
    assert.equal(gw!.maxConnections, 12_000);
  });

  it('gives every node ports of its own, none used by the bench fleet at its largest, the TLS fleet or the stock node', () => {
    const scale = scaleTopologyYaml(12_000, 'x.json').topology;
    const bench = benchTopologyYaml(8, 'x.json').topology;
    const identity = identityTopologyYaml(12_000, 'x.json').topology;
    const taken = new Set([
      ...nodePorts([bench.backend, ...bench.gateways]),
      ...nodePorts([identity.backend, ...identity.gateways]),
      ...Object.values(STOCK_NODE_PORTS),
    ]);
    const ours = nodePorts([scale.backend, ...scale.gateways]);
    assert.equal(ours.length, SCALE_NODES * (4 + 6), 'four ports per backend node, six per gateway node');
    assert.equal(new Set(ours).size, ours.length, 'no port used twice');
    for (const port of ours) assert.ok(!taken.has(port), `port ${port} is free`);
  });

  it('shifts every port by the offset and names its nodes apart', () => {
    const plain = scaleTopologyYaml(12_000, 'x.json', 0).topology;
    const shifted = scaleTopologyYaml(12_000, 'x.json', 1000).topology;
    assert.equal(shifted.name, 'bench-scale-1000');
    assert.deepEqual(
      nodePorts([shifted.backend, ...shifted.gateways]),
      nodePorts([plain.backend, ...plain.gateways]).map((p) => p + 1000),
    );
  });

  it('spreads a storm over the gateway’s nodes, device i on node i mod 3, as a load balancer would', () => {
    const gw = scaleTopologyYaml(12_000, 'x.json').topology.gateways[0]!;
    const logins = spreadPasswordLogins(gw, 'pw', ['a', 'b', 'c', 'd']);
    assert.deepEqual(
      logins.map((l) => l.url),
      [0, 1, 2, 0].map((k) => `mqtt://${gw.host}:${gw.ports.mqtt + k}`),
    );
    assert.ok(logins.every((l) => l.password === 'pw' && l.username === DEVICE_USER));
  });
});

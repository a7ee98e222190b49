import assert from 'node:assert/strict';
import { hasDeviceLogins, webMqttPort } from '@fedgate/topology';
import { benchTopologyYaml, STOCK_NODE_PORTS } from '../src/bench-topology.ts';
import { CERTIFICATE_GATEWAY, TOKEN_GATEWAY, identityTopologyYaml } from '../src/identity-topology.ts';

describe('bench - the TLS fleet for certificate and token storms', () => {
  it('has a certificate gateway and a token gateway, each admitting the storm', () => {
    const { topology } = identityTopologyYaml(12_000, 'x.json');
    const [certs, web] = topology.gateways;
    assert.equal(certs!.name, CERTIFICATE_GATEWAY);
    assert.equal(web!.name, TOKEN_GATEWAY);
    assert.ok(hasDeviceLogins(certs!), 'devices log in with certificates there');
    assert.ok(!hasDeviceLogins(web!) && web!.protocols.includes('web-mqtt'), 'browser apps use MQTT over wss there, never a raw listener');
    assert.ok([topology.backend, ...topology.gateways].every((c) => c.tls));
    assert.ok(topology.gateways.every((g) => g.maxConnections === 12_000));
  });

  it('uses no port of the bench fleet at its largest, nor of the stock node', () => {
    const { topology } = identityTopologyYaml(12_000, 'x.json');
    const bench = benchTopologyYaml(8, 'x.json').topology;
    const taken = new Set([...[bench.backend, ...bench.gateways].flatMap((c) => Object.values(c.ports)), ...Object.values(STOCK_NODE_PORTS)]);
    const ours = [topology.backend, ...topology.gateways].flatMap((c) => Object.values(c.ports));
    assert.ok(ours.includes(webMqttPort(topology.gateways[1]!)), 'the wss listener has a port of its own');
    assert.equal(new Set(ours).size, ours.length, 'no port used twice');
    for (const port of ours) assert.ok(!taken.has(port), `port ${port} is free`);
  });
});

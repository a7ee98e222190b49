import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseTopology } from '@fedgate/topology';
import { deviceAuthzFiles, deviceAuthzSpecs } from '@fedgate/local-cluster';

const text = readFileSync('test/fixtures/drill-fleet.yaml', 'utf8');

describe('local-cluster - device authorisation endpoints (pure)', () => {
  it('runs none for plain gateways', () => {
    assert.deepEqual(deviceAuthzSpecs(parseTopology(text, 'drill.yaml')), []);
  });

  it('runs one per node of each TLS gateway, on loopback at ports.authz (+ the node index), with the fleet vhost', () => {
    const tls = text
      .replace(/^(\s+)cidr: (10\.[12]\.0\.0\/16)$/gm, '$1cidr: $2\n$1tls: true')
      .replace('stomp: 61900 }', 'stomp: 61900, authz: 16230 }')
      .replace('    protocols: [mqtt, stomp]\n', '    protocols: [mqtt, stomp]\n    nodes: 2\n');
    const specs = deviceAuthzSpecs(parseTopology(tls, 'drill-tls.yaml'));
    assert.deepEqual(
      specs.map((s) => [s.gateway, s.node, s.host, s.port, s.vhost]),
      [
        ['eu', 0, '127.0.0.1', 16230, '/'],
        ['eu', 1, '127.0.0.1', 16231, '/'],
        ['us', 0, '127.0.0.1', 15680, '/'],
      ],
    );
    assert.deepEqual(deviceAuthzFiles('/state', specs[1]!), { dir: '/state/authz', pidFile: '/state/authz/eu_2.pid', logFile: '/state/authz/eu_2.log' });
  });
});

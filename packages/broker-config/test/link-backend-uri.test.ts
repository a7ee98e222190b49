import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { credentialFileKey, parseTopology, requiredCredentials, secretsFromMap } from '@fedgate/topology';
import { compileGatewayDefinitions, type ParameterDefinition } from '@fedgate/broker-config';

const topology = parseTopology(readFileSync('test/fixtures/drill-fleet.yaml', 'utf8'), 'drill-fleet.yaml');
const secrets = secretsFromMap(new Map(requiredCredentials(topology).map((ref) => [credentialFileKey(ref), `pw-${ref.user}`])));

function linkUris(gateway: string): Record<string, string> {
  const gw = topology.gateways.find((g) => g.name === gateway)!;
  const params = compileGatewayDefinitions(topology, gw, secrets).parameters as ParameterDefinition[];
  return Object.fromEntries(
    params
      .filter((p) => p.component !== 'vhost-limits')
      .map((p) => [p.name, String(p.value['src-uri'] === 'amqp://' ? p.value['dest-uri'] : (p.value['src-uri'] ?? p.value.uri))]),
  );
}

describe('broker-config - links through the WAN proxy (local mode)', () => {
  it('points every shovel of a gateway with `wan` at its proxy port instead of the backend listener', () => {
    assert.deepEqual(linkUris('eu'), {
      'fedgate-down-eu': 'amqp://fedgate-down-eu:pw-fedgate-down-eu@127.0.0.1:6150/%2F',
      'fedgate-presence-eu': 'amqp://fedgate-up-eu:pw-fedgate-up-eu@127.0.0.1:6150/%2F',
      'fedgate-up-eu': 'amqp://fedgate-up-eu:pw-fedgate-up-eu@127.0.0.1:6150/%2F',
    });
  });

  it('points the federation upstream of a gateway with `wan` at its proxy port', () => {
    assert.equal(linkUris('us')['fedgate-backend-for-us'], 'amqp://fedgate-down-us:pw-fedgate-down-us@127.0.0.1:6160/%2F');
  });
});

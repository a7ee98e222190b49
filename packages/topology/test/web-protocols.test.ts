import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  DEFAULT_WEB_MQTT_PORT,
  DEFAULT_WEB_STOMP_PORT,
  parseTopology,
  protocolPort,
  speaksMqtt,
  speaksStomp,
  TopologyValidationError,
} from '@fedgate/topology';

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

const edited = (...pairs: [string, string][]) =>
  pairs.reduce((text, [from, to]) => {
    assert.ok(text.includes(from), `fixture lacks ${from}`);
    return text.replace(from, to);
  }, DRILL);

describe('topology - WebSocket protocols (web-mqtt, web-stomp)', () => {
  it('accepts web-mqtt and web-stomp with their default ports, and ports of their own', () => {
    const topology = parseTopology(edited(['protocols: [mqtt, stomp]', 'protocols: [mqtt, stomp, web-mqtt, web-stomp]']), 'fleet.yaml');
    const eu = topology.gateways[0]!;
    assert.equal(protocolPort(eu, 'web-mqtt'), DEFAULT_WEB_MQTT_PORT);
    assert.equal(protocolPort(eu, 'web-stomp'), DEFAULT_WEB_STOMP_PORT);
    assert.equal(protocolPort(eu, 'mqtt'), 2100);
    const own = parseTopology(edited(['protocols: [mqtt, stomp]', 'protocols: [web-mqtt]'], ['stomp: 61900 }', 'stomp: 61900, webMqtt: 9443 }']), 'fleet.yaml');
    assert.equal(protocolPort(own.gateways[0]!, 'web-mqtt'), 9443);
    assert.ok(speaksMqtt(own.gateways[0]!) && !speaksStomp(own.gateways[0]!), 'web-mqtt alone runs the MQTT plugin, not STOMP');
  });

  it('refuses unknown protocols and a protocol twice, naming the choices', () => {
    assert.deepEqual(problems(edited(['protocols: [mqtt, stomp]', 'protocols: [mqtt, websocket]'])), [
      'gateways[0].protocols[1]: expected one of "mqtt", "stomp", "web-mqtt", "web-stomp"',
    ]);
    assert.deepEqual(problems(edited(['protocols: [mqtt, stomp]', 'protocols: [web-mqtt, web-mqtt]'])), ['gateways[0].protocols: each protocol once']);
  });

  it('refuses web-mqtt beside mqtt on a TLS gateway (a browser would pass for a device), allows it on a plain one and web-stomp anywhere', () => {
    const tls = (protocols: string) =>
      edited(['protocols: [mqtt, stomp]', `protocols: ${protocols}`], ['cidr: 10.1.0.0/16', 'cidr: 10.1.0.0/16\n    tls: true']);
    const [problem, ...rest] = problems(tls('[mqtt, web-mqtt]'));
    assert.equal(rest.length, 0);
    assert.match(problem!, /^gateways\[0\]\.protocols: web-mqtt cannot share a TLS gateway with mqtt: a browser .* could log in as any device/);
    assert.deepEqual(problems(tls('[stomp, web-mqtt, web-stomp]')), []);
    assert.deepEqual(problems(tls('[mqtt, stomp, web-stomp]')), []);
    assert.deepEqual(problems(edited(['protocols: [mqtt, stomp]', 'protocols: [mqtt, web-mqtt]'])), [], 'plain: devices share one login anyway');
  });

  it('checks web ports for collisions: a named one, and the defaults of two gateways on one host', () => {
    assert.deepEqual(problems(edited(['protocols: [mqtt, stomp]', 'protocols: [mqtt, web-mqtt]'], ['stomp: 61900 }', 'stomp: 61900, webMqtt: 2100 }'])), [
      'gateways[0].ports.webMqtt: port 2100 on 127.0.0.1 is already used by gateways[0].ports.mqtt',
    ]);
    const bothDefault = edited(['protocols: [mqtt, stomp]', 'protocols: [mqtt, web-stomp]'], ['protocols: [mqtt]', 'protocols: [mqtt, web-stomp]']);
    assert.deepEqual(problems(bothDefault), [
      `gateways[1].ports.webStomp: port ${DEFAULT_WEB_STOMP_PORT} on 127.0.0.1 is already used by gateways[0].ports.webStomp`,
    ]);
    // A gateway without the protocol does not hold its default port.
    assert.deepEqual(problems(edited(['protocols: [mqtt, stomp]', 'protocols: [mqtt, web-stomp]'])), []);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseTopology, type Gateway } from '@fedgate/topology';
import { renderEnabledPlugins, renderRabbitmqConf } from '@fedgate/broker-config';

const settings = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

function gatewayWith(protocols: string, tls: boolean): { conf: string[]; plugins: string; gw: Gateway } {
  const text = readFileSync('test/fixtures/drill-fleet.yaml', 'utf8')
    .replace('protocols: [mqtt, stomp]', `protocols: ${protocols}`)
    .replace(/^(\s+)cidr: (10\.1\..*)$/m, `$1cidr: $2\n$1tls: ${tls}`);
  const topology = parseTopology(text, 'fleet.yaml');
  const gw = topology.gateways[0]!;
  return { conf: settings(renderRabbitmqConf(topology, gw, { listenIp: '127.0.0.1' })), plugins: renderEnabledPlugins(gw), gw };
}

describe('broker-config - MQTT and STOMP over WebSockets', () => {
  it('TLS gateway: wss only, with the node certificate and no client certificate asked for (browsers have none)', () => {
    const { conf, plugins } = gatewayWith('[stomp, web-mqtt, web-stomp]', true);
    for (const key of ['web_mqtt', 'web_stomp']) {
      assert.ok(conf.includes(`${key}.tcp.listener = none`), `${key}: no plain ws`);
      assert.ok(
        conf.some((l) => l.startsWith(`${key}.ssl.port = `)),
        `${key}: wss`,
      );
      assert.ok(conf.includes(`${key}.ssl.ip = 127.0.0.1`), `${key}: local mode binds loopback`);
      assert.ok(conf.some((l) => l.startsWith(`${key}.ssl.certfile = `)) && conf.some((l) => l.startsWith(`${key}.ssl.keyfile = `)));
      assert.ok(
        !conf.some((l) => l.startsWith(`${key}.ssl.verify`) || l.startsWith(`${key}.ssl.fail_if_no_peer_cert`)),
        `${key}: no peer certificate required`,
      );
    }
    // The raw listeners keep requiring one.
    assert.ok(conf.includes('ssl_options.fail_if_no_peer_cert = true'));
    // No raw MQTT, so no device logins: the authorisation endpoint is not in the chain, apps' tokens are.
    assert.ok(!conf.some((l) => l.startsWith('auth_cache.') || l.startsWith('auth_http.')), 'no device endpoint');
    assert.ok(!conf.includes('auth_backends.2 = cache'));
    assert.doesNotMatch(plugins, /rabbitmq_auth_backend_http/);
    assert.match(plugins, /rabbitmq_web_mqtt/);
    assert.match(plugins, /rabbitmq_web_stomp/);
    // Same exchange and vhost as the raw protocols: the web plugins use the MQTT and STOMP plugins' settings.
    assert.ok(conf.includes('mqtt.exchange = fedgate.devices') && conf.includes('stomp.default_topic_exchange = fedgate.devices'));
  });

  it('web-mqtt alone: the MQTT plugin runs with its settings but opens no raw listener; no STOMP at all', () => {
    const { conf, plugins } = gatewayWith('[web-mqtt]', false);
    assert.ok(conf.includes('mqtt.listeners.tcp = none') && conf.includes('mqtt.listeners.ssl = none'));
    assert.ok(conf.includes('web_mqtt.tcp.port = 8083') && conf.includes('web_mqtt.tcp.ip = 127.0.0.1'));
    assert.ok(conf.includes('mqtt.exchange = fedgate.devices') && conf.includes('mqtt.allow_anonymous = false'));
    assert.ok(!conf.some((l) => l.startsWith('stomp.') || l.startsWith('web_stomp.')), 'nothing STOMP');
    assert.equal(plugins.includes('rabbitmq_mqtt,') && plugins.includes('rabbitmq_web_mqtt'), true);
    assert.ok(!plugins.includes('stomp'));
  });

  it('a TLS gateway keeps its device endpoint beside web-stomp (STOMP logins carry no client id, which the endpoint refuses)', () => {
    const { conf, plugins } = gatewayWith('[mqtt, stomp, web-stomp]', true);
    assert.ok(conf.includes('auth_backends.2 = cache') && conf.includes('auth_cache.cached_backend = http'));
    assert.ok(conf.some((l) => l.startsWith('web_stomp.ssl.port = ')));
    assert.match(plugins, /rabbitmq_auth_backend_http/);
  });

  it('a gateway without web protocols renders no web setting', () => {
    const { conf, plugins } = gatewayWith('[mqtt, stomp]', true);
    assert.ok(!conf.some((l) => l.startsWith('web_')));
    assert.ok(!plugins.includes('web'));
  });
});

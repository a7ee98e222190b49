import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  DEVICE_USER,
  credentialFileKey,
  downlinkUser,
  parseTopology,
  requiredCredentials,
  secretsFromMap,
  uplinkUser,
  type Gateway,
  type Topology,
} from '@fedgate/topology';
import { compileCluster, definitionsText, renderEnabledPlugins, renderRabbitmqConf, type ParameterDefinition } from '@fedgate/broker-config';

/** The drill fleet (a WAN proxy per gateway) with every cluster on TLS: links then go through the proxy verified. */
function tlsTopology(): Topology {
  const text = readFileSync('test/fixtures/drill-fleet.yaml', 'utf8')
    .replace(/^(\s+)cidr: (.*)$/gm, '$1cidr: $2\n$1tls: true')
    .replace('stomp: 61900 }', 'stomp: 61900, authz: 16220 }');
  return parseTopology(text, 'drill-fleet-tls.yaml');
}

/** Every password the topology asks for, as a recognisable fake; a TLS topology asks for fewer. */
function fakeSecrets(topology: Topology) {
  const wanted = new Map(requiredCredentials(topology).map((ref) => [credentialFileKey(ref), `pw-${ref.cluster}-${ref.user}`]));
  return secretsFromMap(wanted);
}

const topology = tlsTopology();
const secrets = fakeSecrets(topology);
const gateway = (name: string) => topology.gateways.find((g) => g.name === name) as Gateway;
const conf = (name: string, options = {}) => renderRabbitmqConf(topology, name === 'core' ? topology.backend : gateway(name), options);
const lines = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

function linkUris(gw: string, tlsDir = '/etc/rabbitmq/tls'): Record<string, string> {
  const params = compileCluster(topology, gateway(gw), secrets, { tlsDir }).definitions.parameters as ParameterDefinition[];
  return Object.fromEntries(
    params
      .filter((p) => p.component !== 'vhost-limits')
      .map((p) => [p.name, String(p.value['src-uri'] === 'amqp://' ? p.value['dest-uri'] : (p.value['src-uri'] ?? p.value.uri))]),
  );
}

describe('broker-config - TLS clusters', () => {
  it('asks for no link or device password when backend and gateways speak TLS', () => {
    const users = requiredCredentials(topology).map((r) => `${r.cluster}/${r.user}`);
    assert.deepEqual(users.sort(), ['core/fedgate-admin', 'core/fedgate-app', 'core/fedgate-router', 'eu/fedgate-admin', 'us/fedgate-admin']);
  });

  it('turns every plain listener off and verifies client certificates against the fleet CA', () => {
    for (const name of ['core', 'eu', 'us']) {
      const settings = lines(conf(name));
      assert.ok(settings.includes('listeners.tcp = none'), name);
      assert.ok(settings.includes('ssl_options.verify = verify_peer'), name);
      assert.ok(settings.includes('ssl_options.cacertfile = /etc/rabbitmq/tls/ca.pem'), name);
      assert.deepEqual(
        settings.filter((l) => /\.tcp\.(default|1) =/.test(l)),
        [],
        `${name} has a plain listener`,
      );
    }
    assert.ok(lines(conf('eu')).includes('mqtt.listeners.tcp = none'));
    assert.ok(lines(conf('eu')).includes('stomp.listeners.tcp = none'));
  });

  it('refuses gateway clients without a certificate but lets backend services log in with passwords', () => {
    assert.ok(lines(conf('eu')).includes('ssl_options.fail_if_no_peer_cert = true'));
    assert.ok(lines(conf('core')).includes('ssl_options.fail_if_no_peer_cert = false'));
    assert.deepEqual(
      lines(conf('core')).filter((l) => l.startsWith('auth_mechanisms.')),
      ['auth_mechanisms.1 = PLAIN', 'auth_mechanisms.2 = AMQPLAIN', 'auth_mechanisms.3 = EXTERNAL'],
    );
    assert.ok(!lines(conf('eu')).some((l) => l.startsWith('auth_mechanisms.') && l.endsWith('EXTERNAL')), 'no AMQP certificate login on gateways');
    assert.match(renderEnabledPlugins(topology.backend), /rabbitmq_auth_mechanism_ssl/);
  });

  it("takes MQTT logins and client ids from certificates, and asks the node's own endpoint about devices", () => {
    const eu = lines(conf('eu'));
    for (const setting of [
      'ssl_cert_login_from = common_name',
      'mqtt.ssl_cert_login = true',
      'mqtt.ssl_cert_client_id_from = subject_alternative_name',
      'mqtt.ssl_cert_login_san_type = dns',
      'mqtt.ssl_cert_login_san_index = 0',
      'auth_backends.1 = internal',
      'auth_backends.2 = cache',
      'auth_cache.cached_backend = http',
    ])
      assert.ok(eu.includes(setting), setting);
    assert.ok(eu.includes('auth_http.user_path = http://127.0.0.1:16220/auth/user'));
    // us names no authz port: the default.
    assert.ok(lines(conf('us')).includes('auth_http.topic_path = http://127.0.0.1:15680/auth/topic'));
    for (const plugin of ['rabbitmq_auth_backend_cache', 'rabbitmq_auth_backend_http']) assert.match(renderEnabledPlugins(gateway('eu')), new RegExp(plugin));
  });

  it('lets apps log in with tokens only when the signing key id is given', () => {
    assert.ok(!conf('eu').includes('oauth2'));
    const withKey = lines(conf('eu', { tokenKeyId: 'fedgate-0123456789abcdef', tlsDir: '/n/eu/tls' }));
    assert.ok(withKey.includes('auth_backends.3 = oauth2'));
    assert.ok(withKey.includes('auth_oauth2.signing_keys.fedgate-0123456789abcdef = /n/eu/tls/token-signing.pub.pem'));
    assert.ok(withKey.includes('auth_oauth2.preferred_username_claims.1 = sub'));
  });

  it('binds every listener to the address local mode gives, and to every interface otherwise', () => {
    const local = lines(conf('eu', { listenIp: '127.0.0.1' }));
    for (const setting of [
      'listeners.ssl.default = 127.0.0.1:6200',
      'mqtt.listeners.ssl.default = 127.0.0.1:2100',
      'stomp.listeners.ssl.1 = 127.0.0.1:61900',
      'management.ssl.ip = 127.0.0.1',
      'prometheus.tcp.ip = 127.0.0.1',
    ])
      assert.ok(local.includes(setting), setting);
    assert.ok(!conf('eu').includes('.ip ='));
    assert.ok(lines(conf('eu')).includes('mqtt.listeners.ssl.default = 2100'));
  });

  it("puts each node's own TLS directory in its files and link URIs", () => {
    const settings = lines(conf('eu', { tlsDir: '/state/eu/tls' }));
    assert.ok(settings.includes('ssl_options.keyfile = /state/eu/tls/key.pem'));
    assert.ok(settings.includes('management.ssl.certfile = /state/eu/tls/cert.pem'));
    assert.match(
      linkUris('eu', '/state/eu/tls')['fedgate-down-eu']!,
      /certfile=\/state\/eu\/tls\/fedgate-down-eu\.pem&keyfile=\/state\/eu\/tls\/fedgate-down-eu\.key/,
    );
  });

  it('makes links verify the backend by its host name through the WAN proxy and log in with their certificate', () => {
    const query =
      'cacertfile=/etc/rabbitmq/tls/ca.pem&certfile=/etc/rabbitmq/tls/USER.pem&keyfile=/etc/rabbitmq/tls/USER.key' +
      '&verify=verify_peer&server_name_indication=127.0.0.1&auth_mechanism=external';
    assert.deepEqual(linkUris('eu'), {
      'fedgate-down-eu': `amqps://127.0.0.1:6150/%2F?${query.replaceAll('USER', 'fedgate-down-eu')}`,
      'fedgate-presence-eu': `amqps://127.0.0.1:6150/%2F?${query.replaceAll('USER', 'fedgate-up-eu')}`,
      'fedgate-up-eu': `amqps://127.0.0.1:6150/%2F?${query.replaceAll('USER', 'fedgate-up-eu')}`,
    });
    assert.equal(linkUris('us')['fedgate-backend-for-us'], `amqps://127.0.0.1:6160/%2F?${query.replaceAll('USER', 'fedgate-down-us')}`);
  });

  it('leaves no usable link password and no device user in any definitions', () => {
    const backend = compileCluster(topology, topology.backend, secrets).definitions;
    for (const user of [downlinkUser('eu'), uplinkUser('eu'), downlinkUser('us'), uplinkUser('us')]) {
      assert.equal(backend.users.find((u) => u.name === user)?.password_hash, '', `${user} has a password`);
    }
    for (const gw of topology.gateways) {
      const text = definitionsText(compileCluster(topology, gw, secrets).definitions);
      assert.doesNotMatch(text, /pw-|@127\.0\.0\.1/, `${gw.name}: a password or a user:password@ URI`);
      assert.ok(!text.includes(DEVICE_USER), `${gw.name}: the shared device user is still there`);
    }
  });
});

import assert from 'node:assert/strict';
import { createVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  MAX_TOKEN_TTL_SECONDS,
  PkiError,
  appScopes,
  appSubscriptionQueue,
  certificateLoginSettings,
  ensureTokenSigningKey,
  oauthBrokerSettings,
  parseTtl,
  scopeLiteral,
  signAppToken,
} from '../src/index.ts';
import { RabbitScopeMatcher, wildcardMatch } from './rabbit-scope-matcher.ts';

function pkiError(code: string, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof PkiError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('pki - app scopes (pure)', () => {
  it('scopes - app-1 on vhost / gets its own queues, commands to read and events to write on fedgate.devices, and nothing else', () => {
    assert.deepEqual(appScopes('app-1', '/', 'fedgate'), [
      'fedgate.configure:%2F/fedgate.app.app-1.*',
      'fedgate.write:%2F/fedgate.app.app-1.*',
      'fedgate.read:%2F/fedgate.app.app-1.*',
      'fedgate.configure:%2F/mqtt-subscription-app-1qos0',
      'fedgate.write:%2F/mqtt-subscription-app-1qos0',
      'fedgate.read:%2F/mqtt-subscription-app-1qos0',
      'fedgate.configure:%2F/mqtt-subscription-app-1qos1',
      'fedgate.write:%2F/mqtt-subscription-app-1qos1',
      'fedgate.read:%2F/mqtt-subscription-app-1qos1',
      'fedgate.read:%2F/fedgate.devices/devices.app-1.commands.*',
      'fedgate.write:%2F/fedgate.devices/devices.app-1.events.*',
    ]);
  });

  it('scopes - as RabbitMQ matches them, the app subscribes to its commands and publishes its events over STOMP', () => {
    const can = new RabbitScopeMatcher(appScopes('app-1', '/', 'fedgate'), 'fedgate');
    const queue = appSubscriptionQueue('app-1');
    assert.equal(queue, 'fedgate.app.app-1.commands');
    assert.ok(can.canSubscribe('/', 'fedgate.devices', 'devices.app-1.commands.#', queue));
    assert.ok(can.canSubscribe('/', 'fedgate.devices', 'devices.app-1.commands.refresh', appSubscriptionQueue('app-1', 'refresh')));
    assert.ok(can.canPublish('/', 'fedgate.devices', 'devices.app-1.events.status'));
  });

  it("scopes - over MQTT (web-mqtt) the app subscribes through its own client id's session queues only", () => {
    const can = new RabbitScopeMatcher(appScopes('app-1', '/', 'fedgate'), 'fedgate');
    for (const queue of ['mqtt-subscription-app-1qos0', 'mqtt-subscription-app-1qos1']) {
      assert.ok(can.canSubscribe('/', 'fedgate.devices', 'devices.app-1.commands.#', queue), queue);
    }
    // Another client id's session: another app, a device named like ours with more after it, a wildcard.
    for (const queue of [
      'mqtt-subscription-app-10qos1',
      'mqtt-subscription-app-1qos1x',
      'mqtt-subscription-app-1qosqos1',
      'mqtt-subscription-app-1qos2',
      'mqtt-subscription-*',
    ]) {
      assert.ok(!can.resourceAccess('/', queue, 'configure'), `configure ${queue}`);
      assert.ok(!can.resourceAccess('/', queue, 'read'), `read ${queue}`);
    }
  });

  it("scopes - as RabbitMQ matches them, the app reaches no other app's or device's commands, queues or topics", () => {
    const can = new RabbitScopeMatcher(appScopes('app-1', '/', 'fedgate'), 'fedgate');
    const own = appSubscriptionQueue('app-1');
    // Another device's or app's commands, also one whose name starts like ours.
    for (const key of ['devices.sensor-7.commands.#', 'devices.app-10.commands.#', 'devices.*.commands.#', 'devices.#', '#']) {
      assert.ok(!can.canSubscribe('/', 'fedgate.devices', key, own), key);
    }
    // Another identity's session queues, the STOMP plugin's predictable default name, another app's queues.
    for (const queue of [
      'mqtt-subscription-sensor-7qos1',
      'stomp-subscription-R3wC1yPmkS4_nHqIhiVqbw',
      'fedgate.app.app-10.commands',
      'fedgate.uplink',
      'amq.gen-x',
    ]) {
      assert.ok(!can.resourceAccess('/', queue, 'read'), `read ${queue}`);
      assert.ok(!can.resourceAccess('/', queue, 'configure'), `configure ${queue}`);
    }
    // Publishing commands (to itself or others) or others' events, or to another exchange.
    for (const key of ['devices.app-1.commands.unlock', 'devices.sensor-7.events.status', 'devices.app-10.events.status']) {
      assert.ok(!can.canPublish('/', 'fedgate.devices', key), key);
    }
    assert.ok(!can.canPublish('/', 'amq.topic', 'devices.app-1.events.status'));
    assert.ok(!can.canSubscribe('/', 'fedgate.presence', 'devices.app-1.commands.#', own));
    // Another vhost.
    assert.ok(!can.vhostAccess('other'));
    assert.ok(!can.canPublish('other', 'fedgate.devices', 'devices.app-1.events.status'));
  });

  it('scopes - a vhost other than / and names with wildcard characters are escaped, so they stay literal', () => {
    assert.equal(scopeLiteral('/'), '%2F');
    assert.equal(scopeLiteral('a*b+c/d'), 'a%2Ab%2Bc%2Fd');
    const scopes = appScopes('app-1', 'fleet*', 'fedgate');
    assert.equal(scopes[0], 'fedgate.configure:fleet%2A/fedgate.app.app-1.*');
    const can = new RabbitScopeMatcher(scopes, 'fedgate');
    assert.ok(can.vhostAccess('fleet*'));
    assert.ok(!can.vhostAccess('fleet-other'));
    assert.ok(wildcardMatch('/', '%2F') && !wildcardMatch('x', '%2F'));
  });

  it('scopes - refuse app names that would widen the patterns, naming the name and the rule', () => {
    for (const bad of ['app.1', 'app*', '-app', '', 'a/b', 'x'.repeat(65)]) {
      assert.throws(
        () => appScopes(bad),
        pkiError('PKI_INVALID_APP_NAME', /invalid app name .*: expected 1 to 64 characters of letters, digits, "_" and "-"/),
        bad,
      );
    }
    assert.throws(() => appSubscriptionQueue('app-1', 'a.b'), pkiError('PKI_INVALID_OPTION', /invalid subscription name "a\.b"/));
  });
});

describe('pki - ttl (pure)', () => {
  it('ttl - s, m, h and d units, up to 30 days', () => {
    assert.equal(parseTtl('90s'), 90);
    assert.equal(parseTtl('15m'), 900);
    assert.equal(parseTtl('1h'), 3600);
    assert.equal(parseTtl('30d'), MAX_TOKEN_TTL_SECONDS);
  });

  it('ttl - refuses no unit, other units, zero, fractions and more than 30 days, with the rule', () => {
    for (const bad of ['1', '1x', '1.5h', '-1h', 'h', '', '1 h 2m']) {
      assert.throws(
        () => parseTtl(bad),
        pkiError('PKI_INVALID_TTL', /expected a whole number with a unit s, m, h or d \(e\.g\. 90s, 15m, 1h, 7d\), at most 30d/),
        bad,
      );
    }
    assert.throws(() => parseTtl('0s'), pkiError('PKI_INVALID_TTL', /"0s": a token lives from 1 second to 30 days/));
    assert.throws(() => parseTtl('31d'), pkiError('PKI_INVALID_TTL', /"31d": a token lives from 1 second to 30 days/));
    assert.throws(() => parseTtl('721h'), pkiError('PKI_INVALID_TTL', /30 days/));
  });
});

describe('pki - broker settings (pure)', () => {
  it('oauth settings - resource server id, audience check, username claim, the static signing key by kid, one algorithm', () => {
    const settings = oauthBrokerSettings({
      signingKey: { kid: 'fedgate-0123456789abcdef', alg: 'RS256', publicKeyFile: '/etc/rabbitmq/fedgate-token.pub.pem' },
    });
    assert.deepEqual(settings, {
      'auth_oauth2.resource_server_id': 'fedgate',
      'auth_oauth2.verify_aud': 'true',
      'auth_oauth2.preferred_username_claims.1': 'sub',
      'auth_oauth2.default_key': 'fedgate-0123456789abcdef',
      'auth_oauth2.signing_keys.fedgate-0123456789abcdef': '/etc/rabbitmq/fedgate-token.pub.pem',
      'auth_oauth2.algorithms.1': 'RS256',
    });
    assert.throws(
      () => oauthBrokerSettings({ signingKey: { kid: 'a.b', alg: 'RS256', publicKeyFile: '/k' } }),
      pkiError('PKI_INVALID_OPTION', /key id "a\.b"/),
    );
  });

  it('certificate login settings - CN as the user, the MQTT client id from the first DNS SAN', () => {
    assert.deepEqual(certificateLoginSettings({ mqtt: true }), {
      ssl_cert_login_from: 'common_name',
      'mqtt.ssl_cert_login': 'true',
      'mqtt.ssl_cert_client_id_from': 'subject_alternative_name',
      'mqtt.ssl_cert_login_san_type': 'dns',
      'mqtt.ssl_cert_login_san_index': '0',
    });
    assert.deepEqual(certificateLoginSettings({ mqtt: false }), { ssl_cert_login_from: 'common_name' });
  });
});

describe('pki - token signing key and app tokens', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'fedgate-pki-token-')), 'pki');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('signing key - created once with the private key 0600 and the directory 0700, then the same key and kid', async () => {
    const first = await ensureTokenSigningKey(dir);
    assert.equal(first.created, true);
    assert.match(first.kid, /^fedgate-[0-9a-f]{16}$/);
    assert.equal(statSync(first.privateKeyFile).mode & 0o777, 0o600);
    assert.equal(statSync(first.publicKeyFile).mode & 0o777, 0o644);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(first.privateKey.asymmetricKeyDetails?.modulusLength, 2048);
    const second = await ensureTokenSigningKey(dir);
    assert.equal(second.created, false);
    assert.equal(second.kid, first.kid);
  });

  it('signing key - two first runs at once end with one key', async () => {
    const keys = await Promise.all([ensureTokenSigningKey(dir), ensureTokenSigningKey(dir), ensureTokenSigningKey(dir)]);
    assert.equal(new Set(keys.map((k) => k.kid)).size, 1);
    assert.equal(keys.filter((k) => k.created).length, 1);
  });

  it('token - header and claims RabbitMQ reads: kid, sub, aud, scope, exp = iat + ttl; the signature verifies with the public key file', async () => {
    const key = await ensureTokenSigningKey(dir);
    const scopes = appScopes('app-1', '/', 'fedgate');
    const now = new Date();
    const issued = await signAppToken(key, { app: 'app-1', scopes, ttlSeconds: 900, audience: 'fedgate', now });

    assert.deepEqual(decodeProtectedHeader(issued.token), { alg: 'RS256', kid: key.kid, typ: 'JWT' });
    const claims = decodeJwt(issued.token);
    assert.equal(claims.sub, 'app-1');
    assert.equal(claims.client_id, 'app-1');
    assert.equal(claims.aud, 'fedgate');
    assert.equal(claims.scope, scopes.join(' '));
    assert.equal(claims.iat, Math.floor(now.getTime() / 1000));
    assert.equal(claims.exp, claims.iat! + 900);
    assert.equal(issued.expiresAt.getTime(), claims.exp! * 1000);

    // The signature, checked with node:crypto and the public key file the broker is given.
    const [header, payload, signature] = issued.token.split('.');
    const publicPem = readFileSync(key.publicKeyFile, 'utf8');
    assert.ok(createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(publicPem, Buffer.from(signature!, 'base64url')));
    // And as a JWT library verifies it, audience included.
    const verified = await jwtVerify(issued.token, key.publicKey, { audience: 'fedgate', algorithms: ['RS256'] });
    assert.equal(verified.payload.sub, 'app-1');
  });

  it("token - does not verify with another fleet's key, nor once expired", async () => {
    const key = await ensureTokenSigningKey(dir);
    const other = await ensureTokenSigningKey(join(dir, 'other'));
    const issued = await signAppToken(key, { app: 'app-1', scopes: appScopes('app-1'), ttlSeconds: 60 });
    await assert.rejects(jwtVerify(issued.token, other.publicKey), /signature verification failed/);
    const old = await signAppToken(key, { app: 'app-1', scopes: appScopes('app-1'), ttlSeconds: 60, now: new Date(Date.now() - 3_600_000) });
    await assert.rejects(jwtVerify(old.token, key.publicKey), /"exp" claim timestamp check failed/);
  });

  it('token - refuses bad names, ttls beyond 30 days, no scopes, and scopes the broker would ignore', async () => {
    const key = await ensureTokenSigningKey(dir);
    const scopes = appScopes('app-1');
    await assert.rejects(signAppToken(key, { app: 'app.1', scopes }), pkiError('PKI_INVALID_APP_NAME', /"app\.1"/));
    await assert.rejects(
      signAppToken(key, { app: 'app-1', scopes, ttlSeconds: MAX_TOKEN_TTL_SECONDS + 1 }),
      pkiError('PKI_INVALID_TTL', /1 second to 30 days/),
    );
    await assert.rejects(signAppToken(key, { app: 'app-1', scopes, ttlSeconds: 0 }), pkiError('PKI_INVALID_TTL', /1 second to 30 days/));
    await assert.rejects(signAppToken(key, { app: 'app-1', scopes: [] }), pkiError('PKI_INVALID_OPTION', /at least one scope/));
    await assert.rejects(
      signAppToken(key, { app: 'app-1', scopes: ['rabbitmq.read:*/*'], audience: 'fedgate' }),
      pkiError('PKI_INVALID_OPTION', /invalid scope "rabbitmq\.read:\*\/\*": .*prefix "fedgate\."/),
    );
  });
});

import assert from 'node:assert/strict';
import { decideAuthz, parseAuthzRequest, type AuthzDecision } from '@fedgate/device-authz';
import { deviceSessionQueues } from '@fedgate/topology';

const policy = { vhost: '/' };

/** The question exactly as RabbitMQ's HTTP backend posts it: a path and a form body. */
function ask(path: string, fields: Record<string, string>): AuthzDecision {
  const request = parseAuthzRequest(path, new URLSearchParams(fields).toString());
  assert.ok(request, `${path} parses`);
  return decideAuthz(request, policy);
}

const allowed = (d: AuthzDecision) => d.allow;
const topic = (username: string, permission: string, key: string, clientId = username) =>
  ask('/auth/topic', {
    username,
    vhost: '/',
    resource: 'topic',
    name: 'fedgate.devices',
    permission,
    routing_key: key,
    'variable_map.client_id': clientId,
    'variable_map.username': username,
    'variable_map.vhost': '/',
  });
const resource = (username: string, kind: string, name: string, permission: string) =>
  ask('/auth/resource', { username, vhost: '/', resource: kind, name, permission, tags: '', client_id: username });

describe('device-authz - rules', () => {
  // Exactly what RabbitMQ 4.0.5 posted for an MQTT login with a device certificate (seen on the wire).
  const certificateLogin = (username: string, clientId = username) => ({ username, vhost: '/', client_id: clientId, password: 'none' });

  it('lets a device log in with its certificate, as the broker asks for one', () => {
    assert.ok(allowed(ask('/auth/user', certificateLogin('sensor-1'))));
    assert.ok(allowed(ask('/auth/user', { username: 'sensor-1', vhost: '/', client_id: 'sensor-1' })));
  });

  it("refuses a login whose name is not the certificate's client id, though it looks like a certificate login", () => {
    // sensor-1's certificate, user name "sensor-2" and the word "none" as the password.
    assert.deepEqual(ask('/auth/user', certificateLogin('sensor-2', 'sensor-1')), {
      allow: false,
      reason: 'user "sensor-2" is not the certificate\'s client id "sensor-1"',
    });
  });

  it('refuses password logins and logins without an MQTT client id (STOMP, AMQP)', () => {
    assert.equal(ask('/auth/user', { ...certificateLogin('sensor-1'), password: 'hunter2' }).allow, false);
    assert.equal(ask('/auth/user', { username: 'sensor-1', password: 'none', vhost: '/' }).allow, false);
    assert.equal(ask('/auth/user', { username: 'sensor-1', password: 'none' }).allow, false);
    assert.equal(ask('/auth/user', { ...certificateLogin('sensor-1'), vhost: 'other' }).allow, false);
    assert.equal(ask('/auth/user', { ...certificateLogin('sensor-1'), tags: 'administrator' }).allow, false);
  });

  it("refuses names that are no device id: fedgate's own users, patterns, dots, empty", () => {
    for (const username of ['fedgate-admin', 'fedgate-down-eu', '.*', '#', 'a.b', '', 'x'.repeat(65), 'devices/x']) {
      assert.equal(ask('/auth/user', certificateLogin(username)).allow, false, username);
      assert.equal(topic(username, 'read', `devices.${username}.commands.#`).allow, false, username);
    }
    assert.equal(ask('/auth/user', {}).allow, false);
  });

  it("admits devices to the fleet's vhost only, as themselves", () => {
    assert.ok(allowed(ask('/auth/vhost', { username: 'sensor-1', vhost: '/', ip: '::ffff:127.0.0.1', tags: '', client_id: 'sensor-1' })));
    assert.equal(ask('/auth/vhost', { username: 'sensor-1', vhost: 'other', ip: '127.0.0.1', tags: '', client_id: 'sensor-1' }).allow, false);
    assert.equal(ask('/auth/vhost', { username: 'sensor-2', vhost: '/', ip: '127.0.0.1', tags: '', client_id: 'sensor-1' }).allow, false);
  });

  it("gives a device its own two session queues and nothing of another device's", () => {
    for (const queue of deviceSessionQueues('sensor-1')) {
      for (const permission of ['configure', 'write', 'read']) assert.ok(allowed(resource('sensor-1', 'queue', queue, permission)), `${queue} ${permission}`);
    }
    for (const queue of [
      'mqtt-subscription-sensor-2qos1',
      'mqtt-subscription-sensor-1qos1x',
      'mqtt-subscription-sensor-10qos1',
      'mqtt-subscription-sensor-qos1',
      'stomp-subscription-abc',
      'amq.gen-xyz',
      'fedgate.uplink',
      'mqtt-will-sensor-1',
    ]) {
      assert.equal(resource('sensor-1', 'queue', queue, 'read').allow, false, queue);
      assert.equal(resource('sensor-1', 'queue', queue, 'configure').allow, false, queue);
    }
  });

  it('lets a device publish to and bind on fedgate.devices, but not configure it or touch other exchanges', () => {
    assert.ok(allowed(resource('sensor-1', 'exchange', 'fedgate.devices', 'write')));
    assert.ok(allowed(resource('sensor-1', 'exchange', 'fedgate.devices', 'read')));
    assert.equal(resource('sensor-1', 'exchange', 'fedgate.devices', 'configure').allow, false);
    for (const exchange of ['amq.topic', 'amq.rabbitmq.event', 'fedgate.to.eu', ''])
      assert.equal(resource('sensor-1', 'exchange', exchange, 'write').allow, false, exchange);
  });

  it('lets a device subscribe to its own commands and publish its own events, by exact prefix', () => {
    assert.ok(allowed(topic('sensor-1', 'read', 'devices.sensor-1.commands.#')));
    assert.ok(allowed(topic('sensor-1', 'read', 'devices.sensor-1.commands.reboot')));
    assert.ok(allowed(topic('sensor-1', 'write', 'devices.sensor-1.events.temperature')));
    for (const key of [
      'devices.sensor-2.commands.#',
      'devices.*.commands.#',
      'devices.#',
      '#',
      'devices.sensor-1.commands',
      'devices.sensor-10.commands.#',
      'devices.sensor-1.events.x',
    ]) {
      assert.equal(topic('sensor-1', 'read', key).allow, false, key);
    }
    for (const key of ['devices.sensor-2.events.temperature', 'devices.sensor-1.commands.reboot', 'devices.sensor-1.events', 'x']) {
      assert.equal(topic('sensor-1', 'write', key).allow, false, key);
    }
  });

  it("refuses checks whose client id is not the user's, and topics elsewhere", () => {
    assert.equal(topic('sensor-1', 'read', 'devices.sensor-1.commands.#', 'sensor-2').allow, false);
    assert.equal(
      ask('/auth/resource', {
        username: 'sensor-1',
        vhost: '/',
        resource: 'queue',
        name: 'mqtt-subscription-sensor-1qos1',
        permission: 'read',
        client_id: 'sensor-2',
      }).allow,
      false,
    );
    assert.equal(
      ask('/auth/topic', {
        username: 'sensor-1',
        vhost: '/',
        resource: 'topic',
        name: 'amq.topic',
        permission: 'read',
        routing_key: 'devices.sensor-1.commands.#',
      }).allow,
      false,
    );
    assert.equal(ask('/auth/topic', { username: 'sensor-1', vhost: '/', resource: 'topic', name: 'fedgate.devices', permission: 'read' }).allow, false);
  });

  it('reads no question from an unknown path or a form that repeats a field', () => {
    assert.equal(parseAuthzRequest('/auth/admin', 'username=sensor-1'), undefined);
    assert.equal(parseAuthzRequest('/auth/user', 'username=sensor-1&username=fedgate-admin'), undefined);
  });
});

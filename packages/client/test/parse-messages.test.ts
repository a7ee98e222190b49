import assert from 'node:assert/strict';
import type { Message, MessageProperties } from 'amqplib';
import { DEAD_REASON_HEADER, GATEWAY_HEADER, uplinkUser } from '@fedgate/topology';
import { InvalidOptionsError, MalformedMessageError, deadLetterCause, eventPattern, isJsonContentType, parseDeadLetter, parseEvent } from '../src/index.ts';

/** A delivery as amqplib hands it over, with only what a test sets. */
function fakeMessage(
  routingKey: string,
  body: string | Buffer,
  properties: Omit<Partial<MessageProperties>, 'headers'> & { headers?: Record<string, unknown> } = {},
  exchange = 'fedgate.events',
): Message {
  return {
    content: Buffer.isBuffer(body) ? body : Buffer.from(body),
    fields: { deliveryTag: 1, redelivered: false, exchange, routingKey, consumerTag: 'amq.ctag-test' } as Message['fields'],
    properties: { headers: {}, ...properties } as unknown as MessageProperties,
  };
}

const at = new Date('2024-05-01T12:00:00Z');

describe('event parsing (pure)', () => {
  it('event - device, name, gateway from user_id, JSON parsed from its content type', () => {
    const m = fakeMessage('devices.sensor-42.events.temp', '{"c":21.5}', {
      userId: uplinkUser('eu'),
      appId: 'eu',
      contentType: 'application/json; charset=utf-8',
    });
    const e = parseEvent(m, at);
    assert.equal(e.deviceId, 'sensor-42');
    assert.equal(e.name, 'temp');
    assert.equal(e.gateway, 'eu');
    assert.deepEqual(e.json, { c: 21.5 });
    assert.equal(e.payload.toString(), '{"c":21.5}');
    assert.equal(e.contentType, 'application/json; charset=utf-8');
    assert.equal(e.receivedAt, at);
    assert.equal(e.raw, m);
  });

  it('event - a gateway header a device set is never trusted; only user_id attributes', () => {
    const spoofed = fakeMessage('devices.d1.events.x', 'spoofed', { userId: uplinkUser('us'), appId: 'eu', headers: { [GATEWAY_HEADER]: 'eu' } });
    assert.equal(parseEvent(spoofed, at).gateway, 'us');
    const noLink = fakeMessage('devices.d1.events.x', 'local', { headers: { [GATEWAY_HEADER]: 'eu' }, appId: 'eu' });
    assert.equal(parseEvent(noLink, at).gateway, undefined);
    const otherUser = fakeMessage('devices.d1.events.x', 'local', { userId: 'fedgate-app' });
    assert.equal(parseEvent(otherUser, at).gateway, undefined);
  });

  it('event - without a JSON content type the payload stays bytes; bad JSON leaves json undefined', () => {
    assert.equal(parseEvent(fakeMessage('devices.d1.events.temp', '21.5'), at).json, undefined);
    assert.equal(parseEvent(fakeMessage('devices.d1.events.temp', '{', { contentType: 'application/json' }), at).json, undefined);
    assert.equal(parseEvent(fakeMessage('devices.d1.events.temp', 'null', { contentType: 'application/json' }), at).json, null);
    assert.deepEqual(parseEvent(fakeMessage('devices.d1.events.t', '[1]', { contentType: 'application/vnd.acme+json' }), at).json, [1]);
  });

  it('event - dotted event names are kept whole', () => {
    assert.equal(parseEvent(fakeMessage('devices.d1.events.battery.low', ''), at).name, 'battery.low');
  });

  it('event - a routing key that is not devices.<id>.events.<name> is a MalformedMessageError', () => {
    for (const key of [
      'devices.d1.events',
      'devices..events.x',
      'devices.d1.commands.x',
      'other.d1.events.x',
      'devices.d1.events.a..b',
      'devices.d%1.events.x',
    ]) {
      assert.throws(
        () => parseEvent(fakeMessage(key, ''), at),
        (err: unknown) => err instanceof MalformedMessageError && err.code === 'MALFORMED_MESSAGE',
        key,
      );
    }
  });

  it('content type - JSON and +json with parameters, nothing else', () => {
    for (const t of ['application/json', 'Application/JSON', 'application/json;charset=utf-8', 'application/cloudevents+json'])
      assert.ok(isJsonContentType(t), t);
    for (const t of [undefined, 'text/plain', 'application/jsonx', 'application/octet-stream', 'text/json']) assert.ok(!isJsonContentType(t), String(t));
  });

  it('eventPattern - every event, one device, one event name, wildcards in names', () => {
    assert.equal(eventPattern(), 'devices.*.events.#');
    assert.equal(eventPattern({ deviceId: 's-42' }), 'devices.s-42.events.#');
    assert.equal(eventPattern({ name: 'temp' }), 'devices.*.events.temp');
    assert.equal(eventPattern({ deviceId: 's-42', name: 'battery.*' }), 'devices.s-42.events.battery.*');
    assert.throws(() => eventPattern({ deviceId: 'a.b' }), InvalidOptionsError);
    assert.throws(() => eventPattern({ name: 'a..b' }), InvalidOptionsError);
  });
});

describe('dead-letter parsing (pure)', () => {
  it('dead letter - the router header gives the reason, the routing key the device and command', () => {
    const m = fakeMessage('devices.sensor-42.commands.reboot', '{}', { headers: { [DEAD_REASON_HEADER]: 'oversized' } }, 'fedgate.dead');
    const d = parseDeadLetter(m, at);
    assert.equal(d.reason, 'oversized');
    assert.equal(d.source, 'router');
    assert.equal(d.deviceId, 'sensor-42');
    assert.equal(d.name, 'reboot');
    assert.equal(d.queue, undefined);
    assert.equal(d.routingKey, 'devices.sensor-42.commands.reboot');
  });

  it('dead letter - without the header, the newest x-death entry is the reason and names the queue', () => {
    const headers = {
      'x-death': [
        { reason: 'expired', queue: 'fedgate.to.eu.outbox', count: 1, exchange: 'fedgate.to.eu', 'routing-keys': ['devices.d1.commands.x'] },
        { reason: 'rejected', queue: 'fedgate.router', count: 1, exchange: 'fedgate.commands', 'routing-keys': ['devices.d1.commands.x'] },
      ],
      'x-first-death-reason': 'rejected',
    };
    const d = parseDeadLetter(fakeMessage('devices.d1.commands.x', '', { headers }, 'fedgate.dead'), at);
    assert.equal(d.reason, 'expired');
    assert.equal(d.source, 'broker');
    assert.equal(d.queue, 'fedgate.to.eu.outbox');
    assert.equal(d.deviceId, 'd1');
  });

  it('dead letter - the header wins over x-death; byte-array header values are read as text', () => {
    const cause = deadLetterCause({ [DEAD_REASON_HEADER]: Buffer.from('unroutable'), 'x-death': [{ reason: 'expired', queue: 'q' }] });
    assert.deepEqual({ reason: cause.reason, source: cause.source }, { reason: 'unroutable', source: 'router' });
    assert.equal(deadLetterCause({ 'x-death': [{ reason: Buffer.from('maxlen'), queue: Buffer.from('fedgate.router') }] }).queue, 'fedgate.router');
  });

  it('dead letter - x-first-death-reason when x-death is gone, else unknown', () => {
    assert.equal(deadLetterCause({ 'x-first-death-reason': 'delivery_limit', 'x-first-death-queue': 'fedgate.router' }).reason, 'delivery_limit');
    assert.deepEqual(deadLetterCause(undefined), { reason: 'unknown', source: 'unknown', queue: undefined, routingKeys: [] });
    assert.equal(deadLetterCause({ [DEAD_REASON_HEADER]: '', 'x-death': 'garbage' }).reason, 'unknown');
  });

  it('dead letter - a replaced routing key falls back to the routing key x-death recorded; a malformed one has no device', () => {
    const headers = { 'x-death': [{ reason: 'expired', queue: 'amq.gen-x', 'routing-keys': ['devices.d9.commands.ping'] }] };
    const d = parseDeadLetter(fakeMessage('dlx-key', '', { headers }, 'fedgate.dead'), at);
    assert.equal(d.deviceId, 'd9');
    assert.equal(d.name, 'ping');
    const malformed = parseDeadLetter(fakeMessage('devices..commands.x', '', { headers: { [DEAD_REASON_HEADER]: 'missing-device-id' } }, 'fedgate.dead'), at);
    assert.equal(malformed.reason, 'missing-device-id');
    assert.equal(malformed.deviceId, undefined);
    assert.equal(malformed.name, undefined);
  });
});

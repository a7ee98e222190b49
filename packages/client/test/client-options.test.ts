import assert from 'node:assert/strict';
import type { ChannelModel } from 'amqplib';
import {
  ConnectFailedError,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_COMMAND_TTL_SECONDS,
  DEFAULT_CONFIRM_TIMEOUT_MS,
  DEFAULT_CONNECTION_NAME,
  DEFAULT_PREFETCH,
  FedgateClientError,
  InvalidOptionsError,
  normalizeClientOptions,
  type ClientOptions,
} from '../src/index.ts';

const url = 'amqp://fedgate-app:s3cret-pw@127.0.0.1:5810/%2F';
const fakeConnection = { createChannel: async () => undefined, createConfirmChannel: async () => undefined } as unknown as ChannelModel;

function invalid(options: unknown, field: string, message: RegExp) {
  assert.throws(
    () => normalizeClientOptions(options as ClientOptions),
    (err: unknown) => {
      assert.ok(err instanceof InvalidOptionsError, `expected InvalidOptionsError, got ${String(err)}`);
      assert.equal(err.code, 'INVALID_OPTIONS');
      assert.equal(err.field, field);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('client options (pure)', () => {
  it('options - fills every default for a URL', () => {
    const o = normalizeClientOptions({ url });
    assert.deepEqual(o.connect, { kind: 'url', url, tls: undefined });
    assert.equal(o.commandTtlSeconds, DEFAULT_COMMAND_TTL_SECONDS);
    assert.equal(o.commandTtlSeconds, 60);
    assert.equal(o.prefetch, DEFAULT_PREFETCH);
    assert.equal(o.confirmTimeoutMs, DEFAULT_CONFIRM_TIMEOUT_MS);
    assert.equal(o.closeTimeoutMs, DEFAULT_CLOSE_TIMEOUT_MS);
    assert.equal(o.connectionName, DEFAULT_CONNECTION_NAME);
    assert.equal(typeof o.onError, 'function');
  });

  it('options - TLS settings go with an amqps URL only', () => {
    const tls = { ca: '-----BEGIN CERTIFICATE-----\n…', servername: 'core.internal' };
    assert.deepEqual(normalizeClientOptions({ url: 'amqps://core.internal:5671/', tls }).connect, { kind: 'url', url: 'amqps://core.internal:5671/', tls });
    assert.throws(
      () => normalizeClientOptions({ url: 'amqp://core.internal:5672/', tls }),
      (err: unknown) => err instanceof InvalidOptionsError && err.field === 'tls',
    );
  });

  it('options - the command TTL comes from the option, else the topology, else 60 s', () => {
    const topology = { routing: { commandTtlSeconds: 15 } };
    assert.equal(normalizeClientOptions({ url, topology }).commandTtlSeconds, 15);
    assert.equal(normalizeClientOptions({ url, topology, commandTtlSeconds: 2.5 }).commandTtlSeconds, 2.5);
    assert.equal(normalizeClientOptions({ url }).commandTtlSeconds, 60);
  });

  it('options - adopts an existing connection', () => {
    const o = normalizeClientOptions({ connection: fakeConnection, prefetch: 1 });
    assert.equal(o.connect.kind, 'connection');
    assert.equal(o.connect.kind === 'connection' && o.connect.connection, fakeConnection);
    assert.equal(o.prefetch, 1);
  });

  it('options - an error names the field, the allowed range and the value it got', () => {
    invalid({}, 'url', /^url must be an amqp:\/\/ or amqps:\/\/ URI, got undefined$/);
    invalid({ url: 'http://host' }, 'url', /got "http:\/\/host"/);
    invalid({ url, connection: fakeConnection }, 'url', /absent when connection is given/);
    invalid({ connection: {} }, 'connection', /an amqplib connection/);
    invalid({ url, commandTtlSeconds: 0 }, 'commandTtlSeconds', /from 0\.001 to 86400, got 0$/);
    invalid({ url, commandTtlSeconds: 86_401 }, 'commandTtlSeconds', /got 86401$/);
    invalid({ url, commandTtlSeconds: Number.NaN }, 'commandTtlSeconds', /got NaN$/);
    invalid({ url, topology: { routing: { commandTtlSeconds: -1 } } }, 'topology.routing.commandTtlSeconds', /got -1$/);
    invalid({ url, prefetch: 0 }, 'prefetch', /an integer from 1 to 65535, got 0$/);
    invalid({ url, prefetch: 1.5 }, 'prefetch', /got 1\.5$/);
    invalid({ url, confirmTimeoutMs: 0 }, 'confirmTimeoutMs', /from 1 to 2147483647, got 0$/);
    invalid({ url, closeTimeoutMs: 2 ** 31 }, 'closeTimeoutMs', /got 2147483648$/);
    invalid({ url, connectionName: '' }, 'connectionName', /1 to 255 characters/);
    invalid({ url, onError: 'log' }, 'onError', /a function, got "log"/);
    invalid(null, 'options', /got null/);
  });

  it('options - a password in a rejected URL is masked', () => {
    const err = (() => {
      try {
        normalizeClientOptions({ url: 'amqpx://fedgate-app:s3cret-pw@host:5672' });
      } catch (e) {
        return e as Error;
      }
      throw new Error('no error');
    })();
    assert.ok(!err.message.includes('s3cret-pw'), err.message);
    assert.match(err.message, /fedgate-app:\*\*\*@host/);
  });
});

describe('client errors (pure)', () => {
  it('errors - ConnectFailedError masks the password in its message and its cause', () => {
    const cause = Object.assign(new Error(`connect to amqp://fedgate-app:s%40cret@h failed for s@cret`), { code: 'ECONNREFUSED' });
    const err = new ConnectFailedError('amqp://fedgate-app:s%40cret@127.0.0.1:5810', { cause });
    assert.equal(err.code, 'CONNECT_FAILED');
    assert.equal(err.name, 'ConnectFailedError');
    assert.ok(!/s%40cret|s@cret/.test(err.message), err.message);
    assert.ok(!/s%40cret|s@cret/.test((err.cause as Error).message), (err.cause as Error).message);
    assert.equal((err.cause as { code?: string }).code, 'ECONNREFUSED');
  });

  it('errors - from() types what amqplib throws and emits', () => {
    const channelError = Object.assign(new Error('Channel closed by server: 404 (NOT-FOUND) with message "NOT_FOUND - no exchange"'), { code: 404 });
    const broker = FedgateClientError.from(channelError);
    assert.equal(broker.name, 'BrokerError');
    assert.equal(broker.code, 'BROKER_ERROR');
    assert.equal((broker as unknown as { replyCode: number }).replyCode, 404);
    assert.equal(broker.cause, channelError);

    assert.equal(FedgateClientError.from(Object.assign(new Error('Connection closed: 320 (CONNECTION-FORCED)'), { code: 320 })).code, 'CONNECTION_CLOSED');
    const illegal = Object.assign(new Error('Channel closed'), { name: 'IllegalOperationError' });
    assert.equal(FedgateClientError.from(illegal).code, 'CONNECTION_CLOSED');
    assert.equal(FedgateClientError.from(new Error('something else')).code, 'CLIENT_ERROR');
    const typed = new InvalidOptionsError('x', 'y', 1);
    assert.equal(FedgateClientError.from(typed), typed);
  });
});

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import type { AsyncMessage, Channel } from 'rabbitmq-client';
import { keepRawBodiesOn, rawBodyOf } from '../src/raw-bodies.ts';

// The installed rabbitmq-client's own Channel, fed frames as its Connection would: this pins the interception
// to the client version in node_modules, so an upgrade that changes how bodies are decoded fails here first.
const require = createRequire(import.meta.url);
const { Channel: ClientChannel } = require('rabbitmq-client/lib/Channel.js') as { Channel: new (id: number, conn: unknown) => Channel };
const { Cmd } = require('rabbitmq-client/lib/codec.js') as { Cmd: Record<string, number> };

interface FrameSink {
  _state: { consumers: Map<string, (msg: AsyncMessage) => void> };
  _onMethod(frame: unknown): void;
  _onHeader(frame: unknown): void;
  _onBody(frame?: unknown): void;
}

/** Delivers one message through a real Channel; resolves with what a consumer would be handed. */
function deliver(channel: Channel, body: Buffer, fields: Record<string, unknown>): Promise<AsyncMessage> {
  const sink = channel as unknown as FrameSink;
  return new Promise((resolve) => {
    sink._state.consumers.set('tag', resolve);
    sink._onMethod({
      type: 1,
      channelId: 1,
      methodId: Cmd.BasicDeliver,
      params: { consumerTag: 'tag', deliveryTag: 1, redelivered: false, exchange: 'fedgate.commands', routingKey: 'devices.s-1.commands.x' },
    });
    sink._onHeader({ type: 2, channelId: 1, bodySize: body.length, fields });
    if (body.length > 0) sink._onBody({ type: 3, channelId: 1, payload: body });
  });
}

function newChannel(): Channel {
  return new ClientChannel(1, { _opt: { frameMax: 131_072 }, _socket: new PassThrough() });
}

describe('router - raw bodies from rabbitmq-client', () => {
  const bodies: Record<string, [Buffer, string]> = {
    'duplicate keys and a 20-digit number': [Buffer.from('{"account":12345678901234567890,"a":1,"a":2}'), 'application/json'],
    'the JSON string "reboot"': [Buffer.from('"reboot"'), 'application/json'],
    'a body that is not JSON': [Buffer.from('{not json'), 'application/json'],
    'invalid UTF-8 as text': [Buffer.from([0x68, 0xff, 0xfe, 0x69]), 'text/plain'],
    'an empty JSON body': [Buffer.alloc(0), 'application/json'],
  };

  it('the unpatched client does rewrite such bodies (why the router needs this)', async () => {
    const msg = await deliver(newChannel(), bodies['duplicate keys and a 20-digit number']![0], { contentType: 'application/json' });
    assert.deepEqual(msg.body, { account: 12345678901234567000, a: 2 });
  });

  for (const [name, [body, contentType]] of Object.entries(bodies)) {
    it(`hands back ${name} byte for byte, with its content type`, async () => {
      const channel = newChannel();
      keepRawBodiesOn(channel);
      const got = rawBodyOf(await deliver(channel, body, { contentType, headers: { a: 1 } }));
      assert.ok(got.body.equals(body));
      assert.equal(got.contentType, contentType);
    });
  }

  it('leaves other content types and encoded bodies as they were', async () => {
    const channel = newChannel();
    keepRawBodiesOn(channel);
    const gz = rawBodyOf(await deliver(channel, Buffer.from('{}'), { contentType: 'application/json', contentEncoding: 'gzip' }));
    assert.equal(gz.contentType, 'application/json');
    const bin = await deliver(channel, Buffer.from([1, 2]), { contentType: 'application/octet-stream' });
    assert.equal(rawBodyOf(bin).contentType, 'application/octet-stream');
    assert.equal(bin.contentType, 'application/octet-stream');
  });

  it('refuses, rather than re-serialises, a body that arrived decoded', () => {
    assert.throws(() => rawBodyOf({ body: { a: 1 }, contentType: 'application/json' } as unknown as AsyncMessage), /arrived decoded/);
  });

  it('fails loudly on a client without the internal it relies on', () => {
    assert.throws(
      () => keepRawBodiesOn({} as Channel),
      (err: Error & { code?: string }) => err.code === 'ROUTER_RAW_BODY_UNAVAILABLE',
    );
  });
});

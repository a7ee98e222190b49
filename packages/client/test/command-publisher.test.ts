import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Options } from 'amqplib';
import { CommandPublisher, type ConfirmChannelLike } from '../src/command-publisher.ts';
import { encodeCommand, type FedgateClientError } from '../src/index.ts';

/** A confirm channel that does what amqplib does, driven by the test: ack, nack, return, close. */
class FakeConfirmChannel extends EventEmitter implements ConfirmChannelLike {
  readonly published: { routingKey: string; options: Options.Publish; callback: (err: unknown) => void }[] = [];
  writable = true;
  closed = false;

  publish(_exchange: string, routingKey: string, _content: Buffer, options: Options.Publish, callback: (err: unknown) => void): boolean {
    if (this.closed) {
      const err = new Error('Channel closed');
      err.name = 'IllegalOperationError';
      throw err;
    }
    this.published.push({ routingKey, options, callback });
    return this.writable;
  }

  ack(index: number) {
    this.published[index]!.callback(null);
  }

  nack(index: number) {
    this.published[index]!.callback(new Error('message nacked'));
  }

  returnUnroutable(index: number) {
    const { routingKey, options } = this.published[index]!;
    this.emit('return', {
      fields: { replyCode: 312, replyText: 'NO_ROUTE', exchange: 'fedgate.commands', routingKey },
      properties: { messageId: options.messageId },
      content: Buffer.alloc(0),
    });
  }

  /** What amqplib does when the broker closes the channel: 'error' with the reply code, then every callback, then 'close'. */
  closeByBroker(error?: Error & { code?: number }) {
    this.closed = true;
    if (error) this.emit('error', error);
    for (const p of this.published) p.callback(new Error('channel closed'));
    this.emit('close');
  }

  async close() {
    this.closeByBroker();
  }
}

let seq = 0;
function command(deviceId = 'd1') {
  seq += 1;
  return encodeCommand({ deviceId, name: 'reboot', payload: {}, ttlSeconds: 60, now: Date.now(), messageId: `id-${seq}` });
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return (err as FedgateClientError).code;
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('command publisher (fake confirm channel)', () => {
  let channels: FakeConfirmChannel[];
  let publisher: CommandPublisher;

  beforeEach(() => {
    channels = [];
    publisher = new CommandPublisher(
      async () => {
        const c = new FakeConfirmChannel();
        channels.push(c);
        return c;
      },
      { exchange: 'fedgate.commands', confirmTimeoutMs: 200 },
    );
  });

  it('publisher - resolves on the ack of its own command, not of another', async () => {
    const a = publisher.publish(command());
    const b = publisher.publish(command());
    await tick();
    const ch = channels[0]!;
    assert.equal(ch.published.length, 2);
    ch.ack(1);
    assert.equal(await code(b), 'resolved');
    assert.equal(publisher.outstanding, 1);
    ch.ack(0);
    assert.equal(await code(a), 'resolved');
    assert.equal(publisher.outstanding, 0);
    assert.equal(channels.length, 1, 'one channel for both');
  });

  it('publisher - a nack rejects with CommandNackedError', async () => {
    const p = publisher.publish(command());
    await tick();
    channels[0]!.nack(0);
    assert.equal(await code(p), 'COMMAND_NACKED');
  });

  it('publisher - a return followed by its ack rejects with CommandUnroutableError; the other command still resolves', async () => {
    const returned = publisher.publish(command());
    const routed = publisher.publish(command());
    await tick();
    const ch = channels[0]!;
    ch.returnUnroutable(0);
    ch.ack(0);
    ch.ack(1);
    await assert.rejects(
      returned,
      (err: FedgateClientError & { replyCode?: number }) => err.code === 'COMMAND_UNROUTABLE' && err.replyCode === 312 && /NO_ROUTE/.test(err.message),
    );
    assert.equal(await code(routed), 'resolved');
  });

  it('publisher - a channel the broker closes rejects outstanding commands with its reply code, and the next command opens a new channel', async () => {
    const p = publisher.publish(command());
    await tick();
    channels[0]!.closeByBroker(Object.assign(new Error('Channel closed by server: 404 (NOT-FOUND) with message "NOT_FOUND - no exchange"'), { code: 404 }));
    await assert.rejects(p, (err: FedgateClientError & { replyCode?: number }) => err.code === 'BROKER_ERROR' && err.replyCode === 404);
    const next = publisher.publish(command());
    await tick();
    assert.equal(channels.length, 2);
    channels[1]!.ack(0);
    assert.equal(await code(next), 'resolved');
  });

  it('publisher - a channel closed with the connection rejects with ConnectionClosedError', async () => {
    const p = publisher.publish(command());
    await tick();
    channels[0]!.closeByBroker();
    assert.equal(await code(p), 'CONNECTION_CLOSED');
  });

  it('publisher - no confirm within the timeout rejects with CommandTimeoutError; a late ack changes nothing', async () => {
    const started = Date.now();
    const p = publisher.publish(command());
    assert.equal(await code(p), 'COMMAND_TIMEOUT');
    assert.ok(Date.now() - started >= 190);
    channels[0]!.ack(0);
    assert.equal(publisher.outstanding, 0);
  });

  it('publisher - a full socket buffer holds later commands until drain', async () => {
    const first = publisher.publish(command());
    await tick();
    const ch = channels[0]!;
    ch.writable = false;
    const second = publisher.publish(command());
    await tick();
    const third = publisher.publish(command());
    await tick();
    assert.equal(ch.published.length, 2, 'the third waits for drain');
    ch.writable = true;
    ch.emit('drain');
    await tick();
    assert.equal(ch.published.length, 3);
    ch.ack(0);
    ch.ack(1);
    ch.ack(2);
    assert.deepEqual(await Promise.all([code(first), code(second), code(third)]), ['resolved', 'resolved', 'resolved']);
  });

  it('publisher - settle waits for outstanding confirms (bounded) and close refuses new commands', async () => {
    const p = publisher.publish(command());
    await tick();
    setTimeout(() => channels[0]!.ack(0), 30);
    const started = Date.now();
    await publisher.settle(1_000);
    assert.ok(Date.now() - started < 500);
    assert.equal(await code(p), 'resolved');

    const stuck = publisher.publish(command());
    await tick();
    const t0 = Date.now();
    await publisher.settle(50);
    assert.ok(Date.now() - t0 < 150, 'settle gives up after its timeout');
    await publisher.close(1_000);
    assert.equal(await code(stuck), 'CONNECTION_CLOSED');
    assert.equal(await code(publisher.publish(command())), 'CONNECTION_CLOSED');
  });
});

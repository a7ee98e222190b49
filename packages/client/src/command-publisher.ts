// Publishes commands on one confirm channel and settles each call with what the broker said about it.
import type { EventEmitter } from 'node:events';
import type { Message, Options } from 'amqplib';
import type { EncodedCommand } from './encode-command.ts';
import { within } from './within.ts';
import { CommandNackedError, CommandTimeoutError, CommandUnroutableError, ConnectionClosedError, FedgateClientError } from './errors.ts';

/** The part of amqplib's ConfirmChannel the publisher needs; unit tests pass a fake. */
export interface ConfirmChannelLike extends EventEmitter {
  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish, callback: (err: unknown) => void): boolean;
  close(): Promise<void>;
}

export interface CommandPublisherOptions {
  readonly exchange: string;
  readonly confirmTimeoutMs: number;
}

interface OpenChannel {
  readonly channel: ConfirmChannelLike;
  /** Why the broker closed the channel (403, 404, ...), set just before the channel's 'close'. */
  brokerError?: FedgateClientError;
  closed: boolean;
  /** Set while the socket buffer is full: later publishes wait for 'drain'. */
  drained?: Promise<void>;
}

interface Pending {
  readonly routingKey: string;
  returned?: { replyCode: number; replyText: string };
  readonly settled: Promise<void>;
  readonly fail: (err: FedgateClientError) => void;
}

export class CommandPublisher {
  readonly #openChannel: () => Promise<ConfirmChannelLike>;
  readonly #options: CommandPublisherOptions;
  readonly #pending = new Map<string, Pending>();
  #current: Promise<OpenChannel> | undefined;
  /** What #current resolved to, so a channel's 'close' can forget it synchronously. */
  #currentOpen: OpenChannel | undefined;
  #closed = false;

  constructor(openChannel: () => Promise<ConfirmChannelLike>, options: CommandPublisherOptions) {
    this.#openChannel = openChannel;
    this.#options = options;
  }

  /** Commands published and not yet confirmed, nacked, returned or failed. */
  get outstanding(): number {
    return this.#pending.size;
  }

  /**
   * Resolves once the broker confirmed the command; rejects with CommandNackedError, CommandUnroutableError
   * (returned: no queue bound for it), CommandTimeoutError, BrokerError (the broker closed the channel, e.g.
   * 403 or 404) or ConnectionClosedError.
   */
  async publish(command: EncodedCommand): Promise<void> {
    if (this.#closed) throw new ConnectionClosedError('the client is closed');
    let open = await this.#open();
    while (open.drained) await open.drained;
    if (open.closed) open = await this.#open();
    if (this.#closed) throw new ConnectionClosedError('the client is closed');

    const { messageId } = command.publishOptions;
    const { routingKey } = command;
    let settle!: (err?: FedgateClientError) => void;
    const settled = new Promise<void>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => settle(new CommandTimeoutError(messageId, routingKey, this.#options.confirmTimeoutMs)), this.#options.confirmTimeoutMs);
      timer.unref();
      settle = (err) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#pending.delete(messageId);
        if (err) reject(err);
        else resolve();
      };
    });
    const pending: Pending = { routingKey, settled, fail: settle };
    this.#pending.set(messageId, pending);

    try {
      const writable = open.channel.publish(this.#options.exchange, routingKey, command.content, command.publishOptions, (err) => {
        if (err == null) {
          // RabbitMQ sends basic.return before the basic.ack of the same message, so `returned` is set by now.
          const r = pending.returned;
          settle(r ? new CommandUnroutableError(messageId, routingKey, r.replyCode, r.replyText) : undefined);
        } else if (!open.closed && /nack/i.test(String((err as Error).message))) {
          settle(new CommandNackedError(messageId, routingKey));
        } else {
          settle(open.brokerError ?? new ConnectionClosedError('the channel closed before the broker confirmed the command', { cause: err }));
        }
      });
      if (!writable && !open.drained) {
        open.drained = new Promise<void>((resolve) => {
          const done = () => {
            open.drained = undefined;
            open.channel.off('drain', done);
            open.channel.off('close', done);
            resolve();
          };
          open.channel.on('drain', done);
          open.channel.on('close', done);
        });
      }
    } catch (err) {
      // amqplib throws synchronously on a closed channel; its confirm callback will never be called.
      settle(FedgateClientError.from(err));
    }
    return settled;
  }

  /** Waits until every outstanding command is settled, or `timeoutMs` passed; never rejects. */
  async settle(timeoutMs: number): Promise<void> {
    if (this.#pending.size === 0) return;
    await within(Promise.allSettled([...this.#pending.values()].map((p) => p.settled)), timeoutMs);
  }

  /**
   * Refuses new commands and closes the channel; commands still unconfirmed reject with ConnectionClosedError.
   * Waits at most `timeoutMs` for the broker's close-ok (a dead socket never sends one).
   */
  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    const current = await this.#current?.catch(() => undefined);
    if (current && !current.closed) await within(current.channel.close(), timeoutMs);
    this.#failAll();
  }

  /** Rejects whatever is still outstanding; a channel that never answered its close leaves its callbacks uncalled. */
  #failAll(): void {
    for (const [, pending] of this.#pending) pending.fail(new ConnectionClosedError('the client closed before the broker confirmed the command'));
  }

  #open(): Promise<OpenChannel> {
    this.#current ??= this.#openChannel().then(
      (channel) => this.#watch(channel),
      (err: unknown) => {
        this.#current = undefined;
        throw FedgateClientError.from(err);
      },
    );
    return this.#current;
  }

  #watch(channel: ConfirmChannelLike): OpenChannel {
    const open: OpenChannel = { channel, closed: false };
    this.#currentOpen = open;
    channel.on('error', (err: unknown) => {
      open.brokerError = FedgateClientError.from(err);
    });
    channel.on('return', (message: Message) => {
      const pending = message.properties.messageId ? this.#pending.get(String(message.properties.messageId)) : undefined;
      // A returned message's fields are basic.return's: replyCode, replyText, exchange, routingKey.
      const fields = message.fields as unknown as { replyCode: number; replyText: string };
      if (pending) pending.returned = { replyCode: fields.replyCode, replyText: String(fields.replyText) };
    });
    channel.on('close', () => {
      open.closed = true;
      // The next command opens a fresh channel (a broker-closed channel is gone for good, the connection may not be).
      if (this.#currentOpen === open) {
        this.#currentOpen = undefined;
        this.#current = undefined;
      }
    });
    return open;
  }
}

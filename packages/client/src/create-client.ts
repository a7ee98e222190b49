// The microservice SDK: commands out to fedgate.commands with confirms, events and dead letters in.
import { randomUUID } from 'node:crypto';
import amqp, { type ChannelModel, type ConsumeMessage } from 'amqplib';
import { COMMANDS_EXCHANGE, DEAD_EXCHANGE, EVENTS_EXCHANGE } from '@fedgate/topology';
import { normalizeClientOptions, type ClientOptions, type NormalizedClientOptions } from './client-options.ts';
import { CommandPublisher } from './command-publisher.ts';
import { encodeCommand, type CommandPayload } from './encode-command.ts';
import { ConnectFailedError, ConnectionClosedError, FedgateClientError, HandlerError, InvalidOptionsError } from './errors.ts';
import { parseDeadLetter, type DeadLetter } from './parse-dead-letter.ts';
import { checkBindingPattern, parseEvent, type DeviceEvent } from './parse-event.ts';
import { ExclusiveQueueSubscription, type Subscription } from './subscription.ts';
import { within } from './within.ts';

export interface SendCommandOptions {
  /**
   * Seconds until the command expires undelivered (fractions allowed down to 1 ms); it is then dead-lettered to
   * `fedgate.dead` with reason `expired`. @default the client's commandTtlSeconds
   */
  readonly ttlSeconds?: number;
}

export interface SentCommand {
  /** The command's `message_id`, a UUID: what a dead letter or a device's reply can be matched with. */
  readonly messageId: string;
  readonly routingKey: string;
  /** When the command expires (also in its `x-fedgate-deadline` header, as epoch ms). */
  readonly expiresAt: Date;
}

export type EventHandler = (event: DeviceEvent) => void | Promise<void>;
export type DeadLetterHandler = (deadLetter: DeadLetter) => void | Promise<void>;

export interface FedgateClient {
  /**
   * Publishes a command for `deviceId` and resolves once the broker confirmed it is stored. Rejects with
   * InvalidCommandError (nothing published), CommandUnroutableError, CommandNackedError, CommandTimeoutError,
   * BrokerError or ConnectionClosedError.
   */
  sendCommand(deviceId: string, name: string, payload: CommandPayload, options?: SendCommandOptions): Promise<SentCommand>;
  /**
   * Delivers device events whose routing key matches `pattern` (`devices.*.events.#`, or `eventPattern(...)`),
   * from the moment the returned promise resolves. A handler that throws does not stop the subscription: the
   * event is dropped (not requeued) and the error reported through `onError` as a HandlerError.
   */
  onEvent(pattern: string, handler: EventHandler): Promise<Subscription>;
  /** Delivers every dead letter arriving on `fedgate.dead` from now on, with its reason. Same error policy as onEvent. */
  onDeadLetter(handler: DeadLetterHandler): Promise<Subscription>;
  /**
   * Stops consuming, waits (up to closeTimeoutMs) for running handlers and outstanding confirms, closes its
   * channels, and closes the connection only if the client opened it. Idempotent.
   */
  close(): Promise<void>;
}

/** Connects (or adopts `options.connection`) and returns a client. Throws InvalidOptionsError or ConnectFailedError. */
export async function createClient(options: ClientOptions): Promise<FedgateClient> {
  const normalized = normalizeClientOptions(options);
  if (normalized.connect.kind === 'connection') return new AmqpFedgateClient(normalized.connect.connection, false, normalized);
  const { url, tls } = normalized.connect;
  let connection: ChannelModel;
  try {
    // amqplib hands its socket options to node:tls for amqps URLs.
    const socketOptions = tls === undefined ? {} : { ...tls, ca: tls.ca === undefined ? undefined : [tls.ca].flat() };
    connection = await amqp.connect(url, { ...socketOptions, clientProperties: { connection_name: normalized.connectionName } });
  } catch (err) {
    throw new ConnectFailedError(url, { cause: err });
  }
  return new AmqpFedgateClient(connection, true, normalized);
}

class AmqpFedgateClient implements FedgateClient {
  readonly #connection: ChannelModel;
  readonly #ownsConnection: boolean;
  readonly #options: NormalizedClientOptions;
  readonly #publisher: CommandPublisher;
  readonly #subscriptions = new Set<ExclusiveQueueSubscription>();
  readonly #detach: () => void;
  #connectionLost: FedgateClientError | undefined;
  #closing: Promise<void> | undefined;

  constructor(connection: ChannelModel, ownsConnection: boolean, options: NormalizedClientOptions) {
    this.#connection = connection;
    this.#ownsConnection = ownsConnection;
    this.#options = options;
    this.#publisher = new CommandPublisher(() => connection.createConfirmChannel(), {
      exchange: COMMANDS_EXCHANGE,
      confirmTimeoutMs: options.confirmTimeoutMs,
    });
    const onClose = (err?: unknown) => {
      if (this.#closing) return;
      this.#connectionLost = new ConnectionClosedError('the connection to the broker closed', { cause: err });
      this.#report(this.#connectionLost);
    };
    connection.on('close', onClose);
    // An 'error' without a listener would crash the process; it is always followed by 'close', reported above.
    // A borrowed connection's errors are its owner's to handle, and it keeps no listener of ours after close().
    if (ownsConnection) connection.on('error', () => undefined);
    this.#detach = () => connection.off('close', onClose);
  }

  async sendCommand(deviceId: string, name: string, payload: CommandPayload, options: SendCommandOptions = {}): Promise<SentCommand> {
    // Validate before anything else, so an invalid command is an InvalidCommandError even on a closed client.
    const command = encodeCommand({
      deviceId,
      name,
      payload,
      ttlSeconds: options.ttlSeconds ?? this.#options.commandTtlSeconds,
      now: Date.now(),
      messageId: randomUUID(),
    });
    this.#assertOpen();
    await this.#publisher.publish(command);
    return { messageId: command.publishOptions.messageId, routingKey: command.routingKey, expiresAt: new Date(command.deadline) };
  }

  async onEvent(pattern: string, handler: EventHandler): Promise<Subscription> {
    checkBindingPattern(pattern);
    if (typeof handler !== 'function') throw new InvalidOptionsError('handler', 'a function', handler);
    return this.#subscribe(EVENTS_EXCHANGE, pattern, async (message) => {
      const event = parseEvent(message, new Date());
      await runHandler(() => handler(event), message);
    });
  }

  async onDeadLetter(handler: DeadLetterHandler): Promise<Subscription> {
    if (typeof handler !== 'function') throw new InvalidOptionsError('handler', 'a function', handler);
    return this.#subscribe(DEAD_EXCHANGE, '#', async (message) => {
      const deadLetter = parseDeadLetter(message, new Date());
      await runHandler(() => handler(deadLetter), message);
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  /** Ordered and bounded: stop consuming → let handlers finish → wait for confirms → close channels → connection. */
  async #shutDown(): Promise<void> {
    const deadline = Date.now() + this.#options.closeTimeoutMs;
    const left = () => Math.max(1, deadline - Date.now());
    const subscriptions = [...this.#subscriptions];
    this.#subscriptions.clear();
    await Promise.all(subscriptions.map((s) => s.stop(left())));
    await Promise.all(subscriptions.map((s) => s.idle(left())));
    await this.#publisher.settle(left());
    await Promise.all([this.#publisher.close(left()), ...subscriptions.map((s) => s.close(left()))]);
    this.#detach();
    if (!this.#ownsConnection || this.#connectionLost) return;
    let closed = false;
    await within(
      this.#connection.close().then(() => (closed = true)),
      left(),
    );
    // A broker that stopped answering never sends close-ok: drop the socket rather than leave it holding the process.
    if (!closed) (this.#connection.connection as unknown as { stream?: { destroy(): void } }).stream?.destroy();
  }

  async #subscribe(exchange: string, pattern: string, handle: (message: ConsumeMessage) => Promise<void>): Promise<Subscription> {
    this.#assertOpen();
    const subscription = await ExclusiveQueueSubscription.open(this.#connection, {
      exchange,
      pattern,
      prefetch: this.#options.prefetch,
      closeTimeoutMs: this.#options.closeTimeoutMs,
      handle,
      onError: (error) => this.#report(error),
    });
    if (this.#closing) {
      // close() ran while the queue was being declared; do not leave a consumer behind.
      await subscription.close(this.#options.closeTimeoutMs);
      throw new ConnectionClosedError('the client is closed');
    }
    this.#subscriptions.add(subscription);
    return {
      queue: subscription.queue,
      cancel: async () => {
        this.#subscriptions.delete(subscription);
        await subscription.cancel();
      },
    };
  }

  #assertOpen(): void {
    if (this.#closing) throw new ConnectionClosedError('the client is closed');
    if (this.#connectionLost) throw new ConnectionClosedError('the connection to the broker closed', { cause: this.#connectionLost });
  }

  #report(error: FedgateClientError): void {
    try {
      this.#options.onError(error);
    } catch {
      // A failing error callback must not take a consumer down with it.
    }
  }
}

async function runHandler(run: () => void | Promise<void>, message: ConsumeMessage): Promise<void> {
  try {
    await run();
  } catch (err) {
    throw new HandlerError(message.fields.routingKey, { cause: err });
  }
}

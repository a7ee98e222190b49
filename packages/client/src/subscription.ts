// One consumer on a server-named exclusive queue bound to an exchange; what onEvent and onDeadLetter run on.
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { ConnectionClosedError, FedgateClientError } from './errors.ts';
import { within } from './within.ts';

/** What onEvent and onDeadLetter return. */
export interface Subscription {
  /** The server-named queue (`amq.gen-…`) the subscription consumes; it lives as long as the subscription. */
  readonly queue: string;
  /** Stops delivering, waits (bounded by the client's closeTimeoutMs) for running handlers, and deletes the queue. */
  cancel(): Promise<void>;
}

export interface SubscriptionSpec {
  readonly exchange: string;
  readonly pattern: string;
  readonly prefetch: number;
  /** How long cancel() waits for running handlers. */
  readonly closeTimeoutMs: number;
  /** Handles one delivery; a rejection drops the delivery and is reported through `onError`. */
  readonly handle: (message: ConsumeMessage) => Promise<void>;
  readonly onError: (error: FedgateClientError) => void;
}

/** A subscription as the client drives it on close: stop consuming, let handlers finish, then close. */
export class ExclusiveQueueSubscription implements Subscription {
  readonly queue: string;
  readonly #channel: Channel;
  readonly #consumerTag: string;
  readonly #running: Set<Promise<void>>;
  readonly #closeTimeoutMs: number;
  #stopped = false;
  #closed = false;

  private constructor(channel: Channel, queue: string, consumerTag: string, running: Set<Promise<void>>, closeTimeoutMs: number) {
    this.#channel = channel;
    this.#closeTimeoutMs = closeTimeoutMs;
    this.queue = queue;
    this.#consumerTag = consumerTag;
    this.#running = running;
    channel.on('close', () => {
      this.#closed = true;
    });
  }

  /**
   * Declares a server-named, exclusive, auto-delete queue (the only kind `fedgate-app` may configure), binds it,
   * and starts consuming. Resolves once the consumer is registered: anything published after that is delivered.
   */
  static async open(connection: ChannelModel, spec: SubscriptionSpec): Promise<ExclusiveQueueSubscription> {
    let channel: Channel;
    try {
      channel = await connection.createChannel();
    } catch (err) {
      throw FedgateClientError.from(err);
    }
    let failure: FedgateClientError | undefined;
    let subscription: ExclusiveQueueSubscription | undefined;
    // A broker-closed channel emits 'error' first; without a listener Node would throw it at the process.
    // While opening, the error is the rejection; once open, it is reported (the subscription has stopped).
    channel.on('error', (err: unknown) => {
      failure = FedgateClientError.from(err);
      if (subscription) spec.onError(failure);
    });
    const running = new Set<Promise<void>>();
    try {
      await channel.prefetch(spec.prefetch);
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      await channel.bindQueue(queue, spec.exchange, spec.pattern);
      const { consumerTag } = await channel.consume(
        queue,
        (message) => {
          if (message === null) {
            // The broker cancelled the consumer, e.g. an operator deleted the queue.
            spec.onError(new ConnectionClosedError(`the broker cancelled the subscription to ${spec.exchange} (${spec.pattern})`));
            return;
          }
          const run = deliver(channel, message, spec).finally(() => running.delete(run));
          running.add(run);
        },
        { noAck: false, exclusive: true },
      );
      subscription = new ExclusiveQueueSubscription(channel, queue, consumerTag, running, spec.closeTimeoutMs);
      return subscription;
    } catch (err) {
      await within(channel.close(), spec.closeTimeoutMs);
      throw failure ?? FedgateClientError.from(err);
    }
  }

  /** Stops new deliveries; those already handed out keep running. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#stopped || this.#closed) return;
    this.#stopped = true;
    await within(this.#channel.cancel(this.#consumerTag), timeoutMs);
  }

  /** Resolves when no handler runs any more, or after `timeoutMs`. */
  async idle(timeoutMs: number): Promise<void> {
    if (this.#running.size === 0) return;
    await within(Promise.allSettled([...this.#running]), timeoutMs);
  }

  /** Closes the channel; the auto-delete queue goes with its consumer, unacknowledged deliveries with the queue. */
  async close(timeoutMs: number): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await within(this.#channel.close(), timeoutMs);
  }

  async cancel(): Promise<void> {
    const deadline = Date.now() + this.#closeTimeoutMs;
    const left = () => Math.max(1, deadline - Date.now());
    await this.stop(left());
    await this.idle(left());
    await this.close(left());
  }
}

/**
 * Runs the handler and settles the delivery: ack when it resolved, nack without requeue when it threw. A requeued
 * delivery comes straight back to the same handler (the queue is exclusive), so a poison message would loop.
 */
async function deliver(channel: Channel, message: ConsumeMessage, spec: SubscriptionSpec): Promise<void> {
  let failure: { error: unknown } | undefined;
  try {
    await spec.handle(message);
  } catch (error) {
    failure = { error };
  }
  try {
    if (failure) channel.nack(message, false, false);
    else channel.ack(message);
  } catch {
    // The channel closed meanwhile: the broker has taken the delivery back (or dropped it with the queue).
  }
  if (failure) spec.onError(FedgateClientError.from(failure.error));
}

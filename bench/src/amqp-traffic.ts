// The AMQP ends of a measured run: a publisher with confirms (bursts and paced streams of stamped commands) and
// sinks that consume what arrives at a gateway and hand it to the run collectors.
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import type { CollectorRegistry } from './run-collector.ts';
import { stampPayload } from './stamped-payload.ts';

/** Unconfirmed publishes allowed at once in a burst: enough to keep the broker busy, bounded so memory is too. */
export const DEFAULT_CONFIRM_WINDOW = 1_000;

export interface BurstResult {
  /** performance.now() of the first publish and of the last confirm. */
  readonly startedAt: number;
  readonly confirmedAt: number;
  readonly nacked: number;
}

export interface PacedResult {
  readonly sent: number;
  /** Publishes the broker refused (nack) or that failed. */
  readonly nacked: number;
}

export interface Publisher {
  /** Publishes `count` stamped messages as fast as confirms allow (at most `window` unconfirmed). */
  burst(exchange: string, routingKey: (seq: number) => string, count: number, runId: number, window?: number): Promise<BurstResult>;
  /** Publishes at `ratePerSecond` for `seconds`, in 5 ms steps; resolves when all are confirmed. */
  paced(exchange: string, routingKey: (seq: number) => string, ratePerSecond: number, seconds: number, runId: number): Promise<PacedResult>;
  close(): Promise<void>;
}

export async function openPublisher(uri: string, messageBytes: number): Promise<Publisher> {
  const connection: ChannelModel = await amqp.connect(uri);
  const channel: ConfirmChannel = await connection.createConfirmChannel();
  let outstanding = 0;
  let nacked = 0;
  let wake: (() => void) | undefined;
  const settled = () => {
    outstanding--;
    wake?.();
  };
  const waitBelow = async (limit: number) => {
    while (outstanding > limit) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  };
  const publish = (exchange: string, routingKey: string, runId: number, seq: number) => {
    outstanding++;
    const body = stampPayload(messageBytes, { sentAt: performance.now(), runId, seq });
    const ok = channel.publish(exchange, routingKey, body, { persistent: true, contentType: 'application/octet-stream' }, (err) => {
      if (err) nacked++;
      settled();
    });
    return ok;
  };
  const drained = () => new Promise<void>((resolve) => channel.once('drain', resolve));
  return {
    async burst(exchange, routingKey, count, runId, window = DEFAULT_CONFIRM_WINDOW) {
      nacked = 0;
      const startedAt = performance.now();
      for (let seq = 0; seq < count; seq++) {
        if (!publish(exchange, routingKey(seq), runId, seq)) await drained();
        if (outstanding >= window) await waitBelow(window / 2);
      }
      await waitBelow(0);
      return { startedAt, confirmedAt: performance.now(), nacked };
    },
    async paced(exchange, routingKey, ratePerSecond, seconds, runId) {
      nacked = 0;
      const total = Math.max(1, Math.round(ratePerSecond * seconds));
      const startedAt = performance.now();
      let seq = 0;
      while (seq < total) {
        const due = Math.min(total, Math.floor(((performance.now() - startedAt) / 1000) * ratePerSecond) + 1);
        while (seq < due) publish(exchange, routingKey(seq), runId, seq++);
        await new Promise((r) => setTimeout(r, 5));
      }
      await waitBelow(0);
      return { sent: total, nacked };
    },
    async close() {
      await connection.close().catch(() => undefined);
    },
  };
}

export interface Sink {
  readonly queue: string;
  /** Arrivals seen by this sink that carried a header `name`, by its value (e.g. the router's route). */
  headerCounts(name: string): Map<string, number>;
  close(): Promise<void>;
}

/**
 * A server-named, exclusive queue on `exchange` with one binding per key, consumed without acks (the sink must
 * not be the bottleneck), feeding `collectors`.
 */
export async function openSink(uri: string, exchange: string, bindingKeys: readonly string[], collectors: CollectorRegistry): Promise<Sink> {
  return consumeSink(uri, collectors, async (channel) => {
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    for (const key of bindingKeys) await channel.bindQueue(queue, exchange, key);
    return queue;
  });
}

/** A queue that already exists (e.g. a device's session queue), consumed like openSink's; it is left in place. */
export async function openQueueSink(uri: string, queue: string, collectors: CollectorRegistry): Promise<Sink> {
  return consumeSink(uri, collectors, async () => queue);
}

async function consumeSink(uri: string, collectors: CollectorRegistry, queueOf: (channel: Channel) => Promise<string>): Promise<Sink> {
  const connection: ChannelModel = await amqp.connect(uri);
  const channel = await connection.createChannel();
  const queue = await queueOf(channel);
  const headers = new Map<string, Map<string, number>>();
  const countHeaders = (m: ConsumeMessage) => {
    for (const [name, value] of Object.entries(m.properties.headers ?? {})) {
      if (!name.startsWith('x-fedgate-')) continue;
      const counts = headers.get(name) ?? new Map<string, number>();
      counts.set(String(value), (counts.get(String(value)) ?? 0) + 1);
      headers.set(name, counts);
    }
  };
  await channel.consume(
    queue,
    (m) => {
      if (!m) return;
      const now = performance.now();
      collectors.deliver(m.content, now);
      countHeaders(m);
    },
    { noAck: true },
  );
  return {
    queue,
    headerCounts: (name) => new Map(headers.get(name) ?? []),
    async close() {
      await connection.close().catch(() => undefined);
    },
  };
}

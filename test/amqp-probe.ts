// Small AMQP helpers for integration tests: a temporary queue bound somewhere, and waiting for messages on it.
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AmqpEndpoint, RunningFleet } from '@fedgate/local-cluster';

/** A URI, or an endpoint with the TLS options (and credentials) its cluster needs (`fleet.amqpEndpoint(cluster)`). */
export type AmqpTarget = string | AmqpEndpoint | { readonly url: string; readonly socketOptions: Record<string, unknown> };

/**
 * How a gateway link logs in to the backend, for tests that act as one (the presence link, say): on a TLS
 * backend with the link's own certificate (SASL EXTERNAL; link users have no password), else with its password.
 */
export async function linkUserEndpoint(fleet: RunningFleet, user: string): Promise<AmqpTarget> {
  const backend = fleet.topology.backend;
  if (!backend.tls || !fleet.tls) return fleet.amqpEndpoint(backend.name, user);
  const file = (ext: string) => readFile(join(fleet.tls!.pkiDir, 'links', `${user}.${ext}`), 'utf8');
  return {
    url: `amqps://${backend.host}:${backend.ports.amqp}/${encodeURIComponent(fleet.topology.vhost)}`,
    socketOptions: { ca: [fleet.tls.ca], cert: await file('pem'), key: await file('key'), credentials: amqp.credentials.external() },
  };
}

/** Connects with the fleet CA (and the tools' client certificate) when the target carries them. */
export function connectAmqp(target: AmqpTarget): Promise<ChannelModel> {
  return typeof target === 'string' ? amqp.connect(target) : amqp.connect(target.url, { ...target.socketOptions });
}

export interface Tap {
  readonly messages: ConsumeMessage[];
  /** Resolves with the first message matching `predicate`, or rejects after `timeoutMs`. */
  next(predicate?: (m: ConsumeMessage) => boolean, timeoutMs?: number): Promise<ConsumeMessage>;
  close(): Promise<void>;
}

/** Binds a server-named, exclusive queue to `exchange` with `key` and records everything it receives. */
export async function tap(target: AmqpTarget, exchange: string, key = '#'): Promise<Tap> {
  const connection: ChannelModel = await connectAmqp(target);
  const channel: Channel = await connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, key);
  const messages: ConsumeMessage[] = [];
  const waiters: (() => void)[] = [];
  await channel.consume(
    queue,
    (m) => {
      if (!m) return;
      messages.push(m);
      waiters.splice(0).forEach((w) => w());
    },
    { noAck: true },
  );
  return {
    messages,
    async next(predicate = () => true, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching message on ${exchange} (${key}) within ${timeoutMs} ms; saw ${messages.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    async close() {
      await connection.close().catch(() => undefined);
    },
  };
}

/** Publishes with publisher confirms and waits for the broker's ack. */
export async function publishConfirmed(target: AmqpTarget, exchange: string, routingKey: string, body: string, options: amqp.Options.Publish = {}) {
  const connection = await connectAmqp(target);
  try {
    const channel = await connection.createConfirmChannel();
    channel.publish(exchange, routingKey, Buffer.from(body), options);
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

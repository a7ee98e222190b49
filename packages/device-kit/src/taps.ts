// What the demo, tests and drills watch and publish with beside the devices: a tap on a gateway's devices exchange,
// the backend's dead letters, and a publisher that counts the broker's confirms.
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { ADMIN_USER, DEAD_EXCHANGE, DEAD_REASON_HEADER, DEVICES_EXCHANGE, ROUTE_HEADER } from '@fedgate/topology';
import type { RunningFleet } from '@fedgate/local-cluster';

/** Messages for `deviceId` seen on a gateway's devices exchange, whoever they were for, with the route they took. */
export async function gatewayTap(fleet: RunningFleet, gateway: string, deviceId: string): Promise<{ seen: { route: string }[]; close(): Promise<void> }> {
  const connection = await amqp.connect(fleet.amqpUri(gateway, ADMIN_USER), { ...fleet.amqpTlsOptions(gateway) });
  const channel = await connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true });
  // Not `devices.<id>.commands.#`: that binding would look like the device subscribing here.
  await channel.bindQueue(queue, DEVICES_EXCHANGE, `devices.${deviceId}.#`);
  const seen: { route: string }[] = [];
  await channel.consume(queue, (m) => m && seen.push({ route: String(m.properties.headers?.[ROUTE_HEADER]) }), { noAck: true });
  return { seen, close: () => connection.close() };
}

/** Publishes with publisher confirms; counts what the broker confirmed and what it refused. */
export class ConfirmedPublisher {
  confirmed = 0;
  readonly nacked: string[] = [];
  #inFlight: Promise<void>[] = [];

  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: ConfirmChannel,
  ) {}

  static async open(uri: string): Promise<ConfirmedPublisher> {
    const connection = await amqp.connect(uri);
    return new ConfirmedPublisher(connection, await connection.createConfirmChannel());
  }

  publish(exchange: string, routingKey: string, id: string): void {
    this.#inFlight.push(
      new Promise<void>((resolve) => {
        this.channel.publish(exchange, routingKey, Buffer.from(id), { messageId: id, persistent: true }, (err) => {
          if (err) this.nacked.push(id);
          else this.confirmed++;
          resolve();
        });
      }),
    );
  }

  /** Waits for the broker's answer to everything published so far. */
  async settle(): Promise<void> {
    const waiting = this.#inFlight.splice(0);
    await Promise.all(waiting);
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}

/** Watches the backend's dead-letter exchange: which command ids were dead-lettered, and why. */
export class DeadLetters {
  readonly reasons = new Map<string, string>();

  private constructor(private readonly connection: ChannelModel) {}

  static async watch(uri: string): Promise<DeadLetters> {
    const connection = await amqp.connect(uri);
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, DEAD_EXCHANGE, '#');
    const watcher = new DeadLetters(connection);
    await channel.consume(
      queue,
      (m) => {
        if (!m) return;
        const headers = m.properties.headers ?? {};
        const death = (headers['x-death'] as { reason?: string }[] | undefined)?.[0]?.reason;
        const reason = String(headers[DEAD_REASON_HEADER] ?? headers['x-first-death-reason'] ?? death ?? '');
        watcher.reasons.set(m.properties.messageId ?? m.content.toString(), reason);
      },
      { noAck: true },
    );
    return watcher;
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}

// The devices, publishers and dead-letter watchers the drills count messages with.
import amqp, { type ConfirmChannel, type ChannelModel } from 'amqplib';
import mqtt, { type MqttClient } from 'mqtt';
import { DEAD_EXCHANGE, DEAD_REASON_HEADER, DEVICE_USER, commandTopicFilter, type Gateway } from '@fedgate/topology';
import type { RunningFleet } from '@fedgate/local-cluster';
import { waitFor } from './drill-fleet.ts';

/**
 * MQTT devices on one gateway that behave like real ones: they reconnect every second forever (also after the
 * broker refused them), and with `clean: false` keep a QoS 1 session that survives their disconnection and a
 * broker restart. Each command's body is its id; `received` counts how often each id arrived.
 */
export interface DeviceSwarm {
  readonly ids: readonly string[];
  readonly clients: readonly MqttClient[];
  readonly received: Map<string, number>;
  connected(): number;
  close(): Promise<void>;
}

export async function deviceSwarm(
  fleet: RunningFleet,
  gateway: string,
  ids: readonly string[],
  options: { clean: boolean; subscribe: boolean; connectTimeoutMs?: number },
): Promise<DeviceSwarm> {
  const gw = fleet.topology.gateways.find((g) => g.name === gateway) as Gateway;
  const password = fleet.secrets.password(gateway, DEVICE_USER);
  const received = new Map<string, number>();
  const clients = ids.map((id) => {
    const client = mqtt.connect(`mqtt://${gw.host}:${gw.ports.mqtt}`, {
      clientId: id,
      username: DEVICE_USER,
      password,
      clean: options.clean,
      reconnectPeriod: 1_000,
      reconnectOnConnackError: true,
      connectTimeout: 30_000,
      keepalive: 60,
    });
    client.on('error', () => undefined); // refused while the gateway is down or limited: it retries
    client.on('message', (_topic, payload) => {
      const command = payload.toString();
      received.set(command, (received.get(command) ?? 0) + 1);
    });
    return client;
  });
  const swarm: DeviceSwarm = {
    ids,
    clients,
    received,
    connected: () => clients.filter((c) => c.connected).length,
    close: async () => {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    },
  };
  await waitFor(
    () => swarm.connected() === ids.length,
    options.connectTimeoutMs ?? 120_000,
    () => `${ids.length} devices on ${gateway} to connect (${swarm.connected()} are)`,
  );
  if (options.subscribe) {
    await Promise.all(clients.map((c, i) => c.subscribeAsync(commandTopicFilter(ids[i]!), { qos: 1 })));
  }
  return swarm;
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

/** Commands neither delivered (to any of `swarms`) nor dead-lettered: what a drill must find empty. */
export function unaccounted(ids: readonly string[], swarms: readonly DeviceSwarm[], dead: DeadLetters): string[] {
  return ids.filter((id) => !swarms.some((s) => s.received.has(id)) && !dead.reasons.has(id));
}

/** Deliveries beyond the first: at-least-once redeliveries after a fault. */
export function duplicates(swarm: DeviceSwarm): number {
  let extra = 0;
  for (const n of swarm.received.values()) extra += n - 1;
  return extra;
}

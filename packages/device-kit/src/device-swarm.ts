// Many MQTT devices on one gateway that behave like real ones: they reconnect every second forever (also after the
// broker refused them), and with `clean: false` keep a QoS 1 session that survives their disconnection and a
// broker restart. Each command's body is its id; `received` counts how often each id arrived.
import mqtt, { type MqttClient } from 'mqtt';
import { commandTopicFilter } from '@fedgate/topology';
import type { RunningFleet } from '@fedgate/local-cluster';
import { mqttDeviceLogin } from './mqtt-device.ts';
import { pollUntil } from './poll-until.ts';

export interface DeviceSwarm {
  readonly ids: readonly string[];
  readonly clients: readonly MqttClient[];
  readonly received: Map<string, number>;
  connected(): number;
  close(): Promise<void>;
}

export interface DeviceSwarmOptions {
  readonly clean: boolean;
  /** Subscribe each device to its own commands with QoS 1 once all are connected. */
  readonly subscribe: boolean;
  /** @default 120000 */
  readonly connectTimeoutMs?: number;
}

/** Connects every device of `ids` to `gateway` and resolves once all are connected (and subscribed, if asked). */
export async function deviceSwarm(fleet: RunningFleet, gateway: string, ids: readonly string[], options: DeviceSwarmOptions): Promise<DeviceSwarm> {
  const received = new Map<string, number>();
  const clients: MqttClient[] = [];
  // One after another: on a TLS gateway a device's first login issues its certificate.
  for (const id of ids) {
    const { url, options: login } = await mqttDeviceLogin(fleet, gateway, id);
    const client = mqtt.connect(url, {
      ...login,
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
    clients.push(client);
  }
  const swarm: DeviceSwarm = {
    ids,
    clients,
    received,
    connected: () => clients.filter((c) => c.connected).length,
    close: async () => {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    },
  };
  await pollUntil(
    () => swarm.connected() === ids.length,
    options.connectTimeoutMs ?? 120_000,
    () => `${ids.length} devices on ${gateway} to connect (${swarm.connected()} are)`,
  );
  if (options.subscribe) {
    await Promise.all(clients.map((c, i) => c.subscribeAsync(commandTopicFilter(ids[i]!), { qos: 1 })));
  }
  return swarm;
}

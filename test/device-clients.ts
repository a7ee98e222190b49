// Real MQTT and STOMP clients for integration tests, connected to a gateway of the shared fleet.
import mqtt, { type MqttClient } from 'mqtt';
import { Client as StompClient, type IMessage } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import { ADMIN_USER, DEVICE_USER, type Gateway } from '@fedgate/topology';
import type { RunningFleet } from '@fedgate/local-cluster';

export async function mqttDevice(fleet: RunningFleet, gateway: string, clientId: string, options: { clean?: boolean } = {}): Promise<MqttClient> {
  const gw = fleet.topology.gateways.find((g) => g.name === gateway) as Gateway;
  return mqtt.connectAsync(`mqtt://${gw.host}:${gw.ports.mqtt}`, {
    clientId,
    username: DEVICE_USER,
    password: fleet.secrets.password(gateway, DEVICE_USER),
    clean: options.clean ?? true,
    reconnectPeriod: 0,
  });
}

/** A STOMP app on a gateway. STOMP has no client id for `{client_id}` topic permissions, so it logs in as the gateway's administrator. */
export async function stompApp(fleet: RunningFleet, gateway: string): Promise<StompClient> {
  const gw = fleet.topology.gateways.find((g) => g.name === gateway) as Gateway;
  const client = new StompClient({
    webSocketFactory: () => new TCPWrapper(gw.host, gw.ports.stomp),
    connectHeaders: { login: ADMIN_USER, passcode: fleet.secrets.password(gateway, ADMIN_USER), host: fleet.topology.vhost },
    reconnectDelay: 0,
    debug: () => {},
  });
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (frame) => reject(new Error(frame.headers.message));
    client.activate();
  });
  return client;
}

/** Collects STOMP messages from a `/topic/<binding key>` subscription. */
export function stompCollect(client: StompClient, bindingKey: string): IMessage[] {
  const received: IMessage[] = [];
  client.subscribe(`/topic/${bindingKey}`, (m) => received.push(m));
  return received;
}

export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

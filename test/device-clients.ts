// Real MQTT and STOMP clients for integration tests, connected to a gateway of the shared fleet. On a TLS gateway a
// device presents its own certificate (issued from the fleet CA on first use) and an app a signed token; on a plain
// one both log in with the shared passwords.
import { randomUUID } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Client as StompClient, type IMessage, type StompHeaders } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import { ADMIN_USER, DEVICE_USER, type Gateway } from '@fedgate/topology';
import { appSubscriptionQueue } from '@fedgate/pki';
import type { RunningFleet } from '@fedgate/local-cluster';
import { tlsStompSocket } from '../packages/cli/src/demo/tls-stomp-socket.ts';

export function gatewayOf(fleet: RunningFleet, gateway: string): Gateway {
  const gw = fleet.topology.gateways.find((g) => g.name === gateway);
  if (!gw) throw new Error(`no gateway ${gateway} in ${fleet.topologyFile}`);
  return gw;
}

/** URL and login of device `clientId` at `gateway`: its certificate over TLS, else the shared device password. */
export async function mqttDeviceOptions(fleet: RunningFleet, gateway: string, clientId: string): Promise<{ url: string; options: IClientOptions }> {
  const gw = gatewayOf(fleet, gateway);
  if (!gw.tls) {
    return { url: `mqtt://${gw.host}:${gw.ports.mqtt}`, options: { clientId, username: DEVICE_USER, password: fleet.secrets.password(gateway, DEVICE_USER) } };
  }
  const identity = await fleet.deviceTls(clientId);
  return { url: `mqtts://${gw.host}:${gw.ports.mqtt}`, options: { clientId, ca: identity.ca, cert: identity.cert, key: identity.key } };
}

export async function mqttDevice(fleet: RunningFleet, gateway: string, clientId: string, options: { clean?: boolean } = {}): Promise<MqttClient> {
  const { url, options: login } = await mqttDeviceOptions(fleet, gateway, clientId);
  return mqtt.connectAsync(url, { ...login, clean: options.clean ?? true, reconnectPeriod: 0 });
}

/** A STOMP connection to `gateway`: TLS with the tools' certificate where the gateway requires one, else plain TCP. */
export function stompSocket(fleet: RunningFleet, gateway: string) {
  const gw = gatewayOf(fleet, gateway);
  return gw.tls ? tlsStompSocket(gw.host, gw.ports.stomp, fleet.amqpTlsOptions(gateway)) : new TCPWrapper(gw.host, gw.ports.stomp);
}

/**
 * STOMP app `app` on a gateway: over TLS it logs in with a token whose scopes name only its own topics and queues
 * (the passcode; the login is ignored); on a plain gateway, where STOMP has no identity, as the administrator.
 */
export async function stompApp(fleet: RunningFleet, gateway: string, app: string, extraScopes?: readonly string[]): Promise<StompClient> {
  const gw = gatewayOf(fleet, gateway);
  const [login, passcode] = gw.tls ? [app, await fleet.appToken(app, extraScopes)] : [ADMIN_USER, fleet.secrets.password(gateway, ADMIN_USER)];
  return connectStomp(fleet, gateway, { login, passcode, host: fleet.topology.vhost });
}

/** Connects with the given CONNECT headers; rejects with the broker's ERROR frame or the socket's failure. */
export async function connectStomp(fleet: RunningFleet, gateway: string, connectHeaders: StompHeaders): Promise<StompClient> {
  const client = new StompClient({ webSocketFactory: () => stompSocket(fleet, gateway), connectHeaders, reconnectDelay: 0, debug: () => {} });
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (frame) => reject(new Error(`${frame.headers.message ?? 'ERROR'}: ${frame.body.trim()}`));
    client.onWebSocketClose = () => reject(new Error('the STOMP connection closed before CONNECTED'));
    client.activate();
  });
  return client;
}

/**
 * Collects STOMP messages of app `app` from a `/topic/<binding key>` subscription, into the app's own queue
 * (`x-queue-name: fedgate.app.<app>.<random>`): the only queues an app's token lets it use.
 */
export function stompCollect(client: StompClient, app: string, bindingKey = `devices.${app}.commands.#`): IMessage[] {
  const received: IMessage[] = [];
  const queue = appSubscriptionQueue(app, randomUUID().slice(0, 8));
  client.subscribe(`/topic/${bindingKey}`, (m) => received.push(m), { 'x-queue-name': queue });
  return received;
}

export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

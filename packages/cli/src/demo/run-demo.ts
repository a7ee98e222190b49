import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { Client as StompClient } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import amqp from 'amqplib';
import { ADMIN_USER, APP_USER, DEVICE_USER, DEVICES_EXCHANGE, ROUTE_HEADER, type Gateway } from '@fedgate/topology';
import type { RunningFleet } from '@fedgate/local-cluster';
import { createClient, type DeviceEvent } from '@fedgate/client';
import { appSubscriptionQueue } from '@fedgate/pki';
import { tlsStompSocket } from './tls-stomp-socket.ts';

/** One line of the demonstration's story, and whether what it claims was observed. */
export interface DemoStep {
  readonly ok: boolean;
  readonly text: string;
}

const WAIT_MS = 10_000;

async function until(check: () => boolean, timeoutMs = WAIT_MS): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Messages for `deviceId` seen on a gateway's devices exchange, whoever they were for. */
async function watchGateway(fleet: RunningFleet, gateway: string, deviceId: string) {
  const connection = await amqp.connect(fleet.amqpUri(gateway, ADMIN_USER), { ...fleet.amqpTlsOptions(gateway) });
  const channel = await connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true });
  // Not `devices.<id>.commands.#`: that binding would look like the device subscribing here.
  await channel.bindQueue(queue, DEVICES_EXCHANGE, `devices.${deviceId}.#`);
  const seen: { route: string }[] = [];
  await channel.consume(queue, (m) => m && seen.push({ route: String(m.properties.headers?.[ROUTE_HEADER]) }), { noAck: true });
  return { seen, close: () => connection.close() };
}

/** A device on `gw`: over TLS with its own certificate (client id and login come from it), else the shared password. */
async function mqttDevice(gw: Gateway, fleet: RunningFleet, clientId: string): Promise<{ client: MqttClient; got: string[] }> {
  const login = gw.tls ? { ...(await fleet.deviceTls(clientId)) } : { username: DEVICE_USER, password: fleet.secrets.password(gw.name, DEVICE_USER) };
  const client = await mqtt.connectAsync(`${gw.tls ? 'mqtts' : 'mqtt'}://${gw.host}:${gw.ports.mqtt}`, { clientId, ...login, reconnectPeriod: 0 });
  const got: string[] = [];
  client.on('message', (topic) => got.push(topic));
  await client.subscribeAsync(`devices/${clientId}/commands/#`, { qos: 1 });
  return { client, got };
}

/**
 * A STOMP app on `gw`: over TLS it logs in with a signed token whose scopes name only its own topics and queues
 * (the login is ignored); a plain gateway has no app identities, so there it is the administrator.
 */
async function stompApp(gw: Gateway, fleet: RunningFleet, app: string): Promise<StompClient> {
  const stomp = new StompClient({
    webSocketFactory: () => (gw.tls ? tlsStompSocket(gw.host, gw.ports.stomp, fleet.amqpTlsOptions(gw.name)) : new TCPWrapper(gw.host, gw.ports.stomp)),
    connectHeaders: gw.tls
      ? { login: app, passcode: await fleet.appToken(app), host: fleet.topology.vhost }
      : { login: ADMIN_USER, passcode: fleet.secrets.password(gw.name, ADMIN_USER), host: fleet.topology.vhost },
    reconnectDelay: 0,
    debug: () => {},
  });
  await new Promise<void>((resolve, reject) => {
    stomp.onConnect = () => resolve();
    stomp.onStompError = (f) => reject(new Error(f.headers.message));
    stomp.activate();
  });
  return stomp;
}

/**
 * The walk-through `npm start` ends with: devices on two gateways, a microservice commanding them through the
 * router, events coming back attributed, a broadcast, and a device that moves. Each step says what it saw.
 */
export async function runDemo(fleet: RunningFleet, say: (step: DemoStep) => void): Promise<boolean> {
  const [first, second] = fleet.topology.gateways as [Gateway, Gateway];
  const run = randomUUID().slice(0, 6);
  const sensor = `sensor-${run}`;
  const app = `app-${run}`;
  const ghost = `ghost-${run}`;
  let allOk = true;
  const step = (ok: boolean, text: string) => {
    allOk &&= ok;
    say({ ok, text });
  };

  const backend = fleet.topology.backend;
  const serviceTls = backend.tls && fleet.tls ? { tls: { ca: fleet.tls.ca } } : {};
  const service = await createClient({ url: fleet.amqpUri(backend.name, APP_USER), ...serviceTls, topology: fleet.topology });
  const events: DeviceEvent[] = [];
  await service.onEvent('devices.*.events.#', (e) => void events.push(e));
  const device = await mqttDevice(first, fleet, sensor);
  const stomp = await stompApp(second, fleet, app);
  const appGot: string[] = [];
  // The app's token lets it use its own queues only, so it names one instead of STOMP's shared default.
  stomp.subscribe(`/topic/devices.${app}.commands.#`, (m) => appGot.push(m.headers.destination ?? ''), { 'x-queue-name': appSubscriptionQueue(app) });
  await new Promise((r) => setTimeout(r, 1_000)); // presence travels gateway → backend → router
  const how = (gw: Gateway, tlsWay: string) => (gw.tls ? ` (${tlsWay})` : '');
  step(
    true,
    `MQTT device ${sensor} connected to gateway ${first.name}${how(first, 'its own certificate')}; STOMP app ${app} connected to gateway ${second.name}${how(second, 'a signed token')}`,
  );

  try {
    await service.sendCommand(sensor, 'reboot', { delaySeconds: 5 });
    await service.sendCommand(app, 'refresh', { view: 'dashboard' });
    const both = await until(() => device.got.length >= 1 && appGot.length >= 1);
    step(
      both && device.got.every((t) => t.includes(sensor)) && appGot.every((d) => d.includes(app)),
      `commands confirmed by the broker: ${sensor} got ${device.got.length} (reboot), ${app} got ${appGot.length} (refresh) — each only its own`,
    );

    await device.client.publishAsync(`devices/${sensor}/events/temperature`, JSON.stringify({ celsius: 21.5 }), { qos: 1 });
    stomp.publish({ destination: `/topic/devices.${app}.events.status`, body: '{"state":"idle"}', headers: { 'x-fedgate-gateway': 'spoofed' } });
    const gotEvents = await until(() => events.some((e) => e.deviceId === sensor) && events.some((e) => e.deviceId === app));
    const from = (id: string) => events.find((e) => e.deviceId === id)?.gateway;
    step(
      gotEvents && from(sensor) === first.name && from(app) === second.name,
      `events came back: ${sensor} via ${from(sensor)}, ${app} via ${from(app)} (a spoofed header was ignored)`,
    );

    const watches = await Promise.all(fleet.topology.gateways.map((g) => watchGateway(fleet, g.name, ghost)));
    await service.sendCommand(ghost, 'ping', {});
    const everywhere = await until(() => watches.every((w) => w.seen.length > 0));
    step(
      everywhere && watches.every((w) => w.seen.every((s) => s.route === 'broadcast')),
      `a command for unknown device ${ghost} was broadcast to all ${watches.length} gateways`,
    );
    await Promise.all(watches.map((w) => w.close()));

    await device.client.endAsync();
    const moved = await mqttDevice(second, fleet, sensor);
    const subscribedAt = Date.now();
    await new Promise((r) => setTimeout(r, 500));
    await service.sendCommand(sensor, 'reboot', { delaySeconds: 0 });
    const arrived = await until(() => moved.got.length >= 1);
    step(arrived, `${sensor} moved to gateway ${second.name}: its next command arrived there ${Date.now() - subscribedAt} ms after it subscribed`);
    await moved.client.endAsync();
  } finally {
    await stomp.deactivate();
    await device.client.endAsync(true).catch(() => undefined);
    await service.close();
  }
  return allOk;
}

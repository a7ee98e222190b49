import { randomUUID } from 'node:crypto';
import { APP_USER, type Gateway } from '@fedgate/topology';
import type { RunningFleet } from '@fedgate/local-cluster';
import { createClient, type DeviceEvent } from '@fedgate/client';
import { appSubscriptionQueue } from '@fedgate/pki';
import { gatewayTap, stompApp, subscribedDevice, waitUntil } from '@fedgate/device-kit';

/** One line of the demonstration's story, and whether what it claims was observed. */
export interface DemoStep {
  readonly ok: boolean;
  readonly text: string;
}

/** How long each step waits for what it expects. */
const WAIT_MS = 10_000;

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
  const device = await subscribedDevice(fleet, first.name, sensor);
  const stomp = await stompApp(fleet, second.name, app);
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
    const both = await waitUntil(() => device.got.length >= 1 && appGot.length >= 1, WAIT_MS);
    step(
      both && device.got.every((t) => t.includes(sensor)) && appGot.every((d) => d.includes(app)),
      `commands confirmed by the broker: ${sensor} got ${device.got.length} (reboot), ${app} got ${appGot.length} (refresh) — each only its own`,
    );

    await device.client.publishAsync(`devices/${sensor}/events/temperature`, JSON.stringify({ celsius: 21.5 }), { qos: 1 });
    stomp.publish({ destination: `/topic/devices.${app}.events.status`, body: '{"state":"idle"}', headers: { 'x-fedgate-gateway': 'spoofed' } });
    const gotEvents = await waitUntil(() => events.some((e) => e.deviceId === sensor) && events.some((e) => e.deviceId === app), WAIT_MS);
    const from = (id: string) => events.find((e) => e.deviceId === id)?.gateway;
    step(
      gotEvents && from(sensor) === first.name && from(app) === second.name,
      `events came back: ${sensor} via ${from(sensor)}, ${app} via ${from(app)} (a spoofed header was ignored)`,
    );

    const watches = await Promise.all(fleet.topology.gateways.map((g) => gatewayTap(fleet, g.name, ghost)));
    await service.sendCommand(ghost, 'ping', {});
    const everywhere = await waitUntil(() => watches.every((w) => w.seen.length > 0), WAIT_MS);
    step(
      everywhere && watches.every((w) => w.seen.every((s) => s.route === 'broadcast')),
      `a command for unknown device ${ghost} was broadcast to all ${watches.length} gateways`,
    );
    await Promise.all(watches.map((w) => w.close()));

    await device.client.endAsync();
    const moved = await subscribedDevice(fleet, second.name, sensor);
    const subscribedAt = Date.now();
    await new Promise((r) => setTimeout(r, 500));
    await service.sendCommand(sensor, 'reboot', { delaySeconds: 0 });
    const arrived = await waitUntil(() => moved.got.length >= 1, WAIT_MS);
    step(arrived, `${sensor} moved to gateway ${second.name}: its next command arrived there ${Date.now() - subscribedAt} ms after it subscribed`);
    await moved.client.endAsync();
  } finally {
    await stomp.deactivate();
    await device.client.endAsync(true).catch(() => undefined);
    await service.close();
  }
  return allOk;
}

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import type { Client as StompClient } from '@stomp/stompjs';
import { DEVICES_EXCHANGE, EVENTS_EXCHANGE, PRESENCE_EXCHANGE, commandRoutingKey, gatewayExchange, uplinkUser } from '@fedgate/topology';
import type { RunningFleet } from '@fedgate/local-cluster';
import { sharedFleet } from '../shared-fleet.ts';
import { publishConfirmed, tap } from '../amqp-probe.ts';
import { mqttDevice, pollUntil, stompApp, stompCollect } from '@fedgate/device-kit';

describe('links - end to end on the local fleet', function () {
  this.timeout(120_000);
  let fleet: RunningFleet;
  const open: (MqttClient | StompClient)[] = [];

  before(async () => {
    fleet = await sharedFleet();
  });
  afterEach(async () => {
    for (const c of open.splice(0)) {
      if ('endAsync' in c) await c.endAsync(true).catch(() => undefined);
      else await c.deactivate().catch(() => undefined);
    }
  });

  for (const [gateway, other, kind] of [
    ['eu', 'us', 'shovel'],
    ['us', 'eu', 'federation'],
  ] as const) {
    it(`downlink (${kind}): a command for ${gateway} reaches its MQTT and STOMP subscribers and never ${other}`, async () => {
      const device = `dev-${randomUUID().slice(0, 8)}`;
      const mqttClient = await mqttDevice(fleet, gateway, device);
      open.push(mqttClient);
      const got: string[] = [];
      mqttClient.on('message', (_topic, payload) => got.push(payload.toString()));
      await mqttClient.subscribeAsync(`devices/${device}/commands/#`, { qos: 1 });
      const stomp = await stompApp(fleet, gateway, device);
      open.push(stomp);
      const stompGot = stompCollect(stomp, device);
      const elsewhere = await tap(fleet.amqpEndpoint(other), DEVICES_EXCHANGE, `devices.${device}.#`);
      try {
        // Federation needs a moment to propagate the new binding upstream; retry publishing until it lands.
        const body = `reboot-${device}`;
        const deadline = Date.now() + 20_000;
        while (got.length === 0 && Date.now() < deadline) {
          await publishConfirmed(fleet.amqpEndpoint('core'), gatewayExchange(gateway), commandRoutingKey(device, 'reboot'), body);
          await pollUntil(() => got.length > 0, 2_000, 'MQTT delivery').catch(() => undefined);
        }
        assert.ok(got.includes(body), 'MQTT subscriber received the command');
        await pollUntil(() => stompGot.length > 0, 10_000, 'STOMP delivery');
        assert.equal(stompGot[0]!.body, body);
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(elsewhere.messages.length, 0, `nothing for ${device} crossed into ${other}`);
      } finally {
        await elsewhere.close();
      }
    });
  }

  it('uplink: a device event reaches backend fedgate.events attributed to its gateway, whatever headers were sent', async () => {
    const device = `dev-${randomUUID().slice(0, 8)}`;
    const events = await tap(fleet.amqpEndpoint('core'), EVENTS_EXCHANGE, `devices.${device}.events.#`);
    try {
      const client = await mqttDevice(fleet, 'eu', device);
      open.push(client);
      await client.publishAsync(`devices/${device}/events/temp`, '21.5', { qos: 1 });
      const fromMqtt = await events.next((m) => m.content.toString() === '21.5');
      assert.equal(fromMqtt.fields.routingKey, `devices.${device}.events.temp`);
      assert.equal(fromMqtt.properties.appId, 'eu');
      assert.equal(fromMqtt.properties.userId, uplinkUser('eu'));

      // A STOMP client can set headers and properties; the link overrides the ones that attribute.
      const stomp = await stompApp(fleet, 'us', device);
      open.push(stomp);
      stomp.publish({
        destination: `/topic/devices.${device}.events.spoof`,
        body: 'spoofed',
        headers: { 'x-fedgate-gateway': 'eu', 'app-id': 'eu' },
      });
      const spoofed = await events.next((m) => m.content.toString() === 'spoofed');
      assert.equal(spoofed.properties.appId, 'us');
      assert.equal(spoofed.properties.userId, uplinkUser('us'));
    } finally {
      await events.close();
    }
  });

  it('presence: a subscription shows on backend fedgate.presence, and its disconnect removes it', async () => {
    const device = `dev-${randomUUID().slice(0, 8)}`;
    const presence = await tap(fleet.amqpEndpoint('core'), PRESENCE_EXCHANGE, '#');
    const mine = (type: string) => (m: { fields: { routingKey: string }; properties: { headers?: Record<string, unknown> } }) =>
      m.fields.routingKey === type && String(m.properties.headers?.routing_key) === `devices.${device}.commands.#`;
    try {
      const client = await mqttDevice(fleet, 'eu', device);
      await client.subscribeAsync(`devices/${device}/commands/#`, { qos: 1 });
      const created = await presence.next(mine('binding.created'));
      assert.equal(String(created.properties.headers?.source_name), DEVICES_EXCHANGE);
      assert.equal(created.properties.appId, 'eu');
      await client.endAsync();
      const deleted = await presence.next(mine('binding.deleted'));
      assert.equal(deleted.properties.appId, 'eu');
    } finally {
      await presence.close();
    }
  });

  it("device isolation: subscribing to another device's commands is refused", async () => {
    const client = await mqttDevice(fleet, 'eu', 'sensor-a');
    open.push(client);
    await client.subscribeAsync('devices/sensor-a/commands/#', { qos: 1 });
    await assert.rejects(client.subscribeAsync('devices/sensor-b/commands/#', { qos: 1 }));
    // RabbitMQ 4.0 answers with a failed SUBACK, then closes the connection (a moment later than 3.10 did).
    await pollUntil(() => !client.connected, 5_000, 'the broker to close the offending connection');
  });

  it('device isolation: publishing as another device is refused', async () => {
    const events = await tap(fleet.amqpEndpoint('core'), EVENTS_EXCHANGE, 'devices.sensor-d.events.#');
    try {
      const client = await mqttDevice(fleet, 'eu', 'sensor-c');
      open.push(client);
      // The broker answers a forbidden publish by closing the connection, so the publish never completes.
      client.publish('devices/sensor-d/events/temp', 'forged', { qos: 1 }, () => undefined);
      await pollUntil(() => !client.connected, 5_000, 'the broker to close the forging connection');
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(events.messages.length, 0, 'the forged event never reached the backend');
    } finally {
      await events.close();
    }
  });
});

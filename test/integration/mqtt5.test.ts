import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mqtt, { type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt';
import { DEADLINE_HEADER, commandRoutingKey, gatewayExchange } from '@fedgate/topology';
import type { RunningFleet } from '@fedgate/local-cluster';
import { sharedFleet } from '../shared-fleet.ts';
import { publishConfirmed } from '../amqp-probe.ts';
import { mqttDeviceLogin, pollUntil } from '@fedgate/device-kit';

/** MQTT's largest session expiry (never expire), which a gateway must bound. */
const FOREVER = 0xffffffff;

/** Connects; `onMessage` listens before the CONNACK, since a resumed session's messages may arrive in the same read. */
async function device(
  fleet: RunningFleet,
  gateway: string,
  clientId: string,
  protocolVersion: 4 | 5,
  onMessage?: (topic: string) => void,
): Promise<MqttClient> {
  const { url, options } = await mqttDeviceLogin(fleet, gateway, clientId);
  const client = mqtt.connect(url, {
    ...options,
    protocolVersion,
    clean: false, // persistent sessions, as fleets run them
    ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: FOREVER } } : {}),
    reconnectPeriod: 0,
  });
  if (onMessage) client.on('message', (topic) => onMessage(topic));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

describe('mqtt 5 - devices on RabbitMQ 4.0 gateways, beside MQTT 3.1.1', function () {
  this.timeout(120_000);
  let fleet: RunningFleet;
  const open: MqttClient[] = [];

  before(async () => {
    fleet = await sharedFleet();
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.endAsync(true).catch(() => undefined);
  });

  it("bounds the session expiry a device asks for to the topology's location TTL", async () => {
    const { url, options } = await mqttDeviceLogin(fleet, 'eu', `m5-${randomUUID().slice(0, 8)}`);
    const client = mqtt.connect(url, {
      ...options,
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: FOREVER },
      reconnectPeriod: 0,
    });
    open.push(client);
    const connack = await new Promise<IConnackPacket>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
    });
    // A persistent session may not outlive the time the router still trusts the device's location.
    assert.equal(connack.properties?.sessionExpiryInterval, fleet.topology.routing.locationTtlSeconds);
  });

  for (const [gateway, kind] of [
    ['eu', 'shovel'],
    ['us', 'federation'],
  ] as const) {
    it(`downlink (${kind}): MQTT 5 and 3.1.1 devices get their command byte for byte; MQTT 5 sees the deadline`, async () => {
      const id = randomUUID().slice(0, 8);
      const v5 = await device(fleet, gateway, `m5-${id}`, 5);
      const v311 = await device(fleet, gateway, `m311-${id}`, 4);
      open.push(v5, v311);
      const got = new Map<string, IPublishPacket>();
      for (const client of [v5, v311]) {
        client.on('message', (_topic, _payload, packet) => got.set(client.options.clientId!, packet));
        await client.subscribeAsync(`devices/${client.options.clientId}/commands/#`, { qos: 1 });
      }
      const deadline = Date.now() + 30_000;
      const body = JSON.stringify({ account: '12345678901234567890', id });
      for (const client of [v5, v311]) {
        // As the router republishes: the time left as expiration, the sender's deadline as a header.
        await publishConfirmed(fleet.amqpEndpoint('core'), gatewayExchange(gateway), commandRoutingKey(client.options.clientId!, 'reboot'), body, {
          expiration: '30000',
          persistent: true,
          headers: { [DEADLINE_HEADER]: deadline },
        });
      }
      await pollUntil(() => got.size === 2, 10_000, 'both devices to get their command');
      for (const packet of got.values()) assert.equal(packet.payload.toString(), body);
      assert.equal(got.get(`m5-${id}`)!.properties?.userProperties?.[DEADLINE_HEADER], String(deadline), 'the deadline reaches MQTT 5 as a user property');
      assert.equal(got.get(`m311-${id}`)!.properties, undefined, 'MQTT 3.1.1 has no properties to carry it');
    });
  }

  it('an expired command never reaches a device whose session held it while it was away', async () => {
    const clientId = `m5-away-${randomUUID().slice(0, 8)}`;
    const first = await device(fleet, 'eu', clientId, 5);
    await first.subscribeAsync(`devices/${clientId}/commands/#`, { qos: 1 });
    await first.endAsync();
    for (const [name, expiration] of [
      ['stale', '200'],
      ['fresh', '60000'],
    ] as const) {
      await publishConfirmed(fleet.amqpEndpoint('core'), gatewayExchange('eu'), commandRoutingKey(clientId, name), name, { expiration, persistent: true });
    }
    await new Promise((r) => setTimeout(r, 1_500));
    const topics: string[] = [];
    const back = await device(fleet, 'eu', clientId, 5, (topic) => topics.push(topic));
    open.push(back);
    await back.subscribeAsync(`devices/${clientId}/commands/#`, { qos: 1 });
    await pollUntil(() => topics.length > 0, 10_000, 'the fresh command');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(topics, [`devices/${clientId}/commands/fresh`]);
  });
});

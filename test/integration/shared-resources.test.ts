// One client cannot take what every other client needs: message size, the uplink buffer, the presence log and
// the queue count are bounded on the live TLS fleet, and a full uplink refuses the flooder without dropping
// anyone else's buffered events.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { EVENTS_EXCHANGE, PRESENCE_STREAM, UPLINK_QUEUE, uplinkName, type Gateway } from '@fedgate/topology';
import { seg } from '@fedgate/broker-admin';
import type { RunningFleet } from '@fedgate/local-cluster';
import { sharedFleet } from '../shared-fleet.ts';
import { tap, type Tap } from '../amqp-probe.ts';
import { gatewayOf, mqttDeviceLogin, pollUntil, stompApp, stompCollect } from '@fedgate/device-kit';

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

describe('shared resources - one client cannot exhaust what the others need', function () {
  this.timeout(180_000);
  let fleet: RunningFleet;
  const open: MqttClient[] = [];
  const taps: Tap[] = [];

  before(async () => {
    fleet = await sharedFleet();
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.endAsync(true).catch(() => undefined);
    for (const t of taps.splice(0)) await t.close();
  });

  async function device(gateway: string, clientId: string): Promise<MqttClient> {
    const { url, options } = await mqttDeviceLogin(fleet, gateway, clientId);
    const client = await mqtt.connectAsync(url, { ...options, protocolVersion: 5, reconnectPeriod: 0 });
    open.push(client);
    return client;
  }

  /**
   * The definition of the policy that applies to queue `name`. Its name comes from the metadata store
   * (disable_stats) where the broker answers that way (quorum queues), else from statistics, which come late
   * after a boot (streams; a gateway refreshes them every minute): polled until they name one.
   */
  async function appliedPolicy(cluster: string, name: string): Promise<Record<string, unknown> | undefined> {
    const vhost = seg(fleet.topology.vhost);
    // The vhost's queue list names each queue's policy with or without management statistics (gateways run
    // without them, and then a single queue's page leaves the policy out).
    const policyOf = async () =>
      (await fleet.admin(cluster).get<{ name: string; policy?: string | null }[]>(`/queues/${vhost}?columns=name,policy`)).find((q) => q.name === name)?.policy;
    let policy = await policyOf();
    const deadline = Date.now() + 70_000;
    while (!policy && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      policy = await policyOf();
    }
    if (!policy) return undefined;
    return (await fleet.admin(cluster).get<{ definition: Record<string, unknown> }>(`/policies/${vhost}/${seg(policy)}`)).definition;
  }

  it("an event larger than the gateway's limit closes the device's connection and reaches nobody; the device and others go on", async () => {
    const id = unique('big');
    const events = await tap(fleet.amqpEndpoint('core'), EVENTS_EXCHANGE, `devices.${id}.events.#`);
    taps.push(events);
    const client = await device('eu', id);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish(`devices/${id}/events/dump`, Buffer.alloc(8 * 1024 * 1024), { qos: 1 });
    await closed;
    const again = await device('eu', id);
    await again.publishAsync(`devices/${id}/events/ok`, 'small', { qos: 1 });
    const arrived = await events.next(undefined, 15_000);
    assert.equal(arrived.fields.routingKey, `devices.${id}.events.ok`);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(events.messages.length, 1, 'only the small event crossed');
  });

  it('the live nodes carry each bound: presence log bytes, uplink bytes with reject-publish, app queue length, vhost connections (and queues only when set)', async () => {
    const log = await appliedPolicy('core', PRESENCE_STREAM);
    assert.equal(log?.['max-length-bytes'], fleet.topology.backend.limits.presenceLogMaxBytes);
    for (const gw of fleet.topology.gateways) {
      const uplink = await appliedPolicy(gw.name, UPLINK_QUEUE);
      assert.equal(uplink?.['max-length-bytes'], gw.limits.uplinkMaxBytes, `${gw.name}: uplink byte bound`);
      assert.equal(uplink?.overflow, 'reject-publish', `${gw.name}: a full uplink refuses new events`);
      const limits = await fleet.admin(gw.name).get<{ value: Record<string, number> }[]>(`/vhost-limits/${seg(fleet.topology.vhost)}`);
      assert.equal(limits[0]?.value['max-connections'], gw.maxConnections, `${gw.name}: connection bound`);
      assert.equal(limits[0]?.value['max-queues'], gw.limits.maxQueues, `${gw.name}: a queue count bound only when the topology sets one`);
    }
    const app = unique('reader');
    const stomp = await stompApp(fleet, 'eu', app);
    try {
      stompCollect(stomp, app);
      const appQueues = async () =>
        (await fleet.admin('eu').get<{ name: string }[]>(`/queues/${seg(fleet.topology.vhost)}?disable_stats=true`)).filter((q) =>
          q.name.startsWith(`fedgate.app.${app}.`),
        );
      let found: { name: string }[] = [];
      const deadline = Date.now() + 20_000;
      while (found.length === 0 && Date.now() < deadline) {
        found = await appQueues();
        if (found.length === 0) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(found.length, 1, 'the app subscribed through a queue of its own');
      const eu = gatewayOf(fleet, 'eu');
      assert.equal((await appliedPolicy('eu', found[0]!.name))?.['max-length'], eu.limits.appQueueMaxLength, 'an app queue holds a bounded backlog');
    } finally {
      await stomp.deactivate();
    }
  });

  it("a full uplink refuses the flooder's events and keeps every event other devices buffered during the outage", async () => {
    const gw: Gateway = gatewayOf(fleet, 'us');
    const admin = fleet.admin(gw.name);
    const shovelPath = `/parameters/shovel/${seg(fleet.topology.vhost)}/${seg(uplinkName(gw.name))}`;
    const shovel = await admin.get<{ value: unknown }>(shovelPath);
    const quiet = unique('quiet');
    const flooder = unique('flood');
    const events = await tap(fleet.amqpEndpoint('core'), EVENTS_EXCHANGE, 'devices.#');
    taps.push(events);
    // The backend out of reach, as in a partition: the uplink only buffers.
    await admin.delete(shovelPath);
    let refused = 0;
    let accepted = 0;
    try {
      const calm = await device(gw.name, quiet);
      for (let i = 0; i < 20; i++) await calm.publishAsync(`devices/${quiet}/events/reading`, `q-${i}`, { qos: 1 });
      const loud = await device(gw.name, flooder);
      const chunk = Buffer.alloc(64 * 1024);
      // 64 KiB at a time until the 1 MiB bound refuses one (MQTT 5 PUBACK with an error reason).
      for (let i = 0; i < 40 && refused === 0; i++) {
        try {
          await loud.publishAsync(`devices/${flooder}/events/dump`, chunk, { qos: 1 });
          accepted++;
        } catch {
          refused++;
        }
      }
      assert.ok(refused > 0, `the flooder was refused (accepted ${accepted} chunks of 64 KiB before)`);
    } finally {
      await admin.put(shovelPath, shovel);
    }
    const quietIds = () => new Set(events.messages.filter((m) => m.fields.routingKey.startsWith(`devices.${quiet}.`)).map((m) => m.content.toString()));
    await pollUntil(() => quietIds().size === 20, 30_000, 'every buffered event of the quiet device at the backend');
    await pollUntil(
      () => events.messages.filter((m) => m.fields.routingKey.startsWith(`devices.${flooder}.`)).length === accepted,
      30_000,
      "the flooder's accepted events",
    );
  });
});

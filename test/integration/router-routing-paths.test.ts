import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import {
  DEAD_EXCHANGE,
  DEAD_REASON_HEADER,
  DEVICES_EXCHANGE,
  ROUTE_HEADER,
  commandRoutingKey,
  commandTopicFilter,
  gatewayExchange,
  type Gateway,
  type Topology,
} from '@fedgate/topology';
import { seg } from '@fedgate/broker-admin';
import { downlinkQueue, type RouterService } from '@fedgate/router';
import type { RunningFleet } from '@fedgate/local-cluster';
import { sharedFleet } from '../shared-fleet.ts';
import { connectAmqp, tap, type Tap } from '../amqp-probe.ts';
import { counterTotal, deviceId, newRouter, placed, publishCommands } from './router-harness.ts';
import { mqttDevice, pollUntil } from '@fedgate/device-kit';

describe('router - dead-letter, unroutable and scale-out paths on the local fleet', function () {
  this.timeout(120_000);
  let fleet: RunningFleet;
  const routers: RouterService[] = [];
  const taps: Tap[] = [];
  const devices: MqttClient[] = [];

  before(async () => {
    fleet = await sharedFleet();
  });
  afterEach(async () => {
    for (const d of devices.splice(0)) await d.endAsync(true).catch(() => undefined);
    for (const t of taps.splice(0)) await t.close();
    for (const r of routers.splice(0)) await r.stop();
  });

  async function startRouter(options: Parameters<typeof newRouter>[1] = {}): Promise<RouterService> {
    const router = newRouter(fleet, options);
    routers.push(router);
    await router.start();
    return router;
  }

  async function openTap(cluster: string, exchange: string, key: string): Promise<Tap> {
    const t = await tap(fleet.amqpEndpoint(cluster), exchange, key);
    taps.push(t);
    return t;
  }

  async function deviceAt(gateway: string, id: string): Promise<string[]> {
    const client = await mqttDevice(fleet, gateway, id);
    devices.push(client);
    const got: string[] = [];
    client.on('message', (_t, payload) => got.push(payload.toString()));
    await client.subscribeAsync(commandTopicFilter(id), { qos: 1 });
    return got;
  }

  it('with onUnknown: dead-letter, dead-letters a command for an unknown device instead of broadcasting it', async () => {
    const topology: Topology = { ...fleet.topology, routing: { ...fleet.topology.routing, onUnknown: 'dead-letter' } };
    const router = await startRouter({ topology });
    const unknown = deviceId('nobody');
    const known = deviceId('somebody');
    const got = await deviceAt('eu', known);
    await placed(router, known, 'eu');
    const dead = await openTap('core', DEAD_EXCHANGE, `devices.${unknown}.#`);
    const atGateways = await Promise.all(['eu', 'us'].map((gw) => openTap(gw, DEVICES_EXCHANGE, `devices.${unknown}.#`)));
    await publishCommands(fleet, [
      { routingKey: commandRoutingKey(unknown, 'ping'), body: Buffer.from('to nobody'), options: { messageId: 'unknown-1' } },
      { routingKey: commandRoutingKey(known, 'ping'), body: Buffer.from('to somebody') },
    ]);
    const m = await dead.next((d) => d.properties.messageId === 'unknown-1');
    assert.equal(m.properties.headers?.[DEAD_REASON_HEADER], 'unknown-device');
    await pollUntil(() => got.includes('to somebody'), 10_000, 'the known device still served');
    assert.deepEqual(
      atGateways.map((t) => t.messages.length),
      [0, 0],
      'nothing broadcast',
    );
    await pollUntil(
      async () => (await counterTotal(router, 'fedgate_router_commands_dead_lettered_total', { reason: 'unknown-device' })) === 1,
      5_000,
      'one unknown-device counted',
    );
  });

  it('dead-letters as unroutable a command the broker returns (mandatory), and keeps routing', async () => {
    // A gateway whose exchange nothing is bound to, but whose downlink looks healthy: a direct republish to it is
    // returned by the broker. Its "federation" queue has a consumer (this test) and no binding.
    const ghost = deviceId('ghost');
    const template = fleet.topology.gateways.find((g) => g.downlink.kind === 'federation') as Gateway;
    const ghostGateway = { ...template, name: ghost } as Gateway;
    const admin = fleet.admin('core');
    await admin.put(`/exchanges/${seg('/')}/${seg(gatewayExchange(ghost))}`, { type: 'topic', durable: false, auto_delete: false });
    const healthQueue = downlinkQueue(ghostGateway);
    const connection = await connectAmqp(fleet.amqpEndpoint('core'));
    try {
      const channel = await connection.createChannel();
      await channel.assertQueue(healthQueue, { durable: false, autoDelete: true }); // not exclusive: the router declares it passively
      await channel.consume(healthQueue, () => undefined, { noAck: true });
      const router = await startRouter({ topology: { ...fleet.topology, gateways: [...fleet.topology.gateways, ghostGateway] } });
      const stranded = deviceId('stranded');
      const fine = deviceId('fine');
      const got = await deviceAt('us', fine);
      await placed(router, fine, 'us');
      router.directory.arrived(stranded, ghost, Date.now()); // as if its presence event had come from that gateway
      await pollUntil(
        async () => (await counterTotal(router, 'fedgate_router_gateway_healthy', { gateway: ghost })) === 1,
        5_000,
        'the ghost gateway counted healthy',
      );
      const dead = await openTap('core', DEAD_EXCHANGE, `devices.${stranded}.#`);
      await publishCommands(fleet, [
        { routingKey: commandRoutingKey(stranded, 'ping'), body: Buffer.from('returned'), options: { messageId: 'returned-1' } },
        { routingKey: commandRoutingKey(fine, 'ping'), body: Buffer.from('routed') },
      ]);
      const m = await dead.next((d) => d.properties.messageId === 'returned-1');
      assert.equal(m.properties.headers?.[DEAD_REASON_HEADER], 'unroutable');
      assert.ok(m.content.equals(Buffer.from('returned')));
      await pollUntil(() => got.includes('routed'), 10_000, 'the next command routed');
      // Counted once its dead letter is confirmed, which can be just after the tap saw it.
      await pollUntil(
        async () => (await counterTotal(router, 'fedgate_router_commands_dead_lettered_total', { reason: 'unroutable' })) === 1,
        5_000,
        'one unroutable counted',
      );
      assert.equal(await counterTotal(router, 'fedgate_router_commands_routed_total', { route: 'direct', gateway: ghost }), 0);
    } finally {
      await connection.close().catch(() => undefined);
      await admin.delete(`/exchanges/${seg('/')}/${seg(gatewayExchange(ghost))}`).catch(() => undefined);
    }
  });

  it("two instances share the command queue: each command reaches only its device's gateway, both route, both follow a move", async () => {
    const [first, second] = [await startRouter({ prefetch: 10 }), await startRouter({ prefetch: 10 })];
    const atEu = deviceId('pair-eu');
    const atUs = deviceId('pair-us');
    const gotEu = await deviceAt('eu', atEu);
    const gotUs = await deviceAt('us', atUs);
    for (const r of [first!, second!]) {
      await placed(r, atEu, 'eu');
      await placed(r, atUs, 'us');
    }
    const strayEu = await openTap('us', DEVICES_EXCHANGE, `devices.${atEu}.#`);
    const strayUs = await openTap('eu', DEVICES_EXCHANGE, `devices.${atUs}.#`);
    const count = 200;
    const burst = Array.from({ length: count }, (_, i) => [
      { routingKey: commandRoutingKey(atEu, 'n'), body: Buffer.from(`eu-${i}`) },
      { routingKey: commandRoutingKey(atUs, 'n'), body: Buffer.from(`us-${i}`) },
    ]).flat();
    await publishCommands(fleet, burst);
    await pollUntil(() => new Set(gotEu).size === count && new Set(gotUs).size === count, 30_000, 'every command at its device');
    assert.deepEqual([strayEu.messages.length, strayUs.messages.length], [0, 0], 'nothing reached the other gateway');
    const routedBy = await Promise.all([first!, second!].map((r) => counterTotal(r, 'fedgate_router_commands_routed_total', { route: 'direct' })));
    assert.equal(routedBy[0]! + routedBy[1]!, 2 * count, 'each command routed once, directly');
    assert.ok(
      routedBy.every((n) => n > 0),
      `both instances routed (${routedBy.join(' + ')})`,
    );

    await devices.shift()!.endAsync(true);
    const movedGot = await deviceAt('us', atEu);
    for (const r of [first!, second!]) await placed(r, atEu, 'us');
    const atUsNow = await openTap('us', DEVICES_EXCHANGE, `devices.${atEu}.#`);
    await publishCommands(
      fleet,
      Array.from({ length: 20 }, (_, i) => ({ routingKey: commandRoutingKey(atEu, 'n'), body: Buffer.from(`moved-${i}`) })),
    );
    await pollUntil(() => movedGot.filter((p) => p.startsWith('moved-')).length === 20, 15_000, 'the moved device to get all 20');
    assert.ok(
      atUsNow.messages.every((m) => m.properties.headers?.[ROUTE_HEADER] === 'direct'),
      'routed directly by whichever instance took it',
    );
  });
});

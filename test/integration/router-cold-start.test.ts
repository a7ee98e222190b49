import assert from 'node:assert/strict';
import { DEVICES_EXCHANGE, ROUTE_HEADER, commandRoutingKey } from '@fedgate/topology';
import type { RouterService } from '@fedgate/router';
import type { RunningFleet } from '@fedgate/local-cluster';
import { sharedFleet } from '../shared-fleet.ts';
import { tap } from '../amqp-probe.ts';
import { deviceId, deviceIds, newRouter, publishCommands, publishPresence } from './router-harness.ts';

describe("router - cold start from a directory snapshot plus the presence log's tail", function () {
  this.timeout(180_000);
  let fleet: RunningFleet;
  const routers: RouterService[] = [];

  before(async () => {
    fleet = await sharedFleet();
  });
  afterEach(async () => {
    for (const r of routers.splice(0)) await r.stop();
  });

  async function startRouter(): Promise<RouterService> {
    const router = newRouter(fleet);
    routers.push(router);
    await router.start();
    return router;
  }

  it('a router started after a snapshot has the same directory as one that saw every event, replaying only the tail', async () => {
    const prefix = deviceId('snap');
    const base = deviceIds(`${prefix}-base`, 5_000);
    const t0 = Date.now() - 60_000;
    await publishPresence(fleet, 'eu', base, { at: t0 });
    const writer = await startRouter();
    const written = await writer.writeSnapshot();
    assert.ok(written, 'the first router holds the writer lock and wrote a snapshot');
    assert.ok(written.devices >= base.length);

    // The tail: newcomers, departures, and devices that moved to the other gateway.
    const newcomers = deviceIds(`${prefix}-new`, 300);
    const departed = base.slice(0, 50);
    const moved = base.slice(50, 100);
    await publishPresence(fleet, 'us', newcomers, { at: t0 + 1_000 });
    await publishPresence(fleet, 'eu', departed, { at: t0 + 2_000, type: 'left' });
    await publishPresence(fleet, 'us', moved, { at: t0 + 3_000 });
    const tailEvents = newcomers.length + departed.length + moved.length;

    // A command for a device that only the tail knows about, waiting before the new router starts.
    const atUs = await tap(fleet.amqpEndpoint('us'), DEVICES_EXCHANGE, `devices.${moved[0]}.#`);
    try {
      await publishCommands(fleet, [{ routingKey: commandRoutingKey(moved[0]!, 'hello'), body: Buffer.from('first command') }]);
      const reader = await startRouter();
      const report = reader.rebuildReport!;
      assert.ok(report.snapshotDevices >= base.length, `loaded ${report.snapshotDevices} devices from the snapshot`);
      assert.ok(report.presenceEvents >= tailEvents, `replayed the tail (${report.presenceEvents} events)`);
      assert.ok(report.presenceEvents < base.length, `and not the whole log (${report.presenceEvents} events)`);

      const now = Date.now();
      const where = (r: RouterService, id: string) => r.directory.lookup(id, now, 3_600_000);
      for (const id of [...base, ...newcomers]) assert.deepEqual(where(reader, id), where(writer, id), id);
      assert.equal(where(reader, departed[0]!), undefined, "a departure in the tail removes the snapshot's entry");
      assert.equal(where(reader, moved[0]!)?.gateway, 'us', 'a move in the tail wins over the snapshot');
      assert.equal(where(reader, newcomers[0]!)?.gateway, 'us');

      const first = await atUs.next(undefined, 15_000);
      assert.equal(first.content.toString(), 'first command');
      assert.equal(first.properties.headers?.[ROUTE_HEADER], 'direct', 'its first command routed with the rebuilt directory');
    } finally {
      await atUs.close();
    }
  });

  it('only one router writes snapshots at a time; another takes over when it stops', async () => {
    const first = await startRouter();
    const second = await startRouter();
    await publishPresence(fleet, 'eu', deviceIds(deviceId('lock'), 10));
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(await first.writeSnapshot(), 'the first to try takes the lock and writes');
    assert.equal(await second.writeSnapshot(), undefined, 'the second router does not get the lock');
    await first.stop();
    assert.ok(await second.writeSnapshot(), "the lock went with the first router's connection");
  });
});

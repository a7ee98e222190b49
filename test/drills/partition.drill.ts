import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { APP_USER, COMMANDS_EXCHANGE, EVENTS_EXCHANGE, commandRoutingKey } from '@fedgate/topology';
import type { RouterService } from '@fedgate/router';
import { startDrillRouter, waitPlaced } from './drill-router.ts';
import type { RunningFleet } from '@fedgate/local-cluster';
import { runCli } from '../run-cli.ts';
import { tap } from '../amqp-probe.ts';
import { unaccounted } from './drill-accounting.ts';
import { DRILL_TOPOLOGY_FILE, fleetStatus, reportRecovery, seconds, waitForHealthy } from './drill-fleet.ts';
import { ConfirmedPublisher, DeadLetters, type DeviceSwarm, deviceSwarm, pollUntil, sleep } from '@fedgate/device-kit';

const PARTITION_MS = 10_000;
const DEVICES_PER_GATEWAY = 20;
const COMMANDS_PER_GATEWAY = 1_000;
const EVENTS_PER_DEVICE = 5;
/** Both downlink kinds at once: eu links by shovel, us by federation. */
const GATEWAYS = ['eu', 'us'] as const;

export function describePartitionDrill(fleet: () => RunningFleet): void {
  describe('drill - a 10 s partition between the backend and its gateways', function () {
    this.timeout(240_000);
    const swarms: DeviceSwarm[] = [];
    let router: RouterService | undefined;

    after(async () => {
      for (const gw of GATEWAYS) await runCli(['wan', 'heal', gw, '-f', DRILL_TOPOLOGY_FILE]);
      await Promise.all(swarms.splice(0).map((s) => s.close()));
      await router?.stop();
    });

    it('status reports the links down during it and up after; the backlog drains both ways and nothing is lost', async () => {
      const f = fleet();
      await waitForHealthy(120_000);
      const run = randomUUID().slice(0, 6);
      const devices = new Map<string, DeviceSwarm>();
      for (const gw of GATEWAYS) {
        const ids = Array.from({ length: DEVICES_PER_GATEWAY }, (_, i) => `part-${run}-${gw}-${i}`);
        const swarm = await deviceSwarm(f, gw, ids, { clean: false, subscribe: true });
        swarms.push(swarm);
        devices.set(gw, swarm);
      }
      // Federation needs a moment to bind the gateway's exchange upstream; a command before that would be unroutable.
      await waitForHealthy(60_000);
      router = await startDrillRouter(f);
      for (const gw of GATEWAYS) await waitPlaced(router, devices.get(gw)!.ids, gw);
      const events = await tap(f.amqpUri('core'), EVENTS_EXCHANGE, `devices.*.events.#`);
      const dead = await DeadLetters.watch(f.amqpUri('core'));
      const publisher = await ConfirmedPublisher.open(f.amqpUri('core', APP_USER));
      try {
        // Cut both gateways off. Everything that follows is published while the WAN is down.
        for (const gw of GATEWAYS) {
          const cut = await runCli(['wan', 'partition', gw, '-f', DRILL_TOPOLOGY_FILE, '--mode', 'reset']);
          assert.equal(cut.code, 0, cut.stderr);
        }
        const cutAt = performance.now();

        const commands = new Map<string, string[]>();
        for (const gw of GATEWAYS) {
          const swarm = devices.get(gw)!;
          const ids = Array.from({ length: COMMANDS_PER_GATEWAY }, (_, n) => `part-${run}-${gw}-cmd-${n}`);
          ids.forEach((id, n) => publisher.publish(COMMANDS_EXCHANGE, commandRoutingKey(swarm.ids[n % swarm.ids.length]!, 'drill'), id));
          commands.set(gw, ids);
        }
        await publisher.settle();
        assert.deepEqual(publisher.nacked, [], 'the backend confirmed every command while the gateways were cut off');

        const eventIds: string[] = [];
        for (const swarm of devices.values()) {
          for (const [i, client] of swarm.clients.entries()) {
            for (let e = 0; e < EVENTS_PER_DEVICE; e++) {
              const id = `${swarm.ids[i]}-ev-${e}`;
              eventIds.push(id);
              await client.publishAsync(`devices/${swarm.ids[i]}/events/drill`, id, { qos: 1 });
            }
          }
        }

        // During the partition: fedgate status must say so.
        let sawDown = false;
        let linksDownAfterMs = 0;
        while (performance.now() - cutAt < PARTITION_MS - 1_000) {
          const { code, report } = await fleetStatus({ canary: false });
          const cut = report.links.filter((l) => (GATEWAYS as readonly string[]).includes(l.gateway));
          if (code === 1 && cut.length === 6 && cut.every((l) => l.state !== 'running')) {
            sawDown ||= true;
            linksDownAfterMs ||= performance.now() - cutAt;
          }
          await sleep(500);
        }
        assert.ok(sawDown, 'fedgate status reported every link of both gateways down during the partition');
        assert.equal(commands.get('eu')!.filter((id) => devices.get('eu')!.received.has(id)).length, 0, 'no command crossed the partition');
        await sleep(Math.max(0, PARTITION_MS - (performance.now() - cutAt)));

        for (const gw of GATEWAYS) {
          const healed = await runCli(['wan', 'heal', gw, '-f', DRILL_TOPOLOGY_FILE]);
          assert.equal(healed.code, 0, healed.stderr);
        }
        const healedAt = performance.now();
        const allCommands = [...commands.values()].flat();
        const everyone = [...devices.values()];
        const eventsMissing = () => {
          const arrived = new Set(events.messages.map((m) => m.content.toString()));
          return eventIds.filter((id) => !arrived.has(id));
        };
        const linksUpMs = await waitForHealthy(120_000);
        await pollUntil(
          () => unaccounted(allCommands, everyone, dead).length === 0 && eventsMissing().length === 0,
          120_000,
          () => `${unaccounted(allCommands, everyone, dead).length} commands and ${eventsMissing().length} events still missing`,
        );
        const recoveredMs = performance.now() - healedAt;
        for (const gw of GATEWAYS) {
          const ids = commands.get(gw)!;
          assert.equal(ids.filter((id) => devices.get(gw)!.received.has(id)).length, ids.length, `every command for ${gw} was delivered`);
        }
        // Only the drill's commands count: a `fedgate status` canary sent while a link is down expires into fedgate.dead too.
        assert.deepEqual(
          allCommands.filter((id) => dead.reasons.has(id)),
          [],
          'no command expired or was dead-lettered',
        );
        const attributed = events.messages.filter((m) => eventIds.includes(m.content.toString()));
        assert.ok(
          attributed.every((m) => m.content.toString().includes(`-${m.properties.appId}-`)),
          'each event arrived attributed to its own gateway',
        );
        reportRecovery(
          'partition (10 s; eu by shovel, us by federation)',
          `status showed every link down ${seconds(linksDownAfterMs)} after the cut; after the heal status was healthy in ` +
            `${seconds(linksUpMs)} and the ${allCommands.length} commands + ${eventIds.length} events held back were all delivered ` +
            `${seconds(recoveredMs)} after it (time to recover); nothing lost`,
        );
      } finally {
        await Promise.all([events.close(), dead.close(), publisher.close()]);
      }
    });
  });
}

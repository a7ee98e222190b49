import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { APP_USER, COMMANDS_EXCHANGE, commandRoutingKey } from '@fedgate/topology';
import { killNode, nodePid, processAlive, type RunningFleet } from '@fedgate/local-cluster';
import type { RouterService } from '@fedgate/router';
import { duplicates } from './drill-accounting.ts';
import { startDrillRouter, waitPlaced } from './drill-router.ts';
import { reportRecovery, restartStoppedNodes, seconds, waitForHealthy } from './drill-fleet.ts';
import { ConfirmedPublisher, DeadLetters, type DeviceSwarm, deviceSwarm, pollUntil } from '@fedgate/device-kit';

const COMMANDS = 5_000;
const DEVICES = 50;
/** Publish in windows of this many, waiting for the broker's confirms after each. */
const CONFIRM_WINDOW = 250;
const GATEWAY = 'eu';

export function describeGatewayKillDrill(fleet: () => RunningFleet): void {
  describe('drill - kill -9 of a gateway node in the middle of 5,000 confirmed commands', function () {
    this.timeout(300_000);
    let swarm: DeviceSwarm | undefined;
    let router: RouterService | undefined;

    after(async () => {
      await swarm?.close();
      await router?.stop();
    });

    it('through the router: after the restart every command is delivered at least once; none lost, none dead-lettered', async () => {
      const f = fleet();
      await waitForHealthy(120_000);
      const run = randomUUID().slice(0, 6);
      const ids = Array.from({ length: DEVICES }, (_, i) => `kill-${run}-${i}`);
      swarm = await deviceSwarm(f, GATEWAY, ids, { clean: false, subscribe: true });
      const devices = swarm;
      router = await startDrillRouter(f);
      await waitPlaced(router, ids, GATEWAY);
      const dead = await DeadLetters.watch(f.amqpUri('core'));
      const publisher = await ConfirmedPublisher.open(f.amqpUri('core', APP_USER));
      const commands: string[] = [];
      let killedAt = 0;
      let deliveredBeforeKill = 0;
      let killedPid = 0;
      try {
        for (let n = 0; n < COMMANDS; n++) {
          const id = `kill-${run}-cmd-${n}`;
          commands.push(id);
          publisher.publish(COMMANDS_EXCHANGE, commandRoutingKey(ids[n % ids.length]!, 'drill'), id);
          if ((n + 1) % CONFIRM_WINDOW === 0) await publisher.settle();
          if (n + 1 === COMMANDS / 2) {
            // Mid-stream: devices are receiving, the outbox holds the rest, the shovel has some in flight.
            await pollUntil(
              () => devices.received.size >= 200,
              60_000,
              () => `devices to receive commands (${devices.received.size} so far)`,
            );
            const pid = await nodePid(f.node(GATEWAY));
            assert.ok(pid, 'the gateway node runs');
            killNode(pid);
            killedAt = performance.now();
            deliveredBeforeKill = devices.received.size;
            killedPid = pid;
            await pollUntil(
              () => !processAlive(pid),
              10_000,
              () => `the killed gateway process ${pid} to be gone`,
            );
          }
        }
        await publisher.settle();
        assert.equal(publisher.confirmed, COMMANDS, 'the backend confirmed every command, the gateway being down or not');
        assert.deepEqual(publisher.nacked, []);
        assert.ok(deliveredBeforeKill > 0 && deliveredBeforeKill < COMMANDS, `the kill landed mid-stream (${deliveredBeforeKill} delivered before it)`);

        assert.ok(killedPid > 0, 'the gateway was killed');
        await restartStoppedNodes();
        const newPid = await nodePid(f.node(GATEWAY));
        assert.ok(newPid !== undefined && newPid !== killedPid, `the gateway runs again as a new process (${newPid}, was ${killedPid})`);
        const nodeBackMs = performance.now() - killedAt;
        await pollUntil(
          () => commands.every((id) => devices.received.has(id) || dead.reasons.has(id)),
          180_000,
          () => `${commands.filter((id) => !devices.received.has(id)).length} of ${COMMANDS} commands to arrive`,
        );
        const accountedMs = performance.now() - killedAt;
        await waitForHealthy(60_000);
        const deadCommands = commands.filter((id) => dead.reasons.has(id));
        assert.deepEqual(
          deadCommands.map((id) => `${id}: ${dead.reasons.get(id)}`),
          [],
          'no command was dead-lettered (TTLs are long enough)',
        );
        const delivered = commands.filter((id) => devices.received.has(id)).length;
        assert.equal(delivered, COMMANDS, 'every command reached its device');
        reportRecovery(
          'gateway kill -9 (eu, 5,000 commands through the router, 50 devices)',
          `killed with ${deliveredBeforeKill} delivered; node serving again ${seconds(nodeBackMs)} after the kill; every command accounted ` +
            `for ${seconds(accountedMs)} after it (time to recover): ${delivered} delivered (${duplicates(devices)} redelivered at least once more), ` +
            `${deadCommands.length} dead-lettered${deadCommands.length ? ` (${[...new Set(deadCommands.map((id) => dead.reasons.get(id)))].join(', ')})` : ''}, 0 lost`,
        );
      } finally {
        await Promise.all([dead.close(), publisher.close()]);
      }
    });
  });
}

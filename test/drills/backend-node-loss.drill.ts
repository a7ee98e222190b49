import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { APP_USER, COMMANDS_EXCHANGE, commandRoutingKey, federationQueue, gatewayExchange, outboxQueue } from '@fedgate/topology';
import { seg } from '@fedgate/broker-admin';
import { killNode, nodePid, processAlive, type ClusterNode, type RunningFleet } from '@fedgate/local-cluster';
import type { RouterService } from '@fedgate/router';
import { duplicates } from './drill-accounting.ts';
import { startDrillRouter, waitPlaced } from './drill-router.ts';
import { reportRecovery, restartStoppedNodes, seconds, waitForHealthy } from './drill-fleet.ts';
import { ConfirmedPublisher, DeadLetters, type DeviceSwarm, deviceSwarm, pollUntil } from '@fedgate/device-kit';

const COMMANDS = 3_000;
const DEVICES = 20;
const CONFIRM_WINDOW = 200;
const GATEWAY = 'eu';
/** The federation gateway: its upstream queue on the backend is a quorum queue, so it survives the node loss too. */
const FEDERATED = 'us';
const FEDERATION_QUEUE = federationQueue(gatewayExchange(FEDERATED), FEDERATED);

interface QuorumQueueInfo {
  readonly leader?: string;
  readonly members?: string[];
  readonly online?: string[];
}

export function describeBackendNodeLossDrill(fleet: () => RunningFleet): void {
  describe('drill - a 3-node backend loses the node leading the federation queue (and maybe the outbox)', function () {
    this.timeout(300_000);
    const swarms: DeviceSwarm[] = [];
    let router: RouterService | undefined;

    after(async () => {
      await Promise.all(swarms.map((s) => s.close()));
      await router?.stop();
    });

    it('through the router: both downlink kinds keep delivering with the node down; none lost, none dead-lettered; the node rejoins', async () => {
      const f = fleet();
      await waitForHealthy(120_000);
      const nodes = f.nodes('core');
      assert.equal(nodes.length, 3, 'the drill fleet has a 3-node backend');
      const path = (queue: string) => `/queues/${seg(f.topology.vhost)}/${seg(queue)}`;
      const federation = await f.nodeAdmin(nodes[0]!).get<QuorumQueueInfo>(path(FEDERATION_QUEUE));
      const outbox = await f.nodeAdmin(nodes[0]!).get<QuorumQueueInfo>(path(outboxQueue(GATEWAY)));
      assert.equal(federation.members?.length, 3, `${FEDERATION_QUEUE} is a quorum queue with a replica on every backend node`);
      const victim = nodes.find((n) => n.nodeName === federation.leader)!;
      assert.ok(victim, `the leader ${federation.leader} is a node of the drill fleet`);
      // The router, the publisher and the watcher on a node that survives, as behind a load balancer.
      const survivor: ClusterNode = nodes.find((n) => n !== victim)!;
      const survivorAdmin = f.nodeAdmin(survivor);

      const run = randomUUID().slice(0, 6);
      const groups = [GATEWAY, FEDERATED].map((gw) => Array.from({ length: DEVICES / 2 }, (_, i) => `lose-${run}-${gw}-${i}`));
      for (const [i, gw] of [GATEWAY, FEDERATED].entries()) swarms.push(await deviceSwarm(f, gw, groups[i]!, { clean: false, subscribe: true }));
      router = await startDrillRouter(f, survivor);
      for (const [i, gw] of [GATEWAY, FEDERATED].entries()) await waitPlaced(router, groups[i]!, gw);
      const ids = groups.flat();
      const received = () => swarms.reduce((sum, s) => sum + s.received.size, 0);
      const delivered = (id: string) => swarms.some((s) => s.received.has(id));
      const dead = await DeadLetters.watch(f.nodeAmqpUri(survivor));
      const publisher = await ConfirmedPublisher.open(f.nodeAmqpUri(survivor, APP_USER));
      const commands: string[] = [];
      const afterKill: string[] = [];
      let killedAt = 0;
      let killedPid = 0;
      let newLeader = '';
      let electedMs = 0;
      try {
        for (let n = 0; n < COMMANDS; n++) {
          const id = `lose-${run}-cmd-${n}`;
          commands.push(id);
          if (killedAt) afterKill.push(id);
          publisher.publish(COMMANDS_EXCHANGE, commandRoutingKey(ids[n % ids.length]!, 'drill'), id);
          if ((n + 1) % CONFIRM_WINDOW === 0) await publisher.settle();
          if (n + 1 === COMMANDS / 3) {
            await pollUntil(
              () => received() >= 100,
              60_000,
              () => `devices to receive commands (${received()} so far)`,
            );
            killedPid = (await nodePid(victim))!;
            killNode(killedPid);
            killedAt = performance.now();
            await pollUntil(
              () => !processAlive(killedPid),
              10_000,
              () => `the killed node's process ${killedPid} to be gone`,
            );
            electedMs = await pollUntil(
              async () => {
                const q = await survivorAdmin.get<QuorumQueueInfo>(path(FEDERATION_QUEUE)).catch(() => ({}) as QuorumQueueInfo);
                newLeader = q.leader ?? '';
                return newLeader !== '' && newLeader !== victim.nodeName && (q.online ?? []).includes(newLeader);
              },
              60_000,
              () => `a new leader of ${FEDERATION_QUEUE} (now ${newLeader || 'none'})`,
            );
          }
        }
        await publisher.settle();
        assert.deepEqual(publisher.nacked, [], 'the backend confirmed every command with a node down');
        assert.equal(publisher.confirmed, COMMANDS);

        // Still with the node down: everything, including what was published after the kill, reaches the devices.
        await pollUntil(
          () => commands.every((id) => delivered(id) || dead.reasons.has(id)),
          180_000,
          () => `${commands.filter((id) => !delivered(id)).length} of ${COMMANDS} commands to arrive`,
        );
        const servedMs = performance.now() - killedAt;
        assert.equal(await nodePid(victim), undefined, 'the killed node was still down while both downlinks served');
        const deadCommands = commands.filter((id) => dead.reasons.has(id));
        assert.deepEqual(
          deadCommands.map((id) => `${id}: ${dead.reasons.get(id)}`),
          [],
          'no command was dead-lettered',
        );
        assert.ok(afterKill.every(delivered), `the ${afterKill.length} commands published after the kill were delivered`);

        const restartAt = performance.now();
        await restartStoppedNodes();
        const newPid = await nodePid(victim);
        assert.ok(newPid !== undefined && newPid !== killedPid, `the node runs again as a new process (${newPid}, was ${killedPid})`);
        await pollUntil(
          async () => ((await survivorAdmin.get<QuorumQueueInfo>(path(FEDERATION_QUEUE))).online ?? []).length === 3,
          120_000,
          () => `the restarted node to be an online member of ${FEDERATION_QUEUE} again`,
        );
        const rejoinedMs = performance.now() - restartAt;
        await waitForHealthy(120_000);
        const alsoOutbox = outbox.leader === victim.nodeName ? " and of eu's quorum outbox" : '';
        reportRecovery(
          "backend node loss (3 nodes; the leader of us's federation queue killed, through the router)",
          `killed the leader of ${FEDERATION_QUEUE}${alsoOutbox}; new leader ${newLeader.split('@')[0]} elected ${seconds(electedMs)} after the kill; ` +
            `all ${COMMANDS} commands for devices on eu (shovel) and us (federation), ${afterKill.length} of them published after the kill, ` +
            `delivered ${seconds(servedMs)} after it with the node still down (time to recover); ` +
            `${swarms.reduce((sum, s) => sum + duplicates(s), 0)} redelivered, 0 dead-lettered, 0 lost; the node was back ` +
            `and in the queue again ${seconds(rejoinedMs)} after its restart began`,
        );
      } finally {
        await Promise.all([dead.close(), publisher.close()]);
      }
    });
  });
}

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ROUTER_USER, commandRoutingKey, gatewayExchange, outboxQueue } from '@fedgate/topology';
import { seg } from '@fedgate/broker-admin';
import { killNode, nodePid, type ClusterNode, type RunningFleet } from '@fedgate/local-cluster';
import { ConfirmedPublisher, DeadLetters, deviceSwarm, duplicates, unaccounted, type DeviceSwarm } from './drill-clients.ts';
import { reportRecovery, restartStoppedNodes, seconds, waitFor, waitForHealthy } from './drill-fleet.ts';

const COMMANDS = 3_000;
const DEVICES = 20;
const CONFIRM_WINDOW = 200;
const GATEWAY = 'eu';

interface QuorumQueueInfo {
  readonly leader?: string;
  readonly members?: string[];
  readonly online?: string[];
}

export function describeBackendNodeLossDrill(fleet: () => RunningFleet): void {
  describe('drill - a 3-node backend loses the node leading a quorum outbox', function () {
    this.timeout(300_000);
    let swarm: DeviceSwarm | undefined;

    after(async () => {
      await swarm?.close();
    });

    it('the outbox elects a new leader and keeps accepting and delivering; nothing is lost; the node rejoins', async () => {
      const f = fleet();
      await waitForHealthy(120_000);
      const nodes = f.nodes('core');
      assert.equal(nodes.length, 3, 'the drill fleet has a 3-node backend');
      const outbox = `/queues/${seg(f.topology.vhost)}/${seg(outboxQueue(GATEWAY))}`;
      const before = await f.nodeAdmin(nodes[0]!).get<QuorumQueueInfo>(outbox);
      assert.equal(before.members?.length, 3, `${outboxQueue(GATEWAY)} has a replica on every backend node`);
      const victim = nodes.find((n) => n.nodeName === before.leader)!;
      assert.ok(victim, `the leader ${before.leader} is a node of the drill fleet`);
      // Publisher and watcher on a node that survives, as a service behind a load balancer would end up.
      const survivor: ClusterNode = nodes.find((n) => n !== victim)!;
      const survivorAdmin = f.nodeAdmin(survivor);

      const run = randomUUID().slice(0, 6);
      const ids = Array.from({ length: DEVICES }, (_, i) => `lose-${run}-${i}`);
      swarm = await deviceSwarm(f, GATEWAY, ids, { clean: false, subscribe: true });
      const devices = swarm;
      const dead = await DeadLetters.watch(f.nodeAmqpUri(survivor));
      const publisher = await ConfirmedPublisher.open(f.nodeAmqpUri(survivor, ROUTER_USER));
      const commands: string[] = [];
      const afterKill: string[] = [];
      let killedAt = 0;
      let newLeader = '';
      let electedMs = 0;
      try {
        for (let n = 0; n < COMMANDS; n++) {
          const id = `lose-${run}-cmd-${n}`;
          commands.push(id);
          if (killedAt) afterKill.push(id);
          publisher.publish(gatewayExchange(GATEWAY), commandRoutingKey(ids[n % ids.length]!, 'drill'), id);
          if ((n + 1) % CONFIRM_WINDOW === 0) await publisher.settle();
          if (n + 1 === COMMANDS / 3) {
            await waitFor(() => devices.received.size >= 100, 60_000, () => `devices to receive commands (${devices.received.size} so far)`);
            killNode((await nodePid(victim))!);
            killedAt = performance.now();
            electedMs = await waitFor(
              async () => {
                const q = await survivorAdmin.get<QuorumQueueInfo>(outbox).catch(() => ({}) as QuorumQueueInfo);
                newLeader = q.leader ?? '';
                return newLeader !== '' && newLeader !== victim.nodeName && (q.online ?? []).includes(newLeader);
              },
              60_000,
              () => `a new leader of ${outboxQueue(GATEWAY)} (now ${newLeader || 'none'})`,
            );
          }
        }
        await publisher.settle();
        assert.deepEqual(publisher.nacked, [], 'the outbox confirmed every command with a node down');
        assert.equal(publisher.confirmed, COMMANDS);

        // Still with the node down: everything, including what was published after the kill, reaches the devices.
        await waitFor(
          () => unaccounted(commands, [devices], dead).length === 0,
          180_000,
          () => `${unaccounted(commands, [devices], dead).length} of ${COMMANDS} commands neither delivered nor dead-lettered`,
        );
        const servedMs = performance.now() - killedAt;
        assert.equal(await nodePid(victim), undefined, 'the killed node was still down while the outbox served');
        assert.ok(afterKill.every((id) => devices.received.has(id)), `the ${afterKill.length} commands published after the kill were delivered`);

        const restartAt = performance.now();
        await restartStoppedNodes();
        await waitFor(
          async () => ((await survivorAdmin.get<QuorumQueueInfo>(outbox)).online ?? []).length === 3,
          120_000,
          () => `the restarted node to be an online member of ${outboxQueue(GATEWAY)} again`,
        );
        const rejoinedMs = performance.now() - restartAt;
        await waitForHealthy(120_000);
        const deadCommands = commands.filter((id) => dead.reasons.has(id));
        reportRecovery(
          'backend node loss (3 nodes, quorum outbox leader killed)',
          `new leader ${newLeader.split('@')[0]} elected ${seconds(electedMs)} after the kill; all ${COMMANDS} commands ` +
            `(${afterKill.length} published after the kill) delivered ${seconds(servedMs)} after it with the node still down ` +
            `(time to recover); ${duplicates(devices)} redelivered, ${deadCommands.length} dead-lettered, 0 lost; the node was back ` +
            `and in the queue again ${seconds(rejoinedMs)} after its restart began`,
        );
      } finally {
        await Promise.all([dead.close(), publisher.close()]);
      }
    });
  });
}

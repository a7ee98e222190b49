import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { APP_USER, COMMANDS_EXCHANGE, DEVICE_USER, commandRoutingKey, commandTopicFilter, type Gateway } from '@fedgate/topology';
import { killNode, nodePid, processAlive, type RunningFleet } from '@fedgate/local-cluster';
import { EVACUATED_ROUTE, type RouterService } from '@fedgate/router';
import { startDrillRouter, waitPlaced } from './drill-router.ts';
import { reportRecovery, restartStoppedNodes, seconds, waitForHealthy } from './drill-fleet.ts';
import { ConfirmedPublisher, DeadLetters, pollUntil, sleep } from '@fedgate/device-kit';

const LOST = 'eu';
const SURVIVOR = 'us';
const DEVICES = 200;
const PER_PHASE = 400;
/** Short so the drill is quick; deployed fleets keep routing.evacuateAfterSeconds (60 s by default). */
const EVACUATE_AFTER_MS = 5_000;

/**
 * A device that follows DNS: it connects to the gateway `resolve()` names, reconnects every second like a real
 * one, and when the answer changes it goes to the new gateway, where it subscribes again (a session does not
 * travel between clusters). `received` counts each command id it got.
 */
class FailoverDevice {
  client: MqttClient;
  gateway: string;

  constructor(
    readonly id: string,
    private readonly fleet: RunningFleet,
    private readonly resolve: () => string,
    private readonly protocolVersion: 4 | 5,
    private readonly received: Map<string, number>,
  ) {
    this.gateway = resolve();
    this.client = this.#connect();
  }

  #connect(): MqttClient {
    const gw = this.fleet.topology.gateways.find((g) => g.name === this.gateway) as Gateway;
    const client = mqtt.connect(`mqtt://${gw.host}:${gw.ports.mqtt}`, {
      clientId: this.id,
      username: DEVICE_USER,
      password: this.fleet.secrets.password(this.gateway, DEVICE_USER),
      protocolVersion: this.protocolVersion,
      clean: false,
      ...(this.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 3_600 } } : {}),
      reconnectPeriod: 1_000,
      connectTimeout: 10_000,
      keepalive: 10,
    });
    client.on('error', () => undefined); // refused or unreachable while its gateway is down: it retries
    client.on('connect', (connack) => {
      if (!connack.sessionPresent) void client.subscribeAsync(commandTopicFilter(this.id), { qos: 1 }).catch(() => undefined);
    });
    client.on('message', (_topic, payload) => {
      const id = payload.toString();
      this.received.set(id, (this.received.get(id) ?? 0) + 1);
    });
    client.on('close', () => {
      const answer = this.resolve();
      if (answer === this.gateway) return;
      this.gateway = answer;
      void client.endAsync(true).catch(() => undefined);
      this.client = this.#connect();
    });
    return client;
  }

  get subscribed(): boolean {
    return this.client.connected;
  }
}

export function describeRegionFailoverDrill(fleet: () => RunningFleet): void {
  describe('drill - a whole region lost: devices fail over and every command follows them', function () {
    this.timeout(600_000);
    const devices: FailoverDevice[] = [];
    let router: RouterService | undefined;

    after(async () => {
      await Promise.all(devices.map((d) => d.client.endAsync(true).catch(() => undefined)));
      await router?.stop();
    });

    it('kills every node of a gateway region; lost 0, dead-lettered 0; stranded commands move to where devices reconnected', async () => {
      const f = fleet();
      await waitForHealthy(120_000);
      router = await startDrillRouter(f, undefined, { evacuateAfterMs: EVACUATE_AFTER_MS });

      // The DNS stand-in: the lost region's health check fails right after the kill (TTL and back-off left out).
      let regionLost = false;
      const dns = () => (regionLost ? SURVIVOR : LOST);
      const run = randomUUID().slice(0, 6);
      const received = new Map<string, number>();
      for (let i = 0; i < DEVICES; i++) devices.push(new FailoverDevice(`region-${run}-${i}`, f, dns, i % 2 === 0 ? 4 : 5, received));
      await pollUntil(
        () => devices.every((d) => d.subscribed),
        120_000,
        () => `${DEVICES} devices on ${LOST}`,
      );
      await waitPlaced(
        router,
        devices.map((d) => d.id),
        LOST,
      );

      const dead = await DeadLetters.watch(f.amqpUri('core'));
      const publisher = await ConfirmedPublisher.open(f.amqpUri('core', APP_USER));
      const sent: string[] = [];
      const publishPhase = async (phase: string) => {
        for (let n = 0; n < PER_PHASE; n++) {
          const id = `region-${run}-${phase}-${n}`;
          sent.push(id);
          publisher.publish(COMMANDS_EXCHANGE, commandRoutingKey(devices[n % DEVICES]!.id, 'drill'), id);
        }
        await publisher.settle();
      };
      try {
        // Before: every command reaches its device at the region that will be lost.
        await publishPhase('before');
        await pollUntil(
          () => sent.every((id) => received.has(id)),
          120_000,
          () => `the commands sent before the kill (${received.size} of ${sent.length})`,
        );

        const nodes = f.nodes(LOST);
        const pids = await Promise.all(nodes.map((n) => nodePid(n)));
        assert.ok(
          pids.every((p) => p !== undefined),
          `every node of ${LOST} runs before the kill`,
        );
        for (const pid of pids) killNode(pid!);
        const killedAt = performance.now();
        await pollUntil(
          () => pids.every((p) => !processAlive(p!)),
          10_000,
          () => `every node of ${LOST} to be gone`,
        );

        // During, before DNS gave up on the region: devices keep retrying it, the router still places them there,
        // so these commands are stranded in its outbox on the backend.
        await publishPhase('during');
        const stranded = sent.slice(-PER_PHASE);
        regionLost = true;
        const dnsAt = performance.now();
        const movedAt =
          performance.now() +
          (await pollUntil(
            () => devices.every((d) => d.gateway === SURVIVOR && d.subscribed),
            180_000,
            () => `devices to reconnect at ${SURVIVOR} (${devices.filter((d) => d.gateway === SURVIVOR && d.subscribed).length} have)`,
          ));
        // After: the router has seen them at the surviving region and routes there directly.
        await waitPlaced(
          router,
          devices.map((d) => d.id),
          SURVIVOR,
        );
        const placedAt = performance.now();
        await publishPhase('after');

        await pollUntil(
          () => sent.every((id) => received.has(id)),
          180_000,
          () =>
            `every command to reach its device (${sent.filter((id) => !received.has(id)).length} of ${sent.length} missing; evacuation ${JSON.stringify(Object.fromEntries(router!.evacuations))})`,
        );
        const recoveredMs = performance.now() - killedAt;
        assert.equal(publisher.confirmed, sent.length, 'the backend confirmed every command');
        assert.deepEqual(
          [...dead.reasons.keys()].filter((id) => id.startsWith(`region-${run}`)),
          [],
          'no command was dead-lettered',
        );
        const moved = (await router.metrics.routed.get()).values.filter((v) => v.labels.route === EVACUATED_ROUTE).reduce((sum, v) => sum + v.value, 0);
        assert.ok(moved >= stranded.length, `the ${stranded.length} commands stranded in the lost region's outbox were moved by the evacuator (${moved})`);

        // The region comes back: a new process, and nothing more than at-least-once redelivery arrives.
        const restartAt = performance.now();
        await restartStoppedNodes();
        const newPids = await Promise.all(nodes.map((n) => nodePid(n)));
        assert.ok(
          newPids.every((p, i) => p !== undefined && p !== pids[i]),
          `${LOST} runs again as new processes`,
        );
        await waitForHealthy(120_000);
        await sleep(3_000);
        const duplicates = [...received.values()].reduce((sum, n) => sum + n - 1, 0);
        assert.ok(duplicates <= sent.length * 0.01, `at most 1 % delivered twice (at-least-once), got ${duplicates}`);
        reportRecovery(
          `region failover (${LOST} lost, all nodes; ${DEVICES} devices, MQTT 3.1.1 and 5)`,
          `every one of ${sent.length} commands delivered ${seconds(recoveredMs)} after the kill (time to recover; DNS TTL and ` +
            `client back-off excluded: DNS answered ${SURVIVOR} ${seconds(dnsAt - killedAt)} after the kill, devices were all back ` +
            `${seconds(movedAt - dnsAt)} later and placed by the router ${seconds(placedAt - movedAt)} after that); ${moved} commands ` +
            `moved out of the lost region's outbox (evacuation after ${seconds(EVACUATE_AFTER_MS)} unhealthy), 0 lost, 0 dead-lettered, ` +
            `${duplicates} delivered twice; ${LOST} back in ${seconds(performance.now() - restartAt)}`,
        );
      } finally {
        await Promise.all([dead.close(), publisher.close()]);
      }
    });
  });
}

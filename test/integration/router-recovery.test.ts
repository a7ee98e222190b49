import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { ROUTER_USER, commandRoutingKey, commandTopicFilter } from '@fedgate/topology';
import { seg } from '@fedgate/broker-admin';
import type { RouterService } from '@fedgate/router';
import type { RunningFleet } from '@fedgate/local-cluster';
import { sharedFleet } from '../shared-fleet.ts';
import { deviceId, endpoint, newRouter, placed, publishCommands, watchReadiness } from './router-harness.ts';
import { mqttDevice, pollUntil } from '@fedgate/device-kit';

describe('router - recovers its consumers after the broker drops its connection', function () {
  this.timeout(120_000);
  let fleet: RunningFleet;
  let router: RouterService;
  let device: MqttClient | undefined;

  before(async () => {
    fleet = await sharedFleet();
    router = newRouter(fleet);
    await router.start();
  });
  after(async () => {
    await device?.endAsync(true).catch(() => undefined);
    await router?.stop();
  });

  /**
   * Closes every backend connection of the router user, as an operator or a node failover would. By user, from
   * the broker's connection tracking: the management connection list lags by the statistics interval.
   */
  async function dropRouterConnections(): Promise<void> {
    await fleet.admin('core').delete(`/connections/username/${seg(ROUTER_USER)}`, { 'X-Reason': 'router recovery test' });
  }

  it('reports 503 while the command consumer is gone, 200 once it is back, and routes again', async () => {
    const target = deviceId('recover');
    device = await mqttDevice(fleet, 'us', target);
    const got: string[] = [];
    device.on('message', (_t, payload) => got.push(payload.toString()));
    await device.subscribeAsync(commandTopicFilter(target), { qos: 1 });
    await placed(router, target, 'us');
    assert.equal((await endpoint(router, '/readyz')).status, 200);

    const readiness = watchReadiness(router);
    try {
      await dropRouterConnections();
      await pollUntil(() => readiness.states.includes('command consumer down'), 10_000, 'the router to notice its consumer is gone');
      await pollUntil(() => router.ready, 30_000, 'the command consumer to come back');
    } finally {
      readiness.stop();
    }
    assert.deepEqual(readiness.states, ['ready', 'command consumer down', 'ready']);
    assert.equal((await endpoint(router, '/readyz')).status, 200);

    await publishCommands(fleet, [{ routingKey: commandRoutingKey(target, 'after-reconnect'), body: Buffer.from('after-reconnect') }]);
    await pollUntil(() => got.includes('after-reconnect'), 15_000, 'a command routed after the reconnect');
    // The presence consumer came back too: a device that moves now is followed.
    await device.endAsync(true);
    device = await mqttDevice(fleet, 'eu', target);
    await device.subscribeAsync(commandTopicFilter(target), { qos: 1 });
    await placed(router, target, 'eu', 10_000);
  });

  it('answers /readyz 503 with the reason while the consumer is gone, then 200', async () => {
    await dropRouterConnections();
    const answers: string[] = [];
    const poll = async (want: number) => {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
        const { status, body } = await endpoint(router, '/readyz');
        if (answers.at(-1) !== `${status} ${body.trim()}`) answers.push(`${status} ${body.trim()}`);
        if (status === want) return;
      }
    };
    await poll(503);
    await poll(200);
    assert.deepEqual(answers.slice(-2), ['503 command consumer down', '200 ready']);
  });
});

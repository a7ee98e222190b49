import assert from 'node:assert/strict';
import { pino } from 'pino';
import { ROUTER_USER } from '@fedgate/topology';
import { RouterService } from '@fedgate/router';
import type { RunningFleet } from '@fedgate/local-cluster';
import { runDemo, type DemoStep } from '../../packages/cli/src/demo/run-demo.ts';
import { sharedFleet } from '../shared-fleet.ts';

describe('demo - the walk-through npm start ends with', function () {
  this.timeout(120_000);
  let fleet: RunningFleet;
  let router: RouterService;

  before(async () => {
    fleet = await sharedFleet();
    router = new RouterService(
      { amqpUrl: fleet.amqpUri('core', ROUTER_USER), tls: fleet.amqpTlsOptions('core'), topology: fleet.topology, httpPort: 0, httpHost: '127.0.0.1' },
      pino({ level: 'silent' }),
    );
    await router.start();
  });
  after(async () => {
    await router?.stop();
  });

  it('observes every step it claims: own commands only, attributed events, a broadcast, a device that moved', async () => {
    const steps: DemoStep[] = [];
    const ok = await runDemo(fleet, (s) => steps.push(s));
    assert.equal(steps.length, 5);
    assert.deepEqual(
      steps.filter((s) => !s.ok).map((s) => s.text),
      [],
    );
    assert.equal(ok, true);
  });
});

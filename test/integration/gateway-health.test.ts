import assert from 'node:assert/strict';
import { seg, startGatewayHealthService, type GatewayHealthService } from '@fedgate/broker-admin';
import type { Gateway } from '@fedgate/topology';
import type { RunningFleet } from '@fedgate/local-cluster';
import { runCli } from '../run-cli.ts';
import { sharedFleet, TEST_TOPOLOGY_FILE } from '../shared-fleet.ts';

async function probe(port: number): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: res.status, body: await res.text() };
}

async function waitForStatus(port: number, status: number, timeoutMs: number): Promise<{ body: string; afterMs: number }> {
  const started = Date.now();
  for (;;) {
    const got = await probe(port);
    if (got.status === status) return { body: got.body, afterMs: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new Error(`still ${got.status} after ${timeoutMs} ms: ${got.body}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('gateway-health - follows link health on the local fleet', function () {
  this.timeout(120_000);
  let fleet: RunningFleet;
  let service: GatewayHealthService;
  const PORT = 18_080;

  before(async () => {
    fleet = await sharedFleet();
    const gw = fleet.topology.gateways.find((g) => g.name === 'eu') as Gateway;
    service = await startGatewayHealthService(gw, fleet.admin('eu'), { port: PORT, host: '127.0.0.1', intervalMs: 1_000 });
  });
  after(async () => {
    await service?.close();
  });

  it('answers 200, turns 503 with the reason within 15 s of the downlink stopping, and 200 again once restored', async () => {
    // A freshly started fleet's links may still be connecting: healthy once they run.
    assert.equal((await waitForStatus(PORT, 200, 30_000)).body, 'ok\n');

    await fleet.admin('eu').delete(`/parameters/shovel/${seg('/')}/fedgate-down-eu`);
    try {
      const down = await waitForStatus(PORT, 503, 15_000);
      assert.match(down.body, /downlink fedgate-down-eu is missing/);
      process.stderr.write(`      [gateway-health] 503 ${down.afterMs} ms after the downlink stopped\n`);
    } finally {
      await runCli(['apply', '-f', TEST_TOPOLOGY_FILE, '--cluster', 'eu']);
    }
    await waitForStatus(PORT, 200, 30_000);
  });
});

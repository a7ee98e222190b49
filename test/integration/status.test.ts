import assert from 'node:assert/strict';
import { queueTotals, seg } from '@fedgate/broker-admin';
import { pollUntil } from '@fedgate/device-kit';
import type { RunningFleet } from '@fedgate/local-cluster';
import { runCli } from '../run-cli.ts';
import { sharedFleet, TEST_TOPOLOGY_FILE } from '../shared-fleet.ts';

async function status() {
  const { code, stdout } = await runCli(['status', '-f', TEST_TOPOLOGY_FILE, '--json']);
  return { code, report: JSON.parse(stdout) };
}

describe('status - links, queues and canaries on the local fleet', function () {
  this.timeout(120_000);
  let fleet: RunningFleet;

  before(async () => {
    fleet = await sharedFleet();
  });

  it('reports every link running, every canary delivered, and exits 0 on a healthy fleet', async () => {
    const { code, report } = await status();
    assert.equal(code, 0, JSON.stringify(report));
    assert.equal(report.links.length, 3 * fleet.topology.gateways.length, 'down, up and presence per gateway');
    assert.ok(report.links.every((l: { state: string }) => l.state === 'running'));
    assert.equal(report.canaries.length, 2 * fleet.topology.gateways.length, 'down and up per gateway');
    assert.ok(report.canaries.every((c: { delivered: boolean; roundTripMs: number }) => c.delivered && c.roundTripMs >= 0));
  });

  it("reports a gateway's queue depths without its management statistics, and no consumer count it does not have", async () => {
    const stats = await fleet.admin('eu').get<Record<string, unknown>>(`/queues/${seg('/')}/fedgate.uplink`);
    assert.equal(stats.messages, undefined, 'gateways run with management_agent.disable_metrics_collector');
    const { report } = await status();
    for (const name of ['fedgate.uplink', 'fedgate.presence.out']) {
      const queue = report.queues.find((q: { cluster: string; name: string }) => q.cluster === 'eu' && q.name === name);
      assert.ok(Number.isInteger(queue?.messages) && queue.messages >= 0, `${name}: ${JSON.stringify(queue)}`);
      // It used to say 0 consumers here while the link consumed the queue: no statistics, no count.
      assert.equal(queue.consumers, undefined, `${name}: ${JSON.stringify(queue)}`);
    }
  });

  it("counts the messages waiting in a gateway's queues from the queues themselves, by exact name", async () => {
    const eu = fleet.admin('eu');
    const v = seg('/');
    const name = `fedgate.test.totals+${Date.now()}`;
    await eu.put(`/queues/${v}/${seg(name)}`, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    try {
      for (let i = 0; i < 3; i++)
        await eu.post(`/exchanges/${v}/amq.default/publish`, { properties: {}, routing_key: name, payload: `m${i}`, payload_encoding: 'string' });
      // Unescaped, the "+" in the name would make its pattern miss the name itself.
      await pollUntil(
        async () => (await queueTotals(eu, '/', [name, 'fedgate.test.nothing'])).get(name) === 3,
        10_000,
        () => `3 messages in ${name}`,
      );
      assert.deepEqual([...(await queueTotals(eu, '/', [name, 'fedgate.test.nothing']))], [[name, 3]], 'a queue that does not exist is absent');
    } finally {
      await eu.delete(`/queues/${v}/${seg(name)}`);
    }
  });

  it('catches a link that says running but forwards nothing, and exits 1', async () => {
    const core = fleet.admin('core');
    const v = seg('/');
    // Cut the outbox off its exchange: the shovel stays "running" but nothing reaches the gateway.
    const base = `/bindings/${v}/e/fedgate.to.eu/q/fedgate.to.eu.outbox`;
    const [binding] = await core.get<{ properties_key: string }[]>(base);
    await core.delete(`${base}/${seg(binding!.properties_key)}`);
    try {
      const { code, report } = await status();
      assert.equal(code, 1);
      const down = report.links.find((l: { name: string }) => l.name === 'fedgate-down-eu');
      assert.equal(down.state, 'running');
      const canary = report.canaries.find((c: { gateway: string; link: string }) => c.gateway === 'eu' && c.link === 'downlink');
      assert.equal(canary.delivered, false);
    } finally {
      await runCli(['apply', '-f', TEST_TOPOLOGY_FILE, '--cluster', 'core']);
    }
    assert.equal((await status()).code, 0, 'apply restored the binding');
  });
});

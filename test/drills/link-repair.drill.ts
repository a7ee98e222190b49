import assert from 'node:assert/strict';
import { seg } from '@fedgate/broker-admin';
import { downlinkName, gatewayExchange, outboxQueue, upstreamName } from '@fedgate/topology';
import type { RunningFleet } from '@fedgate/local-cluster';
import { runCli } from '../run-cli.ts';
import { DRILL_TOPOLOGY_FILE, fleetStatus, reportRecovery, seconds, waitForHealthy } from './drill-fleet.ts';

const F = DRILL_TOPOLOGY_FILE;

async function cli(argv: string[], expected = 0): Promise<string> {
  const { code, stdout, stderr } = await runCli(argv);
  assert.equal(code, expected, `fedgate ${argv.join(' ')} exits ${expected}\n${stdout}${stderr}`);
  return stdout;
}

export function describeLinkRepairDrill(fleet: () => RunningFleet): void {
  describe('drill - a link that says running but forwards nothing, following runbooks/link-not-forwarding.md', function () {
    this.timeout(180_000);

    it('a deleted outbox binding: the canary is lost while the shovel runs, plan names the drift, apply repairs it', async () => {
      const f = fleet();
      await waitForHealthy(120_000);
      const core = f.admin('core');
      const v = seg(f.topology.vhost);
      const base = `/bindings/${v}/e/${seg(gatewayExchange('eu'))}/q/${seg(outboxQueue('eu'))}`;
      const [binding] = await core.get<{ properties_key: string }[]>(base);
      await core.delete(`${base}/${seg(binding!.properties_key)}`);

      const { code, report } = await fleetStatus();
      assert.equal(code, 1);
      assert.equal(report.links.find((l) => l.name === downlinkName('eu'))!.state, 'running', 'the shovel still says running');
      assert.equal(report.canaries.find((c) => c.gateway === 'eu' && c.link === 'downlink')!.delivered, false, 'its canary is lost');

      const plan = await cli(['plan', '-f', F, '--cluster', 'core']);
      assert.match(plan, /\+ binding fedgate\.to\.eu -> queue fedgate\.to\.eu\.outbox/);
      const applyAt = performance.now();
      await cli(['apply', '-f', F, '--cluster', 'core']);
      await waitForHealthy(60_000);
      const repairedMs = performance.now() - applyAt;
      reportRecovery(
        'link forwarding nothing (outbox binding deleted)',
        `plan named the missing binding, apply restored it; status healthy ${seconds(repairedMs)} after the apply`,
      );
    });

    it('a missing shovel and a federation link: link restart reports it, --recreate declares it again, restart brings a link back', async () => {
      const f = fleet();
      const eu = f.admin('eu');
      const v = seg(f.topology.vhost);
      await eu.delete(`/parameters/shovel/${v}/${seg(downlinkName('eu'))}`);

      // Restarting a link that is not there is refused, with what to do instead.
      const { code, stderr } = await runCli(['link', 'restart', 'eu', '-f', F, '--direction', 'down']);
      assert.equal(code, 1);
      assert.match(stderr, /shovel fedgate-down-eu is not defined on eu; re-create it with --recreate/);

      const dry = JSON.parse(await cli(['link', 'restart', 'eu', '-f', F, '--direction', 'down', '--recreate', '--dry-run', '--json']));
      assert.deepEqual(
        dry.links.map((l: { before: string; action: string }) => [l.action, l.before]),
        [['recreate', 'missing']],
      );
      assert.equal(await eu.find(`/parameters/shovel/${v}/${seg(downlinkName('eu'))}`), undefined, 'a dry run changes nothing');

      const started = performance.now();
      const recreated = JSON.parse(await cli(['link', 'restart', 'eu', '-f', F, '--direction', 'down', '--recreate', '--json']));
      assert.deepEqual(
        recreated.links.map((l: { name: string; after: string }) => [l.name, l.after]),
        [[downlinkName('eu'), 'running']],
      );
      const recreatedMs = performance.now() - started;

      const fed = JSON.parse(await cli(['link', 'restart', 'us', '-f', F, '--json']));
      assert.deepEqual(
        fed.links.map((l: { name: string; kind: string; after: string }) => [l.name, l.kind, l.after]),
        [
          [upstreamName('us'), 'federation', 'running'],
          ['fedgate-up-us', 'shovel', 'running'],
          ['fedgate-presence-us', 'shovel', 'running'],
        ],
      );
      await waitForHealthy(60_000);
      reportRecovery('missing downlink shovel', `fedgate link restart --recreate had it running again in ${seconds(recreatedMs)}`);
    });
  });
}

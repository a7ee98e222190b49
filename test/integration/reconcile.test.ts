import assert from 'node:assert/strict';
import { seg } from '@fedgate/broker-admin';
import type { RunningFleet } from '@fedgate/local-cluster';
import { requiredCredentials } from '@fedgate/topology';
import { runCli as cli } from '../run-cli.ts';
import { sharedFleet, TEST_TOPOLOGY_FILE } from '../shared-fleet.ts';

async function planJson(extra: string[] = []) {
  const { code, stdout } = await cli(['plan', '-f', TEST_TOPOLOGY_FILE, '--json', ...extra]);
  assert.equal(code, 0, stdout);
  return JSON.parse(stdout) as { clusters: { cluster: string; changes: { action: string; kind: string; id: string }[]; extra: { id: string }[] }[] };
}

describe('reconciler - plan and apply on the local fleet', function () {
  this.timeout(120_000);
  let fleet: RunningFleet;
  const vhost = seg('/');

  before(async () => {
    fleet = await sharedFleet();
  });

  it('a shovel and a policy deleted by hand show in plan and come back with apply; a second apply changes nothing', async () => {
    await fleet.admin('eu').delete(`/parameters/shovel/${vhost}/fedgate-down-eu`);
    await fleet.admin('core').delete(`/policies/${vhost}/fedgate-commands`);

    const plan = await planJson();
    const eu = plan.clusters.find((c) => c.cluster === 'eu')!;
    const core = plan.clusters.find((c) => c.cluster === 'core')!;
    assert.deepEqual(
      eu.changes.map((c) => `${c.action} ${c.kind} ${c.id}`),
      ['create parameter shovel fedgate-down-eu'],
    );
    assert.deepEqual(
      core.changes.map((c) => `${c.action} ${c.kind} ${c.id}`),
      ['create policy fedgate-commands'],
    );
    // No password of the fleet in the plan, whether a link has one (plain backend) or logs in by certificate (TLS).
    for (const ref of requiredCredentials(fleet.topology))
      assert.ok(!JSON.stringify(plan).includes(fleet.secrets.password(ref.cluster, ref.user)), `${ref.user} on ${ref.cluster}`);

    const applied = await cli(['apply', '-f', TEST_TOPOLOGY_FILE]);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.ok(await fleet.admin('eu').find(`/parameters/shovel/${vhost}/fedgate-down-eu`));
    assert.ok(await fleet.admin('core').find(`/policies/${vhost}/fedgate-commands`));

    const again = await cli(['apply', '-f', TEST_TOPOLOGY_FILE, '--json']);
    const report = JSON.parse(again.stdout) as { clusters: { applied: number }[] };
    assert.deepEqual(
      report.clusters.map((c) => c.applied),
      [0, ...fleet.topology.gateways.map(() => 0)],
      'nothing on the backend or any gateway',
    );
  });

  it('leaves objects it does not own alone, with and without --prune, and prunes its own leftovers only with --prune', async () => {
    const core = fleet.admin('core');
    await core.put(`/queues/${vhost}/ops.audit`, { durable: true, arguments: {} });
    await core.put(`/policies/${vhost}/ops-audit`, { pattern: '^ops\\.', definition: { 'max-length': 10 }, 'apply-to': 'queues' });
    await core.put(`/queues/${vhost}/fedgate.leftover`, { durable: true, arguments: {} });
    try {
      const plan = await planJson(['--cluster', 'core']);
      assert.deepEqual(
        plan.clusters[0]!.extra.map((c) => c.id),
        ['fedgate.leftover'],
      );
      assert.equal((await cli(['apply', '-f', TEST_TOPOLOGY_FILE, '--cluster', 'core'])).code, 0);
      assert.ok(await core.find(`/queues/${vhost}/fedgate.leftover`), 'without --prune the leftover stays');

      assert.equal((await cli(['apply', '-f', TEST_TOPOLOGY_FILE, '--cluster', 'core', '--prune'])).code, 0);
      assert.equal(await core.find(`/queues/${vhost}/fedgate.leftover`), undefined, "--prune removed fedgate's leftover");
      assert.ok(await core.find(`/queues/${vhost}/ops.audit`), 'a queue fedgate does not own survives --prune');
      assert.ok(await core.find(`/policies/${vhost}/ops-audit`), 'a policy fedgate does not own survives --prune');
    } finally {
      await core.delete(`/queues/${vhost}/ops.audit`).catch(() => undefined);
      await core.delete(`/policies/${vhost}/ops-audit`).catch(() => undefined);
      await core.delete(`/queues/${vhost}/fedgate.leftover`).catch(() => undefined);
    }
  });

  it('a cluster that cannot be reached fails alone: the others are still planned, exit 1', async () => {
    const { writeFileSync, readFileSync, mkdtempSync, copyFileSync } = await import('node:fs');
    const { join, dirname, resolve } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'fedgate-reconcile-'));
    // Same fleet, but gateway us's management port points where nothing listens.
    const file = join(dir, 'fleet.yaml');
    const secrets = join(dir, 'secrets.json');
    const secretsPath = (fleet.topology.credentials as { path: string }).path;
    copyFileSync(resolve(dirname(TEST_TOPOLOGY_FILE), secretsPath), secrets); // relative to the topology file, or absolute
    const usManagement = fleet.topology.gateways.find((g) => g.name === 'us')!.ports.management;
    writeFileSync(
      file,
      readFileSync(TEST_TOPOLOGY_FILE, 'utf8').replace(`management: ${usManagement}`, 'management: 15899').replace(`path: ${secretsPath}`, `path: ${secrets}`),
    );
    const { code, stdout } = await cli(['plan', '-f', file]);
    assert.equal(code, 1);
    assert.match(stdout, /^us: FAILED — management API at https?:\/\/127\.0\.0\.1:15899 is unreachable/m);
    assert.match(stdout, /^core: 0 change\(s\) to apply$/m);
    assert.match(stdout, /^eu: 0 change\(s\) to apply$/m);
  });
});

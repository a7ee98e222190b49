import assert from 'node:assert/strict';
import { processAlive } from '@fedgate/local-cluster';
import { runCli } from '../run-cli.ts';

const FILE = 'test/fixtures/down-fleet.yaml';

describe('local - fleet lifecycle', function () {
  this.timeout(240_000);

  after(async () => {
    await runCli(['local', 'down', '-f', FILE]);
  });

  it('up starts every cluster, a second up says it is already running, down leaves no node running', async () => {
    const up = await runCli(['local', 'up', '-f', FILE, '--json']);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(JSON.parse(up.stdout).alreadyRunning, false);

    const again = await runCli(['local', 'up', '-f', FILE]);
    assert.equal(again.code, 0);
    assert.equal(again.stdout, 'the fleet is already running\n');

    const status = JSON.parse((await runCli(['local', 'status', '-f', FILE, '--json'])).stdout);
    assert.deepEqual(
      status.clusters.map((c: { name: string; running: boolean }) => [c.name, c.running]),
      [
        ['core', true],
        ['gw', true],
      ],
    );
    assert.equal(status.clusters[1].mqttUrl, 'mqtt://127.0.0.1:2090');
    const pids = status.clusters.map((c: { pid: number }) => c.pid);

    const down = await runCli(['local', 'down', '-f', FILE]);
    assert.equal(down.code, 0);
    for (const pid of pids) assert.equal(processAlive(pid), false, `node process ${pid} is gone`);
    const after = await runCli(['local', 'status', '-f', FILE, '--json']);
    assert.equal(after.code, 1, 'status exits 1 when the fleet is down');
    assert.ok(JSON.parse(after.stdout).clusters.every((c: { running: boolean }) => !c.running));
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { killNode, nodePid, type RunningFleet } from '@fedgate/local-cluster';
import { runCli } from '../run-cli.ts';
import { runbookCommands, type RunbookCommand } from '../runbooks/runbook-commands.ts';
import { DRILL_TOPOLOGY_FILE, reportRecovery, restartStoppedNodes, seconds, waitForHealthy } from './drill-fleet.ts';
import { type DeviceSwarm, deviceSwarm, pollUntil, sleep } from '@fedgate/device-kit';

const RUNBOOK = 'runbooks/reconnect-storm.md';
const DEVICES = 1_200;
const GATEWAY = 'eu';

/** Every argument of a runbook command, pointed at the drill fleet instead of the runbook's example topology. */
function forDrill(command: RunbookCommand, exampleTopology: string): string[] {
  return command.argv.map((arg) => (arg === exampleTopology ? DRILL_TOPOLOGY_FILE : arg));
}

async function deviceConnections(): Promise<number> {
  const { code, stdout, stderr } = await runCli(['gateway', 'limit', GATEWAY, '-f', DRILL_TOPOLOGY_FILE, '--json']);
  assert.equal(code, 0, stderr);
  return (JSON.parse(stdout) as { limits: { deviceConnections: number } }).limits.deviceConnections;
}

export function describeReconnectStormDrill(fleet: () => RunningFleet): void {
  describe('drill - a reconnect storm, following runbooks/reconnect-storm.md', function () {
    this.timeout(300_000);
    let swarm: DeviceSwarm | undefined;

    after(async () => {
      await swarm?.close();
      await runCli(['gateway', 'limit', GATEWAY, '-f', DRILL_TOPOLOGY_FILE, '--reset']);
    });

    it('with the device limit holding the storm off, the node comes back and every device reconnects', async () => {
      const f = fleet();
      await waitForHealthy(120_000);
      const commands = runbookCommands(RUNBOOK);
      const example = commands.find((c) => c.argv.includes('-f'))!;
      const exampleTopology = example.argv[example.argv.indexOf('-f') + 1]!;
      const steps = commands.map((c) => ({ command: c, argv: forDrill(c, exampleTopology) }));
      assert.ok(
        steps.every((s) => s.argv.includes(GATEWAY) || s.argv[0] === 'status'),
        `the runbook's example gateway is ${GATEWAY}, as in the drill`,
      );
      const kinds = steps.map(
        ({ argv }) =>
          argv.slice(0, 2).join(' ') +
          (argv.includes('--max-connections') ? ` ${argv[argv.indexOf('--max-connections') + 1]}` : '') +
          (argv.includes('--reset') ? ' reset' : ''),
      );
      // The drill is only as good as the runbook's order: hold off, shed, check, let in, remove the limit.
      let at = -1;
      for (const wanted of ['gateway limit 0', 'gateway drain', 'status', 'gateway limit 500', 'gateway limit reset']) {
        const next = kinds.findIndex((k, i) => i > at && (k === wanted || k.startsWith(`${wanted} `)));
        assert.ok(
          next > at,
          `the runbook holds devices off, sheds them, checks, then lets them in gradually; "${wanted}" missing or out of order in: ${kinds.join(' → ')}`,
        );
        at = next;
      }

      const run = randomUUID().slice(0, 6);
      const ids = Array.from({ length: DEVICES }, (_, i) => `storm-${run}-${i}`);
      swarm = await deviceSwarm(f, GATEWAY, ids, { clean: true, subscribe: false, connectTimeoutMs: 180_000 });
      const devices = swarm;
      // The broker's connection list catches up with a burst of logins within moments, not at once.
      await pollUntil(
        async () => (await deviceConnections()) === DEVICES,
        30_000,
        () => `the gateway to list all ${DEVICES} device connections`,
      );

      let killedAt = 0;
      let nodeBackAt = 0;
      let heldOffChecked = false;
      let lastStatus = 0;
      let overshoot = 0;
      let steppedUp = 0;
      const done: string[] = [];
      for (const { command, argv } of steps) {
        const line = `fedgate ${argv.join(' ')}`;
        if (argv[0] === 'dns') {
          process.stderr.write(`      [storm] skipped (no Route53 in local mode): ${RUNBOOK}:${command.line} ${line}\n`);
          continue;
        }
        if (argv[0] === 'link' && lastStatus === 0) {
          process.stderr.write(`      [storm] not needed (status was healthy): ${line}\n`);
          continue;
        }
        const { code, stdout, stderr } = await runCli(argv);
        done.push(argv.slice(0, 2).join(' '));
        process.stderr.write(`      [storm] ${RUNBOOK}:${command.line} ${line} → exit ${code}\n`);
        if (argv[0] === 'status') {
          lastStatus = code;
          continue;
        }
        assert.equal(code, 0, `${line}\n${stdout}${stderr}`);

        if (argv[1] === 'drain') {
          assert.equal(await deviceConnections(), 0, 'the drain closed every device connection');
          // Step 5: the restart. The drill restarts the hard way, as a node that fell over does.
          killNode((await nodePid(f.node(GATEWAY)))!);
          killedAt = performance.now();
          await restartStoppedNodes();
          nodeBackAt = performance.now();
          // The storm: every device retries each second; the limit, kept across the restart, holds them all off.
          await sleep(3_000);
          assert.equal(await deviceConnections(), 0, 'no device got in while the device limit is 0, restart or not');
          heldOffChecked = true;
        }
        const limit = argv.includes('--max-connections') ? Number(argv[argv.indexOf('--max-connections') + 1]) : undefined;
        if (argv[1] === 'limit' && limit !== undefined && limit > 0) {
          const expected = Math.min(limit, DEVICES);
          await pollUntil(
            async () => (await deviceConnections()) >= expected,
            120_000,
            () => `${expected} devices to get in under the limit ${limit}`,
          );
          await sleep(2_000);
          const admitted = await deviceConnections();
          process.stderr.write(`      [storm] limit ${limit}: ${admitted} device connections\n`);
          // RabbitMQ checks a limit against its connection tracking, which lags a burst of logins: devices retrying
          // at once get some past it (a limit of 500 admitted 507 to 1,082 of these 1,200 in four runs on
          // 4.0.5). What the runbook relies on is that a step keeps the rest out; the overshoot is reported below.
          if (limit < DEVICES && steppedUp === 0) assert.ok(admitted < DEVICES, `the first step keeps devices out (${admitted} of ${DEVICES} in)`);
          steppedUp++;
          overshoot = Math.max(overshoot, admitted - limit);
        }
        if (argv[1] === 'limit' && argv.includes('--reset')) {
          await pollUntil(
            () => devices.connected() === DEVICES,
            120_000,
            () => `every device to reconnect (${devices.connected()} of ${DEVICES} are)`,
          );
        }
      }
      assert.ok(heldOffChecked, 'the runbook drained the gateway before the restart');
      assert.ok(done.includes('gateway limit') && done.includes('gateway drain'));
      const allBackAt = performance.now();
      assert.equal(devices.connected(), DEVICES, 'every device reconnected');
      // The broker's connection list catches up with a burst of logins within moments, not at once.
      await pollUntil(
        async () => (await deviceConnections()) === DEVICES,
        30_000,
        () => `the gateway to list all ${DEVICES} device connections`,
      );
      const alarms = await f
        .admin(GATEWAY)
        .get<{ status: string }>('/health/checks/alarms')
        .catch((err: Error) => ({ status: err.message }));
      assert.equal(alarms.status, 'ok', 'no resource alarm on the gateway');
      await waitForHealthy(60_000);
      reportRecovery(
        `reconnect storm (eu, ${DEVICES} MQTT devices retrying every second)`,
        `node killed and serving again in ${seconds(nodeBackAt - killedAt)} with every device held off by the device limit; ` +
          `all ${DEVICES} devices back through the runbook's limit steps ${seconds(allBackAt - nodeBackAt)} later; ` +
          `time to recover ${seconds(allBackAt - killedAt)} from the kill; no alarm; the largest overshoot of a limit step was ${overshoot} device(s)`,
      );
    });
  });
}

// Fault drills on a fleet of their own (test/fixtures/drill-fleet.yaml): each breaks something on purpose, follows
// what its runbook says, asserts that nothing is lost, and prints its time to recover.
import type { RunningFleet } from '@fedgate/local-cluster';
import { recoverySummary, startDrillFleet, stopDrillFleet } from './drill-fleet.ts';
import { describePartitionDrill } from './partition.drill.ts';
import { describeGatewayKillDrill } from './gateway-kill.drill.ts';
import { describeBackendNodeLossDrill } from './backend-node-loss.drill.ts';
import { describeReconnectStormDrill } from './reconnect-storm.drill.ts';
import { describeLinkRepairDrill } from './link-repair.drill.ts';
import { describeRegionFailoverDrill } from './region-failover.drill.ts';

describe('drills - faults on a local fleet of their own', function () {
  this.timeout(600_000);
  let fleet: RunningFleet | undefined;
  const current = (): RunningFleet => {
    if (!fleet) throw new Error('the drill fleet did not start');
    return fleet;
  };

  before(async () => {
    fleet = await startDrillFleet();
  });

  after(async () => {
    const summary = recoverySummary();
    if (summary.length > 0) process.stderr.write(`\n      time to recover, per drill:\n${summary.map((s) => `        - ${s}`).join('\n')}\n\n`);
    await stopDrillFleet();
  });

  // Least disruptive first; each drill starts by waiting for a healthy fleet and leaves one behind.
  describePartitionDrill(current);
  describeLinkRepairDrill(current);
  describeGatewayKillDrill(current);
  describeBackendNodeLossDrill(current);
  describeReconnectStormDrill(current);
  describeRegionFailoverDrill(current);
});

// Router cold start at a million devices: how fast a router rebuilds from the whole presence log, and how soon a
// router that loads a snapshot routes the command already waiting for it, with its memory and CPU meanwhile.
import { SNAPSHOTS_IN_WINDOW, fillPresenceLog, rebuildAndWriteSnapshots, startWithWaitingCommand } from '../cold-start-probe.ts';
import { summarizeColdStart, type ColdStartResult, type ColdStartRound } from '../cold-start-summary.ts';
import { formatBytes, formatRate } from '../format-figures.ts';
import type { ScenarioContext } from './scenario-context.ts';

export async function runColdStartScenario(ctx: ScenarioContext): Promise<ColdStartResult> {
  const { devices, churn, rounds } = ctx.plan.coldStart;
  const gateway = ctx.fleet.gateways[0]!.name;
  // Ids like `cold-mil3x2ab-999999`: 20 characters, unique to this run.
  const prefix = `cold-${Date.now().toString(36)}`;
  ctx.progress(`cold-start: publishing ${devices.toLocaleString('en-US')} presence events at ${gateway}`);
  const filling = performance.now();
  await fillPresenceLog(ctx.fleet, gateway, prefix, devices);
  const fill = { events: devices, seconds: (performance.now() - filling) / 1000 };
  let known = devices;
  const done: ColdStartRound[] = [];
  for (let round = 1; round <= rounds; round++) {
    ctx.progress(
      `cold-start: round ${round}/${rounds}: a router rebuilds ${round === 1 ? 'from the whole presence log' : 'from the last snapshot'}, then writes ${SNAPSHOTS_IN_WINDOW} snapshots`,
    );
    const writer = await rebuildAndWriteSnapshots(ctx.fleet, ctx.cwd, { gateway, churnPrefix: `${prefix}-r${round}`, known, churn });
    known += churn * (SNAPSHOTS_IN_WINDOW - 1);
    if (round === 1) {
      const { rebuild } = writer.start;
      ctx.progress(
        `cold-start: replayed ${rebuild.presenceEvents.toLocaleString('en-US')} events at ${formatRate(rebuild.presenceEvents / (rebuild.presenceMs / 1000))}`,
      );
    }
    const measured = await startWithWaitingCommand(ctx.fleet, ctx.cwd, gateway, `${prefix}-${devices - round}`);
    done.push({ round, writer, measured });
    ctx.progress(
      `cold-start: round ${round}/${rounds}: ${measured.start.devices.toLocaleString('en-US')} devices, first command (${measured.route}) ` +
        `${((measured.arrivedAt - measured.start.startedAt) / 1000).toFixed(2)} s after start, peak ${formatBytes(measured.start.peakResidentBytes)} resident`,
    );
  }
  return {
    settings: { devices, churn, rounds, snapshotsInWindow: SNAPSHOTS_IN_WINDOW, gateway, idLength: `${prefix}-${devices - 1}`.length },
    fill,
    rounds: done,
    summary: summarizeColdStart(done),
  };
}

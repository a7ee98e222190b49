import assert from 'node:assert/strict';
import type { RunFigures } from '../src/measure-run.ts';
import { routerStages } from '../src/router-stages.ts';
import { alternate, type RouterRun } from '../src/scenarios/router-runs.ts';
import { summarizeRouterRuns } from '../src/scenarios/router-summary.ts';
import { summarizeRouting, type RoutingResult, type RoutingRun } from '../src/scenarios/routing.ts';
import { assessRoutingTargets } from '../src/targets/routing-targets.ts';

const figures = (msgPerSec: number, p99: number, failed = false): RunFigures => ({
  messages: 100,
  received: failed ? 90 : 100,
  duplicates: 0,
  nacked: 0,
  failed,
  seconds: 1,
  msgPerSec,
  latencyMs: { count: 100, p50: p99 / 2, p90: p99, p99, max: p99, mean: p99 / 2 },
  cpuSeconds: { router: 0.1 },
  cpuSecondsPerMessage: 0.001,
  otherCpuShare: 0.05,
});

describe('bench - router scenario figures', () => {
  it('alternates the order of variants every other round', () => {
    assert.deepEqual(alternate(['a', 'b', 'c'], 1), ['a', 'b', 'c']);
    assert.deepEqual(alternate(['a', 'b', 'c'], 2), ['c', 'b', 'a']);
  });

  it('pairs each router setting with the direct runs of the same rounds and leaves failed runs out, counted', () => {
    const paced = (variant: string, round: number, p99: number, failed = false): RouterRun => ({
      variant,
      round,
      mode: 'paced',
      figures: figures(100, p99, failed),
    });
    const runs: RouterRun[] = [
      paced('direct', 1, 10),
      paced('router', 1, 16),
      paced('direct', 2, 12),
      paced('router', 2, 100, true),
      paced('direct', 3, 11),
      paced('router', 3, 15),
    ];
    const summary = summarizeRouterRuns(runs, [{ label: 'router', prefetch: 256 }]);
    const [router] = summary.latency;
    assert.equal(summary.droppedRuns, 1);
    assert.equal(router?.addedP99Ms.dropped, 1);
    assert.equal(router?.addedP99Ms.ratio, 5);
    assert.equal(router?.pacedP99Ms, 15.5);
    assert.equal(summary.directP99Ms, 11);
  });
});

describe('bench - router stages from two scrapes', () => {
  const scrape = (confirm: [number, number, number], gcSum: number, lagP99: number) =>
    [
      `fedgate_router_command_stage_seconds_bucket{le="0.001",stage="router"} ${confirm[2]}`,
      `fedgate_router_command_stage_seconds_bucket{le="+Inf",stage="router"} ${confirm[2]}`,
      `fedgate_router_command_stage_seconds_bucket{le="0.01",stage="confirm"} ${confirm[0]}`,
      `fedgate_router_command_stage_seconds_bucket{le="0.1",stage="confirm"} ${confirm[1]}`,
      `fedgate_router_command_stage_seconds_bucket{le="+Inf",stage="confirm"} ${confirm[2]}`,
      `fedgate_router_nodejs_gc_duration_seconds_bucket{le="0.001",kind="minor"} ${gcSum > 0 ? 3 : 0}`,
      `fedgate_router_nodejs_gc_duration_seconds_bucket{le="0.01",kind="minor"} ${gcSum > 0 ? 4 : 0}`,
      `fedgate_router_nodejs_gc_duration_seconds_bucket{le="+Inf",kind="minor"} ${gcSum > 0 ? 4 : 0}`,
      `fedgate_router_nodejs_gc_duration_seconds_sum{kind="minor"} ${gcSum}`,
      `fedgate_router_nodejs_eventloop_lag_p99_seconds ${lagP99}`,
      `fedgate_router_nodejs_eventloop_lag_max_seconds ${lagP99 * 2}`,
    ].join('\n');

  it('splits the run into router and confirm time and reads the loop delay beyond its sampling interval', () => {
    const s = routerStages(scrape([0, 0, 0], 0, 0.5), scrape([50, 100, 100], 0.006, 0.013), 10);
    assert.equal(s.commands, 100);
    assert.equal(s.confirmP50Ms, 10);
    assert.ok(Math.abs(s.confirmP99Ms - 98.2) < 1e-9);
    assert.ok(s.routerP99Ms <= 1);
    assert.ok(Math.abs(s.eventLoopDelayP99Ms - 3) < 1e-9);
    assert.ok(Math.abs(s.eventLoopDelayMaxMs - 16) < 1e-9);
    assert.deepEqual([s.gcPauses, s.gcTotalMs, s.gcLongestUpToMs], [4, 6, 10]);
  });
});

describe('bench - routing amplification figures', () => {
  it('leaves runs where some device got nothing out of the medians, and counts them', () => {
    const run = (amplification: number, failed: boolean) =>
      ({ variant: 'router-directed', amplification, failed, msgPerSec: 1, latencyMs: { p50: 1, p99: 2 }, cpuSecondsPerCommand: 0 }) as unknown as RoutingRun;
    const [directed] = summarizeRouting([run(1, false), run(3, true), run(1, false)]);
    assert.deepEqual([directed?.amplification, directed?.droppedRuns], [1, 1]);
  });
});

describe('bench - routing targets', () => {
  it('explains a missed amplification with what the runs counted at each gateway', () => {
    const run = {
      variant: 'router-directed',
      commands: 10,
      deliveredToDevices: 10,
      unroutedAtGateways: 4,
      crossingsByGateway: { gw1: 8, gw2: 6 },
      failed: false,
    };
    const routing = {
      settings: { gateways: 2 },
      runs: [run],
      summary: [{ variant: 'router-directed', amplification: 1.4, droppedRuns: 0 }],
    } as unknown as RoutingResult;
    const [directed] = assessRoutingTargets(routing);
    assert.equal(directed?.verdict, 'missed');
    assert.equal(
      directed?.why,
      'over 1 runs of 10 commands in all, devices got 10 and gateways with no subscriber for them 4; crossings by gateway: gw1 8, gw2 6',
    );
  });
});

import assert from 'node:assert/strict';
import type { RunFigures } from '../src/measure-run.ts';
import { routerStages } from '../src/router-stages.ts';
import { alternate, type RouterRun } from '../src/scenarios/router-runs.ts';
import { summarizeRouterRuns } from '../src/scenarios/router-summary.ts';
import { summarizeRouting, type RoutingResult, type RoutingRun } from '../src/scenarios/routing.ts';
import { assessRoutingTargets } from '../src/targets/routing-targets.ts';
import { summarizeScaleOut, type ScaleCommandRun, type ScaleVariant } from '../src/scenarios/scale-out-summary.ts';
import type { StormRun } from '../src/storm/run-storm.ts';
import { renderScaleOutSection } from '../src/report/sections/scale-out-section.ts';

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

describe('bench - scale-out figures', () => {
  const command = (variant: ScaleVariant, path: 'direct' | 'router', round: number, msgPerSec: number, failed = false): ScaleCommandRun => ({
    variant,
    path,
    round,
    figures: {
      ...figures(msgPerSec, 10, failed),
      cpuSeconds: variant === 'one node' ? { 'broker core': 0.2 } : { 'broker core': 0.08, 'broker core_2': 0.05, 'broker core_3': 0.07 },
    },
  });
  const storm = (variant: ScaleVariant, round: number, seconds: number, subscribed = 1000): StormRun<ScaleVariant> => ({
    variant,
    round,
    clients: 1000,
    connected: subscribed,
    subscribed,
    failedAttempts: 0,
    failures: {},
    dropped: 0,
    seconds,
    connectsPerSec: subscribed / seconds,
    connectP50Ms: 1,
    connectP99Ms: 2,
    rssBeforeBytes: 0,
    rssAfterBytes: 1,
    bytesPerConnection: 70_000,
    // A node's second storm reuses the memory its first freed: only the first says what a device costs.
    bytesPerDeviceSettled: round === 1 ? 60_000 : 10_000,
    nodes: variant === 'one node' ? 1 : 3,
    connectionsPerGiB: 1,
    descriptorLimit: 1,
    descriptorsOpen: 1,
    nodeResponsive: true,
    alarms: 'none',
    nodeCpuSeconds: seconds,
    authzCpuSeconds: 0,
    clientCpuSeconds: 1,
    otherCpuShare: 0.05,
  });

  it('compares three nodes with one round by round, and leaves out runs that lost messages and storms that left devices out', () => {
    const commands = [
      command('one node', 'direct', 1, 1000),
      command('one node', 'router', 1, 500),
      command('three nodes', 'direct', 1, 600),
      command('three nodes', 'router', 1, 200),
      command('three nodes', 'direct', 2, 500),
      command('three nodes', 'router', 2, 250, true),
      command('one node', 'direct', 2, 1000),
      command('one node', 'router', 2, 400),
    ];
    const storms = [storm('one node', 1, 10), storm('three nodes', 1, 20), storm('three nodes', 2, 5, 900), storm('one node', 2, 10)];
    const { summary, threeOverOne } = summarizeScaleOut(commands, storms);
    assert.equal(threeOverOne.direct.ratio, 0.55, 'the median of 0.6 and 0.5');
    assert.equal(threeOverOne.router.ratio, 0.4, 'round 2 lost messages through the router: only round 1 counts');
    assert.equal(threeOverOne.router.dropped, 1);
    assert.equal(threeOverOne.connectRate.ratio, 0.5, 'the storm that subscribed 900 of 1,000 is dropped');
    assert.equal(threeOverOne.connectRate.dropped, 1);
    const three = summary.find((s) => s.variant === 'three nodes')!;
    assert.equal(three.routerMsgPerSec, 200, 'the failed run is not in the median');
    assert.equal(three.brokerCpuSecondsPerCommand, 0.2 / 100, 'every node of the cluster counts');
    assert.equal(three.busiestNodeCpuSecondsPerCommand, 0.08 / 100);
    assert.equal(three.bytesPerDeviceSettled, 60_000, 'memory from the storm on cold nodes only');
    const markdown = renderScaleOutSection({
      settings: { nodes: 3, cores: 2, messages: 100, commandRounds: 2, clients: 1000, stormRounds: 2 },
      commands,
      storms,
      summary,
      threeOverOne,
    }).markdown.join('\n');
    assert.match(markdown, /Three nodes ÷ one: direct commands\/s \*\*0\.55×\*\*/);
    assert.match(markdown, /\| three nodes \| 550 \| 200 \| 2,000 µs \| 800 µs \|/);
    assert.match(markdown, /three nodes could route up to 2\.50× the commands of one/);
  });
});

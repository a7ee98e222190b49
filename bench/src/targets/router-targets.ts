// Pure: the router scenario's targets, each judged by its spread over paired rounds, with the reason for a miss
// written from what the same run measured.
import { evaluateSpreadTarget, type Target, type TargetOutcome } from '../evaluate-target.ts';
import { formatMs, formatRatio, formatShare } from '../format-figures.ts';
import type { PairedRatio } from '../paired-ratio.ts';
import { median } from '../percentiles.ts';
import type { RouterResult } from '../scenarios/router.ts';
import type { LatencySummary } from '../scenarios/router-summary.ts';
import { pairedBasis } from './paired-basis.ts';

export const ROUTER_TARGETS = {
  throughput: { id: 'router-throughput', what: 'router path ÷ direct path (end-to-end msg/s)', comparison: 'at-least', value: 0.4, unit: '×' },
  addedP99: { id: 'router-added-p99', what: 'p99 latency the router adds at half its saturation rate', comparison: 'at-most', value: 10, unit: ' ms' },
} as const satisfies Record<string, Target>;

const spread = (p: PairedRatio) => ({ p25: p.p25, median: p.ratio, p75: p.p75 });

/** Where the CPU went during the bursts: per message by group, and how many cores all of it kept busy. */
function throughputWhy(r: RouterResult): string | undefined {
  const direct = r.throughput.find((x) => x.variant === 'direct');
  const one = r.throughput.find((x) => x.variant === 'router x1');
  if (!direct || !one) return undefined;
  const bursts = r.runs.filter((x) => x.mode === 'burst' && x.variant === 'router x1' && !x.figures.failed).map((x) => x.figures);
  const coresBusy = median(bursts.map((f) => Object.values(f.cpuSeconds).reduce((a, b) => a + b, 0) / f.seconds));
  const others = median(bursts.map((f) => f.otherCpuShare));
  return (
    `CPU per message was ${one.cpuMicrosPerMessage.toFixed(0)} µs via the router (the router process ${one.routerCpuMicrosPerMessage.toFixed(0)} µs of it) ` +
    `vs ${direct.cpuMicrosPerMessage.toFixed(0)} µs direct, a ratio of ${formatRatio(r.cpuBound)}; during router bursts the bench, routers and brokers ` +
    `kept ${coresBusy.toFixed(1)} cores busy while other processes used ${formatShare(others)} of the machine`
  );
}

/** The parts of the added p99, from the router's own histograms and the same runs. */
function latencyWhy(l: LatencySummary): string {
  const rest = l.addedP99Ms.ratio - l.routerP99Ms.median - l.confirmP99Ms.median;
  return (
    `of the added p99 (${formatMs(l.addedP99Ms.ratio)}), the broker's confirm of the republish took ${formatMs(l.confirmP99Ms.median)} at p99 ` +
    `and the router's own work ${formatMs(l.routerP99Ms.median)}, leaving about ${formatMs(Math.max(0, rest))} for the first queue write and its delivery; ` +
    `the router's event loop was delayed ${formatMs(l.eventLoopDelayP99Ms.median)} at p99 (max ${formatMs(l.eventLoopDelayMaxMs)}), GC paused it ` +
    `${formatMs(l.gcMsPerSecond.median)} per second (longest ≤ ${formatMs(l.gcLongestUpToMs)}), and it used ${formatShare(l.routerCoreShare)} of a core`
  );
}

export function assessRouterTargets(r: RouterResult): TargetOutcome[] {
  if (!r.latency) return []; // an older bench's results.json: no paired latency rounds to judge
  const out = [evaluateSpreadTarget(ROUTER_TARGETS.throughput, spread(r.routerOverDirect), throughputWhy(r), pairedBasis(r.routerOverDirect))];
  for (const l of r.latency) {
    const target = { ...ROUTER_TARGETS.addedP99, id: `${ROUTER_TARGETS.addedP99.id}:${l.variant}`, what: `${ROUTER_TARGETS.addedP99.what} (${l.variant})` };
    out.push(evaluateSpreadTarget(target, spread(l.addedP99Ms), latencyWhy(l), pairedBasis(l.addedP99Ms)));
  }
  return out;
}

// Pure: the router scenario's runs → its figures. Throughput as paired ratios, latency as paired differences
// against the direct path, and per router setting where its time went; runs that lost or failed messages are left
// out of every figure and counted.
import { median, spreadOf, type Spread } from '../percentiles.ts';
import { pairedDifference, pairedRatio, type MeasuredValue, type PairedRatio } from '../paired-ratio.ts';
import type { RunFigures } from '../measure-run.ts';
import type { RouterStages } from '../router-stages.ts';
import { ROUTER_VARIANTS, type RouterRun } from './router-runs.ts';

export interface ThroughputSummary {
  readonly variant: string;
  readonly msgPerSec: number;
  readonly cpuMicrosPerMessage: number;
  readonly routerCpuMicrosPerMessage: number;
}

/** One router setting's latency, paired with the direct runs of the same rounds. */
export interface LatencySummary {
  readonly variant: string;
  readonly prefetch: number;
  /** Median over rounds of each run's own p50 / p99, ms. */
  readonly pacedP50Ms: number;
  readonly pacedP99Ms: number;
  /** Paired differences router − direct, ms. */
  readonly addedP50Ms: PairedRatio;
  readonly addedP99Ms: PairedRatio;
  /** Over rounds: the router's own time and the broker's confirm, each run's p50 and p99, ms. */
  readonly routerP50Ms: Spread;
  readonly routerP99Ms: Spread;
  readonly confirmP50Ms: Spread;
  readonly confirmP99Ms: Spread;
  readonly eventLoopDelayP99Ms: Spread;
  readonly eventLoopDelayMaxMs: number;
  /** GC pause time per second of run, ms. */
  readonly gcMsPerSecond: Spread;
  readonly gcLongestUpToMs: number;
  /** The router process's CPU, as a share of one core, over the paced runs. */
  readonly routerCoreShare: number;
}

export interface RouterSummary {
  readonly throughput: readonly ThroughputSummary[];
  readonly routerOverDirect: PairedRatio;
  readonly twoOverOne: PairedRatio;
  /** direct ÷ router x1 CPU per message: what the throughput ratio tends to when the machine is CPU-bound. */
  readonly cpuBound: number;
  readonly directP50Ms: number;
  readonly directP99Ms: number;
  readonly latency: readonly LatencySummary[];
  /** Runs left out because they lost or failed messages. */
  readonly droppedRuns: number;
}

const kept = (runs: readonly RouterRun[], mode: RouterRun['mode'], variant: string) => runs.filter((r) => r.mode === mode && r.variant === variant);
const measured = (runs: readonly RouterRun[], pick: (f: RunFigures) => number): MeasuredValue[] =>
  runs.map((r) => ({ value: pick(r.figures), otherShare: r.figures.otherCpuShare, failed: r.figures.failed }));
const ok = (runs: readonly RouterRun[]) => runs.filter((r) => !r.figures.failed);

function throughputOf(runs: readonly RouterRun[], variant: string): ThroughputSummary {
  const figures = ok(kept(runs, 'burst', variant)).map((r) => r.figures);
  return {
    variant,
    msgPerSec: median(figures.map((f) => f.msgPerSec)),
    cpuMicrosPerMessage: median(figures.map((f) => f.cpuSecondsPerMessage * 1e6)),
    routerCpuMicrosPerMessage: median(figures.map((f) => ((f.cpuSeconds.router ?? 0) / f.received) * 1e6)),
  };
}

function latencyOf(runs: readonly RouterRun[], setting: { label: string; prefetch: number }): LatencySummary {
  const direct = kept(runs, 'paced', 'direct');
  const router = kept(runs, 'paced', setting.label);
  const good = ok(router);
  const stages = good.map((r) => r.stages).filter((s): s is RouterStages => s !== undefined);
  const stage = (pick: (s: RouterStages) => number) => spreadOf(stages.map(pick));
  return {
    variant: setting.label,
    prefetch: setting.prefetch,
    pacedP50Ms: median(good.map((r) => r.figures.latencyMs.p50)),
    pacedP99Ms: median(good.map((r) => r.figures.latencyMs.p99)),
    addedP50Ms: pairedDifference(
      measured(router, (f) => f.latencyMs.p50),
      measured(direct, (f) => f.latencyMs.p50),
    ),
    addedP99Ms: pairedDifference(
      measured(router, (f) => f.latencyMs.p99),
      measured(direct, (f) => f.latencyMs.p99),
    ),
    routerP50Ms: stage((s) => s.routerP50Ms),
    routerP99Ms: stage((s) => s.routerP99Ms),
    confirmP50Ms: stage((s) => s.confirmP50Ms),
    confirmP99Ms: stage((s) => s.confirmP99Ms),
    eventLoopDelayP99Ms: stage((s) => s.eventLoopDelayP99Ms),
    eventLoopDelayMaxMs: Math.max(...stages.map((s) => s.eventLoopDelayMaxMs)),
    gcMsPerSecond: spreadOf(good.map((r) => (r.stages?.gcTotalMs ?? Number.NaN) / r.figures.seconds)),
    gcLongestUpToMs: Math.max(...stages.map((s) => s.gcLongestUpToMs)),
    routerCoreShare: median(good.map((r) => (r.figures.cpuSeconds.router ?? Number.NaN) / r.figures.seconds)),
  };
}

export function summarizeRouterRuns(runs: readonly RouterRun[], settings: readonly { label: string; prefetch: number }[]): RouterSummary {
  const burst = (variant: string) => measured(kept(runs, 'burst', variant), (f) => f.msgPerSec);
  const cpu = (variant: string) => median(ok(kept(runs, 'burst', variant)).map((r) => r.figures.cpuSecondsPerMessage));
  const direct = ok(kept(runs, 'paced', 'direct'));
  return {
    throughput: ROUTER_VARIANTS.map((variant) => throughputOf(runs, variant)),
    routerOverDirect: pairedRatio(burst('router x1'), burst('direct')),
    twoOverOne: pairedRatio(burst('router x2'), burst('router x1')),
    cpuBound: cpu('direct') / cpu('router x1'),
    directP50Ms: median(direct.map((r) => r.figures.latencyMs.p50)),
    directP99Ms: median(direct.map((r) => r.figures.latencyMs.p99)),
    latency: settings.map((setting) => latencyOf(runs, setting)),
    droppedRuns: runs.filter((r) => r.figures.failed).length,
  };
}

// Pure: what a router process spent on the commands of one run, from two scrapes of its /metrics (before and
// after the run): its own time per command (receive → publish) and the broker's (publish → confirm), with the
// event loop's delay and the GC pauses of the same interval beside them.
import { bucketDelta, bucketTotal, histogramQuantile } from './histogram-quantile.ts';
import { histogramBuckets, parsePrometheusText, type PromSample } from './prometheus-text.ts';

const STAGE = 'fedgate_router_command_stage_seconds';
const GC = 'fedgate_router_nodejs_gc_duration_seconds';
const LAG = 'fedgate_router_nodejs_eventloop_lag';

export interface RouterStages {
  /** Commands the router republished during the run. */
  readonly commands: number;
  /** Receive → publish (checks, routing, encoding), ms. */
  readonly routerP50Ms: number;
  readonly routerP99Ms: number;
  /** Publish → the broker's confirm, ms. */
  readonly confirmP50Ms: number;
  readonly confirmP99Ms: number;
  /** The event loop's delay beyond its sampling interval, ms. */
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  readonly gcPauses: number;
  /** All GC pauses of the run together, ms. */
  readonly gcTotalMs: number;
  /** Upper bound of the bucket the longest pause fell in, ms. */
  readonly gcLongestUpToMs: number;
}

function sum(samples: readonly PromSample[], name: string): number {
  return samples.filter((s) => s.name === name).reduce((total, s) => total + s.value, 0);
}

function gauge(samples: readonly PromSample[], name: string): number {
  return samples.find((s) => s.name === name)?.value ?? Number.NaN;
}

/** The upper bound of the bucket the longest observation fell in: the first whose cumulative count is the total. */
function longestUpTo(cumulative: ReadonlyMap<number, number>): number {
  const total = bucketTotal(cumulative);
  if (!(total > 0)) return Number.NaN;
  const bounds = [...cumulative.keys()].filter((b) => Number.isFinite(b)).sort((a, b) => a - b);
  return bounds.find((bound) => cumulative.get(bound) === total) ?? Number.POSITIVE_INFINITY;
}

/** `resolutionMs`: the event loop's sampling interval, which every delay sample includes. */
export function routerStages(beforeText: string, afterText: string, resolutionMs: number): RouterStages {
  const before = parsePrometheusText(beforeText);
  const after = parsePrometheusText(afterText);
  const stage = (name: string) => bucketDelta(histogramBuckets(before, STAGE, { stage: name }), histogramBuckets(after, STAGE, { stage: name }));
  const router = stage('router');
  const confirm = stage('confirm');
  const gc = bucketDelta(histogramBuckets(before, GC), histogramBuckets(after, GC));
  const ms = (seconds: number) => seconds * 1000;
  // The lag gauges were reset by the scrape before the run, so the scrape after it covers exactly the run.
  const lag = (suffix: string) => Math.max(0, ms(gauge(after, `${LAG}_${suffix}_seconds`)) - resolutionMs);
  return {
    commands: bucketTotal(confirm),
    routerP50Ms: ms(histogramQuantile(0.5, router)),
    routerP99Ms: ms(histogramQuantile(0.99, router)),
    confirmP50Ms: ms(histogramQuantile(0.5, confirm)),
    confirmP99Ms: ms(histogramQuantile(0.99, confirm)),
    eventLoopDelayP99Ms: lag('p99'),
    eventLoopDelayMaxMs: lag('max'),
    gcPauses: bucketTotal(gc),
    gcTotalMs: ms(sum(after, `${GC}_sum`) - sum(before, `${GC}_sum`)),
    gcLongestUpToMs: ms(longestUpTo(gc)),
  };
}

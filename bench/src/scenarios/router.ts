// Router path vs direct publish. Direct: commands go straight to `fedgate.to.gw1` (outbox → shovel → gateway).
// Router: the same commands go to `fedgate.commands`, through `fedgate.router`, and one or two `fedgate router`
// processes republish them to `fedgate.to.gw1` with confirms. Both end at the same sink on gw1. Latency is
// measured for each router setting beside the direct path in the same rounds, so a change shows as before/after.
import { ROUTE_HEADER } from '@fedgate/topology';
import { formatMs, formatRatio } from '../format-figures.ts';
import { median } from '../percentiles.ts';
import { probePath } from '../measure-run.ts';
import type { RouterSetting } from './router-instances.ts';
import { openRouterBench } from './router-bench.ts';
import { routerRunSpec, runLatencyRounds, runThroughputRounds, type RouterRun } from './router-runs.ts';
import { summarizeRouterRuns, type RouterSummary } from './router-summary.ts';
import type { ScenarioContext } from './scenario-context.ts';

/**
 * The settings latency is compared across: the router as shipped, and with a young generation four times V8's
 * default (16 MiB semi-spaces): it collects a quarter as often, and on a machine short of CPU every pause risks
 * the process being descheduled in the middle of it.
 */
export const ROUTER_SETTINGS: readonly RouterSetting[] = [
  { label: 'router', prefetch: 256 },
  { label: 'router, 64 MiB semi-space', prefetch: 256, v8Flags: ['--max-semi-space-size=64'] },
];

export interface RouterResult extends RouterSummary {
  readonly settings: {
    messages: number;
    messageBytes: number;
    routers: readonly RouterSetting[];
    pacedRate: number;
    pacedSeconds: number;
    rounds: number;
    pacedRounds: number;
  };
  readonly runs: readonly RouterRun[];
  /** Routes the sink saw during the measured runs: all should be direct. */
  readonly routes: Record<string, number>;
}

function routesSince(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Record<string, number> {
  const routes: Record<string, number> = {};
  for (const [route, n] of after) routes[route] = n - (before.get(route) ?? 0);
  return routes;
}

export async function runRouterScenario(ctx: ScenarioContext): Promise<RouterResult> {
  const { plan } = ctx;
  const bench = await openRouterBench(ctx);
  const { deps, sink } = bench;
  try {
    const { routers } = deps;
    await routers.use(ROUTER_SETTINGS[0]!, 1);
    await probePath(routerRunSpec(deps, 'direct'), 30_000, 'the direct path to gw1');
    const routesBefore = sink.headerCounts(ROUTE_HEADER);
    const throughput = await runThroughputRounds(deps, ROUTER_SETTINGS[0]!);
    // Half the router's saturation rate: latency without a backlog.
    const oneRouter = throughput.filter((r) => r.variant === 'router x1' && !r.figures.failed);
    const pacedRate = Math.max(50, Math.floor(median(oneRouter.map((r) => r.figures.msgPerSec)) / 2));
    const latency = await runLatencyRounds(deps, ROUTER_SETTINGS, pacedRate);
    const runs = [...throughput, ...latency];
    const result: RouterResult = {
      settings: {
        messages: plan.router.messages,
        messageBytes: plan.messageBytes,
        routers: ROUTER_SETTINGS,
        pacedRate,
        pacedSeconds: plan.router.pacedSeconds,
        rounds: plan.router.rounds,
        pacedRounds: plan.router.pacedRounds,
      },
      runs,
      routes: routesSince(routesBefore, sink.headerCounts(ROUTE_HEADER)),
      ...summarizeRouterRuns(runs, ROUTER_SETTINGS),
    };
    const added = result.latency.map(
      (l) => `${l.variant} p99 ${formatMs(l.addedP99Ms.ratio)} (IQR ${formatMs(l.addedP99Ms.p25)} to ${formatMs(l.addedP99Ms.p75)})`,
    );
    ctx.progress(
      `router: router ÷ direct = ${formatRatio(result.routerOverDirect.ratio)}, two ÷ one = ${formatRatio(result.twoOverOne.ratio)}; added ${added.join('; ')}`,
    );
    return result;
  } finally {
    await bench.close();
  }
}

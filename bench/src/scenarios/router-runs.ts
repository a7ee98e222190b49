// The measured runs of the router scenario: throughput bursts (direct, one router, two routers) and latency at a
// paced rate (direct and each router setting), every round in the opposite order of the one before.
import { COMMANDS_EXCHANGE, commandRoutingKey, gatewayExchange } from '@fedgate/topology';
import { EVENT_LOOP_RESOLUTION_MS } from '@fedgate/router';
import type { Publisher } from '../amqp-traffic.ts';
import { formatCpuPerMessage, formatMs, formatRate, formatShare } from '../format-figures.ts';
import { measureBurst, measurePaced, type RunFigures, type RunSpec } from '../measure-run.ts';
import { routerStages, type RouterStages } from '../router-stages.ts';
import type { RouterInstances, RouterSetting } from './router-instances.ts';
import type { ScenarioContext } from './scenario-context.ts';

/** The device the sink on gw1 subscribes for, so presence places it there. */
export const ROUTER_DEVICE = 'bench-router';
/** Throughput variants: the direct path, one router instance, two competing instances. */
export const ROUTER_VARIANTS = ['direct', 'router x1', 'router x2'] as const;
export type RouterVariant = (typeof ROUTER_VARIANTS)[number];

export interface RouterRun {
  /** A throughput variant, or in paced runs "direct" or a router setting's label. */
  readonly variant: string;
  readonly round: number;
  readonly mode: 'burst' | 'paced';
  readonly figures: RunFigures;
  /** Paced runs through a router: where the router's share of the time went. */
  readonly stages?: RouterStages;
}

/** What every run of the scenario shares: one publisher on the backend and the router instances. */
export interface RouterRunDeps {
  readonly ctx: ScenarioContext;
  readonly publisher: Publisher;
  readonly routers: RouterInstances;
}

/** `ordered` as is in odd rounds and reversed in even ones (A-B, B-A), so no variant always runs first. */
export function alternate<T>(ordered: readonly T[], round: number): readonly T[] {
  return round % 2 === 1 ? ordered : [...ordered].reverse();
}

export function routerRunSpec(deps: RouterRunDeps, through: 'direct' | 'router'): RunSpec {
  const { fleet, collectors } = deps.ctx;
  return {
    publisher: deps.publisher,
    collectors,
    exchange: through === 'direct' ? gatewayExchange(fleet.fleet.topology.gateways[0]!.name) : COMMANDS_EXCHANGE,
    routingKey: () => commandRoutingKey(ROUTER_DEVICE, 'set'),
    cpu: [
      { label: 'bench', pids: () => [process.pid] },
      { label: 'router', pids: () => deps.routers.pids() },
      { label: 'broker', pids: () => fleet.brokerPids() },
    ],
  };
}

/** A finished burst's rate, CPU per message, whether it was dropped, and the machine's other load. */
export function describeBurst(figures: RunFigures): string {
  return (
    `${formatRate(figures.msgPerSec)}, ${formatCpuPerMessage(figures.cpuSecondsPerMessage)}` +
    `${figures.failed ? ', FAILED (dropped)' : ''} (others ${formatShare(figures.otherCpuShare)})`
  );
}

/** Bursts of `plan.router.messages` per variant and round, the routers on their first setting. */
export async function runThroughputRounds(deps: RouterRunDeps, setting: RouterSetting): Promise<RouterRun[]> {
  const { plan } = deps.ctx;
  const runs: RouterRun[] = [];
  for (let round = 1; round <= plan.router.rounds; round++) {
    for (const variant of alternate(ROUTER_VARIANTS, round)) {
      if (variant !== 'direct') await deps.routers.use(setting, variant === 'router x2' ? 2 : 1);
      const figures = await measureBurst(routerRunSpec(deps, variant === 'direct' ? 'direct' : 'router'), plan.router.messages);
      runs.push({ variant, round, mode: 'burst', figures });
      deps.ctx.progress(`router: round ${round}/${plan.router.rounds} ${variant}: ${describeBurst(figures)}`);
    }
  }
  return runs;
}

/** Seconds of unmeasured traffic through a router just started, so every measured run meets a warm process. */
const WARM_UP_SECONDS = 2;

/** One paced run through the first router instance, with its stage figures from a scrape before and after. */
async function pacedThroughRouter(deps: RouterRunDeps, setting: RouterSetting, rate: number): Promise<Pick<RouterRun, 'figures' | 'stages'>> {
  if (await deps.routers.use(setting, 1)) await measurePaced(routerRunSpec(deps, 'router'), rate, WARM_UP_SECONDS);
  const router = deps.routers.first!;
  const before = await router.scrape();
  const figures = await measurePaced(routerRunSpec(deps, 'router'), rate, deps.ctx.plan.router.pacedSeconds);
  return { figures, stages: routerStages(before, await router.scrape(), EVENT_LOOP_RESOLUTION_MS) };
}

/** Paced runs at `rate`, direct and through each router setting, in `plan.router.pacedRounds` alternating rounds. */
export async function runLatencyRounds(deps: RouterRunDeps, settings: readonly RouterSetting[], rate: number): Promise<RouterRun[]> {
  const { plan } = deps.ctx;
  const runs: RouterRun[] = [];
  const variants: readonly (RouterSetting | 'direct')[] = ['direct', ...settings];
  for (let round = 1; round <= plan.router.pacedRounds; round++) {
    for (const variant of alternate(variants, round)) {
      const run =
        variant === 'direct'
          ? { figures: await measurePaced(routerRunSpec(deps, 'direct'), rate, plan.router.pacedSeconds) }
          : await pacedThroughRouter(deps, variant, rate);
      const label = variant === 'direct' ? 'direct' : variant.label;
      runs.push({ variant: label, round, mode: 'paced', ...run });
      const { figures, stages } = run as Pick<RouterRun, 'figures' | 'stages'>;
      deps.ctx.progress(
        `router: paced ${formatRate(rate)} round ${round}/${plan.router.pacedRounds} ${label}: p50 ${formatMs(figures.latencyMs.p50)}, p99 ${formatMs(figures.latencyMs.p99)}` +
          `${stages ? ` (router p99 ${formatMs(stages.routerP99Ms)}, confirm p99 ${formatMs(stages.confirmP99Ms)}, loop delay p99 ${formatMs(stages.eventLoopDelayP99Ms)}, GC ${formatMs(stages.gcTotalMs)})` : ''}` +
          `${figures.failed ? ', FAILED (dropped)' : ''} (others ${formatShare(figures.otherCpuShare)})`,
      );
    }
  }
  return runs;
}

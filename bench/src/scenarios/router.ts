// Router path vs direct publish. Direct: commands go straight to `fedgate.to.gw1` (outbox → shovel → gateway).
// Router: the same commands go to `fedgate.commands`, through `fedgate.router`, and one or two `fedgate router`
// processes republish them to `fedgate.to.gw1` with confirms. Both end at the same sink on gw1.
import { COMMANDS_EXCHANGE, DEVICES_EXCHANGE, ROUTE_HEADER, commandRoutingKey, gatewayExchange } from '@fedgate/topology';
import { openPublisher, openSink } from '../amqp-traffic.ts';
import { formatCpuPerMessage, formatMs, formatRate, formatRatio, formatShare } from '../format-figures.ts';
import { measureBurst, measurePaced, probePath, type RunFigures, type RunSpec } from '../measure-run.ts';
import { median } from '../percentiles.ts';
import { pairedCompare, pairedRatio, type PairedRatio } from '../paired-ratio.ts';
import { startRouterProcess, type RouterProcess } from '../router-process.ts';
import type { ScenarioContext } from './scenario-context.ts';

const DEVICE = 'bench-router';
export const ROUTER_VARIANTS = ['direct', 'router x1', 'router x2'] as const;
export type RouterVariant = (typeof ROUTER_VARIANTS)[number];

export interface RouterRun {
  readonly variant: RouterVariant;
  readonly round: number;
  readonly mode: 'burst' | 'paced';
  readonly figures: RunFigures;
}

export interface RouterResult {
  readonly settings: {
    messages: number;
    messageBytes: number;
    routerPrefetch: number;
    pacedRate: number;
    pacedSeconds: number;
    rounds: number;
    pacedRounds: number;
  };
  readonly runs: readonly RouterRun[];
  readonly summary: readonly {
    variant: RouterVariant;
    msgPerSec: number;
    cpuMicrosPerMessage: number;
    routerCpuMicrosPerMessage: number;
    pacedP50Ms: number;
    pacedP99Ms: number;
  }[];
  /** router x1 ÷ direct msg/s over paired rounds (target ≥ 0.4; 0.5 is the ceiling: the broker works twice). */
  readonly routerOverDirect: PairedRatio;
  readonly twoOverOne: PairedRatio;
  /** direct ÷ router x1 CPU per message: what the throughput ratio tends to when the machine is CPU-bound. */
  readonly cpuBound: number;
  /** Latency the router adds at half its saturation rate: paced router minus paced direct, per percentile, over paired rounds. */
  readonly addedP50Ms: PairedRatio;
  readonly addedP99Ms: PairedRatio;
  /** Routes the sink saw during the router runs: all should be direct. */
  readonly routes: Record<string, number>;
}

export async function runRouterScenario(ctx: ScenarioContext): Promise<RouterResult> {
  const { plan, fleet, collectors } = ctx;
  const topology = fleet.fleet.topology;
  const gw = topology.gateways[0]!;
  const routingKey = () => commandRoutingKey(DEVICE, 'set');
  // The sink's binding is a device subscription: the event exchange reports it and the router places the device at gw1.
  const sink = await openSink(fleet.amqpUri(gw.name), DEVICES_EXCHANGE, [`devices.${DEVICE}.commands.#`], collectors);
  const publisher = await openPublisher(fleet.amqpUri(topology.backend.name), plan.messageBytes);
  const routers: RouterProcess[] = [];
  const cpu = [
    { label: 'bench', pids: () => [process.pid] },
    { label: 'router', pids: () => routers.map((r) => r.pid) },
    { label: 'broker', pids: () => fleet.brokerPids() },
  ];
  const spec = (variant: RouterVariant): RunSpec => ({
    publisher,
    collectors,
    exchange: variant === 'direct' ? gatewayExchange(gw.name) : COMMANDS_EXCHANGE,
    routingKey,
    cpu,
  });
  const startRouter = async () => {
    const router = await startRouterProcess(ctx.cwd, fleet.topologyFile);
    routers.push(router);
    return router;
  };
  const stopSecond = async () => {
    const second = routers.splice(1);
    await Promise.all(second.map((r) => r.stop()));
  };
  const runs: RouterRun[] = [];
  try {
    ctx.progress('router: starting a router process');
    await startRouter();
    const directBefore = () => sink.headerCounts(ROUTE_HEADER).get('direct') ?? 0;
    let seen = directBefore();
    // Ready when a probe through the router arrives marked direct: presence reached it and the gateway is healthy.
    await probePath(spec('router x1'), 60_000, 'the router path to gw1', () => {
      const now = directBefore();
      const direct = now > seen;
      seen = now;
      return direct;
    });
    await probePath(spec('direct'), 30_000, 'the direct path to gw1');
    const routesBefore = sink.headerCounts(ROUTE_HEADER);

    const prepare = async (variant: RouterVariant) => {
      if (variant === 'router x2' && routers.length < 2) {
        ctx.progress('router: starting a second router process');
        await startRouter();
      }
      if (variant !== 'router x2') await stopSecond();
    };
    for (let round = 1; round <= plan.router.rounds; round++) {
      // A-B-C then C-B-A: neighbours stay close in time and the second router starts only every other round.
      for (const variant of round % 2 === 1 ? ROUTER_VARIANTS : [...ROUTER_VARIANTS].reverse()) {
        await prepare(variant);
        const figures = await measureBurst(spec(variant), plan.router.messages);
        runs.push({ variant, round, mode: 'burst', figures });
        ctx.progress(
          `router: round ${round}/${plan.router.rounds} ${variant}: ${formatRate(figures.msgPerSec)}, ${formatCpuPerMessage(figures.cpuSecondsPerMessage)} (others ${formatShare(figures.otherCpuShare)})`,
        );
      }
    }
    await stopSecond();
    const burst = (variant: RouterVariant) => runs.filter((r) => r.mode === 'burst' && r.variant === variant).map((r) => r.figures);
    const pacedRate = Math.max(50, Math.floor(median(burst('router x1').map((f) => f.msgPerSec)) / 2));
    for (let round = 1; round <= plan.rounds; round++) {
      for (const variant of ['direct', 'router x1'] as const) {
        const figures = await measurePaced(spec(variant), pacedRate, plan.router.pacedSeconds);
        runs.push({ variant, round, mode: 'paced', figures });
        ctx.progress(
          `router: paced ${formatRate(pacedRate)} round ${round}/${plan.rounds} ${variant}: p50 ${formatMs(figures.latencyMs.p50)}, p99 ${formatMs(figures.latencyMs.p99)} (others ${formatShare(figures.otherCpuShare)})`,
        );
      }
    }
    const routesAfter = sink.headerCounts(ROUTE_HEADER);
    const routes: Record<string, number> = {};
    for (const [route, n] of routesAfter) routes[route] = n - (routesBefore.get(route) ?? 0);

    const paced = (variant: RouterVariant) => runs.filter((r) => r.mode === 'paced' && r.variant === variant).map((r) => r.figures);
    const measured = (variant: RouterVariant) => burst(variant).map((f) => ({ value: f.msgPerSec, otherShare: f.otherCpuShare }));
    const ratio = (a: RouterVariant, b: RouterVariant) => pairedRatio(measured(a), measured(b));
    const pacedDiff = (pick: (f: RunFigures) => number) => {
      const values = (variant: RouterVariant) => paced(variant).map((f) => ({ value: pick(f), otherShare: f.otherCpuShare }));
      return pairedCompare(values('router x1'), values('direct'), (a, b) => a - b);
    };
    const result: RouterResult = {
      settings: {
        messages: plan.router.messages,
        messageBytes: plan.messageBytes,
        routerPrefetch: 256,
        pacedRate,
        pacedSeconds: plan.router.pacedSeconds,
        rounds: plan.router.rounds,
        pacedRounds: plan.rounds,
      },
      runs,
      summary: ROUTER_VARIANTS.map((variant) => ({
        variant,
        msgPerSec: median(burst(variant).map((f) => f.msgPerSec)),
        cpuMicrosPerMessage: median(burst(variant).map((f) => f.cpuSecondsPerMessage * 1e6)),
        routerCpuMicrosPerMessage: median(burst(variant).map((f) => ((f.cpuSeconds.router ?? 0) / f.received) * 1e6)),
        pacedP50Ms: median(paced(variant).map((f) => f.latencyMs.p50)),
        pacedP99Ms: median(paced(variant).map((f) => f.latencyMs.p99)),
      })),
      routerOverDirect: ratio('router x1', 'direct'),
      twoOverOne: ratio('router x2', 'router x1'),
      cpuBound: median(burst('direct').map((f) => f.cpuSecondsPerMessage)) / median(burst('router x1').map((f) => f.cpuSecondsPerMessage)),
      addedP50Ms: pacedDiff((f) => f.latencyMs.p50),
      addedP99Ms: pacedDiff((f) => f.latencyMs.p99),
      routes,
    };
    ctx.progress(
      `router: router ÷ direct = ${formatRatio(result.routerOverDirect.ratio)} (${result.routerOverDirect.quietPairs} of ${result.routerOverDirect.pairs} rounds quiet), two ÷ one instance = ${formatRatio(result.twoOverOne.ratio)}, added latency p50 ${formatMs(result.addedP50Ms.ratio)} p99 ${formatMs(result.addedP99Ms.ratio)}`,
    );
    return result;
  } finally {
    await Promise.all(routers.splice(0).map((r) => r.stop()));
    await publisher.close();
    await sink.close();
  }
}

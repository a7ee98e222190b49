// What a second and third node buy: the same command bursts (direct to the gateway's outbox, and through a router)
// and the same reconnect storm against the bench fleet's single nodes and against a fleet whose backend and gateway
// are 3-node clusters, in rounds of alternating order in one run. Every node shares this machine's cores, so the
// figures say what a cluster costs and buys here, not what nodes on hosts of their own would add.
import { cpus } from 'node:os';
import { DEVICE_USER } from '@fedgate/topology';
import { formatRatio } from '../format-figures.ts';
import { measureBurst, probePath, type RunSpec } from '../measure-run.ts';
import { startScaleFleet, spreadPasswordLogins } from '../scale-fleet.ts';
import { SCALE_NODES } from '../scale-topology.ts';
import { describeStormRun, runStorm, stormIds, type StormRun, type StormTarget } from '../storm/run-storm.ts';
import type { BenchFleet } from '../bench-fleet.ts';
import { openRouterBench, type RouterBench } from './router-bench.ts';
import { ROUTER_SETTINGS } from './router.ts';
import { alternate, describeBurst, routerRunSpec, type RouterRunDeps } from './router-runs.ts';
import type { ScenarioContext } from './scenario-context.ts';
import {
  BROKER_NODE_PREFIX,
  COMMAND_PATHS,
  SCALE_VARIANTS,
  summarizeScaleOut,
  type CommandPath,
  type ScaleCommandRun,
  type ScaleVariant,
  type ScaleVariantSummary,
  type ThreeOverOne,
} from './scale-out-summary.ts';

export interface ScaleOutResult {
  readonly settings: {
    readonly nodes: number;
    readonly cores: number;
    readonly messages: number;
    readonly commandRounds: number;
    readonly clients: number;
    readonly stormRounds: number;
  };
  readonly commands: readonly ScaleCommandRun[];
  readonly storms: readonly StormRun<ScaleVariant>[];
  readonly summary: readonly ScaleVariantSummary[];
  readonly threeOverOne: ThreeOverOne;
}

/**
 * The router's run spec with the brokers' CPU counted per node (`broker <node name>`): on hosts of their own, the
 * busiest node bounds a cluster's rate.
 */
function perNodeSpec(deps: RouterRunDeps, path: CommandPath): RunSpec {
  const spec = routerRunSpec(deps, path);
  const { fleet } = deps.ctx;
  const nodes = [...fleet.pids].flatMap(([cluster, pids]) =>
    pids.map((pid, k) => ({ label: `${BROKER_NODE_PREFIX}${fleet.fleet.nodes(cluster)[k]!.nodeName}`, pids: () => [pid] })),
  );
  return { ...spec, cpu: [...spec.cpu.filter((g) => g.label !== 'broker'), ...nodes] };
}

/** Command bursts on both fleets, both paths each, the fleets' order alternating by round. */
async function runCommandRounds(ctx: ScenarioContext, benches: Record<ScaleVariant, RouterBench>): Promise<ScaleCommandRun[]> {
  const { messages, rounds } = ctx.plan.router;
  const runs: ScaleCommandRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const variant of alternate(SCALE_VARIANTS, round)) {
      for (const path of COMMAND_PATHS) {
        const figures = await measureBurst(perNodeSpec(benches[variant].deps, path), messages);
        runs.push({ variant, path, round, figures });
        ctx.progress(`scale-out: round ${round}/${rounds} ${variant}, ${path}: ${describeBurst(figures)}`);
      }
    }
  }
  return runs;
}

/** The same storm against the bench fleet's last gateway (one node) and the scale-out gateway (spread over its nodes). */
async function runStormRounds(ctx: ScenarioContext, fleets: Record<ScaleVariant, BenchFleet>): Promise<StormRun<ScaleVariant>[]> {
  const { clients, deadlineSeconds, connectTimeoutMs, rounds } = ctx.plan.gateway;
  const ids = stormIds(clients);
  const target = (fleet: BenchFleet): StormTarget => {
    const gw = fleet.gateways.at(-1)!;
    const logins = spreadPasswordLogins(gw, fleet.fleet.secrets.password(gw.name, DEVICE_USER), ids);
    return { pids: fleet.pids.get(gw.name)!, admin: fleet.fleet.admin(gw.name), helperPids: [], logins };
  };
  const targets = { 'one node': target(fleets['one node']), 'three nodes': target(fleets['three nodes']) };
  const runs: StormRun<ScaleVariant>[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const variant of alternate(SCALE_VARIANTS, round)) {
      ctx.progress(`scale-out: storm round ${round}/${rounds} ${variant}: ${clients} MQTT devices at once`);
      const progress = (line: string) => ctx.progress(`scale-out: ${line}`);
      const run = await runStorm(targets[variant], variant, { round, deadlineSeconds, connectTimeoutMs, signal: ctx.signal, progress });
      runs.push(run);
      ctx.progress(`scale-out: ${describeStormRun(run)}`);
    }
  }
  return runs;
}

/** Closes the router runs still open (the storms need neither routers nor sinks). */
async function closeBenches(benches: Partial<Record<ScaleVariant, RouterBench>>): Promise<void> {
  for (const variant of SCALE_VARIANTS) {
    const bench = benches[variant];
    delete benches[variant];
    await bench?.close();
  }
}

export async function runScaleOutScenario(ctx: ScenarioContext): Promise<ScaleOutResult> {
  const { plan } = ctx;
  ctx.progress(`scale-out: starting a fleet whose backend and gateway have ${SCALE_NODES} nodes each`);
  // Admits the storm with room to spare, as the bench fleet's gateways do.
  const scaled = await startScaleFleet(ctx.cwd, plan.stateDir, plan.gateway.clients + 2_000, plan.portOffset, ctx.progress);
  const fleets: Record<ScaleVariant, BenchFleet> = { 'one node': ctx.fleet, 'three nodes': scaled };
  const benches: Partial<Record<ScaleVariant, RouterBench>> = {};
  try {
    for (const variant of SCALE_VARIANTS) {
      const bench = await openRouterBench({ ...ctx, fleet: fleets[variant] });
      benches[variant] = bench;
      await bench.deps.routers.use(ROUTER_SETTINGS[0]!, 1);
      await probePath(routerRunSpec(bench.deps, 'direct'), 30_000, `the direct path to gw1 (${variant})`);
    }
    const commands = await runCommandRounds(ctx, benches as Record<ScaleVariant, RouterBench>);
    await closeBenches(benches);
    const storms = await runStormRounds(ctx, fleets);
    const result: ScaleOutResult = {
      settings: {
        nodes: SCALE_NODES,
        cores: cpus().length,
        messages: plan.router.messages,
        commandRounds: plan.router.rounds,
        clients: plan.gateway.clients,
        stormRounds: plan.gateway.rounds,
      },
      commands,
      storms,
      ...summarizeScaleOut(commands, storms),
    };
    const { direct, router, connectRate } = result.threeOverOne;
    ctx.progress(
      `scale-out: three nodes ÷ one: direct ${formatRatio(direct.ratio)}, router ${formatRatio(router.ratio)}, storm connect rate ${formatRatio(connectRate.ratio)}`,
    );
    return result;
  } finally {
    await closeBenches(benches).catch(() => undefined);
    await scaled.stop();
  }
}

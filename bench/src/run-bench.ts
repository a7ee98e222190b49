// The performance lab: plans the run, starts the bench's own fleet (and the stock node), runs each scenario,
// always stops what it started, and writes results.json, report.md and the charts.
import { cpus, release, totalmem } from 'node:os';
import type { Gateway } from '@fedgate/topology';
import { assessTargets } from './assess-targets.ts';
import { planBench, type BenchOptions, type BenchPlan, type ScenarioName } from './bench-options.ts';
import { startBenchFleet, type BenchFleet } from './bench-fleet.ts';
import { startIdentityFleet } from './identity-fleet.ts';
import { BENCH_SECRETS_FILE, benchTopologyYaml } from './bench-topology.ts';
import type { BenchResults, MachineInfo, ScenarioResults } from './bench-results.ts';
import { writeReport } from './report/write-report.ts';
import { CollectorRegistry } from './run-collector.ts';
import { runColdStartScenario } from './scenarios/cold-start.ts';
import { runDirectoryScenario } from './scenarios/directory.ts';
import { runDownlinkScenario } from './scenarios/downlink.ts';
import { runGatewayScenario } from './scenarios/gateway.ts';
import { runRouterScenario } from './scenarios/router.ts';
import { runRoutingScenario } from './scenarios/routing.ts';
import { runScaleOutScenario } from './scenarios/scale-out.ts';
import type { ScenarioContext } from './scenarios/scenario-context.ts';
import { startStockNode, type StockNode } from './stock-node.ts';

export interface RunBenchOptions extends BenchOptions {
  /** Aborting stops the run at its next step; the fleet is still stopped and nothing is written. */
  readonly signal?: AbortSignal;
}

export interface BenchOutcome {
  readonly results: BenchResults;
  readonly outDir: string;
  readonly files: readonly string[];
}

/** The gateway the storm runs against (the fleet's last); the stock node gets the same plugins. */
function profileGateway(gateways: number, portOffset: number): Gateway {
  return benchTopologyYaml(gateways, BENCH_SECRETS_FILE, portOffset).topology.gateways.at(-1)!;
}

async function machineInfo(fleet: BenchFleet | undefined): Promise<MachineInfo> {
  const overview = fleet
    ? await fleet.fleet
        .admin(fleet.fleet.topology.backend.name)
        .get<{ rabbitmq_version?: string; erlang_version?: string }>('/overview')
        .catch(() => undefined)
    : undefined;
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: totalmem() / 1024 ** 3,
    kernel: release(),
    node: process.version,
    ...(overview?.rabbitmq_version ? { rabbitmq: overview.rabbitmq_version } : {}),
    ...(overview?.erlang_version ? { erlang: overview.erlang_version } : {}),
  };
}

/** Runs one fleet scenario and stores its result. */
async function runFleetScenario(name: ScenarioName, ctx: ScenarioContext, scenarios: ScenarioResults, stormFailure: unknown): Promise<void> {
  if (name === 'downlink') scenarios.downlink = await runDownlinkScenario(ctx);
  else if (name === 'router') scenarios.router = await runRouterScenario(ctx);
  else if (name === 'routing') scenarios.routing = await runRoutingScenario(ctx);
  else if (name === 'scale-out') scenarios.scaleOut = await runScaleOutScenario(ctx);
  else if (name === 'cold-start') scenarios.coldStart = await runColdStartScenario(ctx);
  else if (name === 'gateway') {
    if (stormFailure !== undefined) throw stormFailure;
    scenarios.gateway = await runGatewayScenario(ctx);
  }
}

interface BenchNodes {
  readonly fleet?: BenchFleet;
  readonly stock?: StockNode;
  /** The TLS fleet for certificate and token logins, started with the stock node for the storms. */
  readonly identity?: BenchFleet;
}

/**
 * The bench fleet, and for the gateway scenario the stock node and the identity fleet; what the storms need and
 * could not start is kept as their failure, so the other scenarios still run.
 */
async function startNodes(plan: BenchPlan, cwd: string, progress: (line: string) => void, storms: boolean) {
  progress(
    `starting the bench fleet: backend + ${plan.gateways} gateways${storms ? ', a stock gateway node and the TLS fleet for certificate and token logins' : ''} (state in ${plan.stateDir})`,
  );
  const [started, stockNode, identityFleet] = await Promise.allSettled([
    startBenchFleet(cwd, plan.stateDir, plan.gateways, plan.portOffset, progress),
    storms ? startStockNode(plan.stateDir, profileGateway(plan.gateways, plan.portOffset), plan.portOffset, progress) : Promise.resolve(undefined),
    // Admits the storm with room to spare, as the bench fleet's gateways do.
    storms ? startIdentityFleet(cwd, plan.stateDir, plan.gateway.clients + 2_000, plan.portOffset, progress) : Promise.resolve(undefined),
  ]);
  const stock = stockNode.status === 'fulfilled' ? stockNode.value : undefined;
  const identity = identityFleet.status === 'fulfilled' ? identityFleet.value : undefined;
  const failed = [stockNode, identityFleet].find((r) => r.status === 'rejected');
  const stormFailure: unknown = failed?.status === 'rejected' ? failed.reason : undefined;
  if (started.status === 'rejected') {
    await stopNodes({ ...(stock ? { stock } : {}), ...(identity ? { identity } : {}) }, () => undefined);
    throw started.reason;
  }
  return { fleet: started.value, stock, identity, stormFailure };
}

/** Stops what a run started, whatever happened to it. */
async function stopNodes(nodes: BenchNodes, report: (line: string) => void): Promise<void> {
  if (nodes.stock) {
    report('stopping the stock node');
    await nodes.stock.stop().catch(() => undefined);
  }
  if (nodes.identity) {
    report('stopping the identity fleet');
    await nodes.identity.stop().catch((err: Error) => report(`could not stop the identity fleet: ${err.message}`));
  }
  if (nodes.fleet) {
    report('stopping the bench fleet');
    await nodes.fleet.stop().catch((err: Error) => report(`could not stop the bench fleet: ${err.message}`));
  }
}

/** Runs each scenario of the plan, the fleet-free one first; a failing scenario is recorded and the others still run. */
async function runScenarios(plan: BenchPlan, cwd: string, options: RunBenchOptions, progress: (line: string) => void) {
  const scenarios: ScenarioResults = {};
  const failures: { scenario: string; message: string }[] = [];
  const attempt = async (name: ScenarioName, run: () => Promise<void>) => {
    const t0 = performance.now();
    progress(`${name}: starting`);
    try {
      await run();
      progress(`${name}: done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      const message = err instanceof Error ? err.message : String(err);
      failures.push({ scenario: name, message });
      options.onProgress?.(`${name}: FAILED: ${message}`);
    }
  };
  // Pure CPU and memory work first, before any node competes for the machine's cores.
  if (plan.scenarios.includes('directory')) await attempt('directory', async () => void (scenarios.directory = await runDirectoryScenario(plan, cwd)));
  const withFleet = plan.scenarios.filter((s) => s !== 'directory');
  if (withFleet.length === 0) return { scenarios, failures, machine: await machineInfo(undefined) };
  let nodes: Awaited<ReturnType<typeof startNodes>> | undefined;
  try {
    nodes = await startNodes(plan, cwd, progress, withFleet.includes('gateway'));
    const { fleet, stock, identity, stormFailure } = nodes;
    const ctx: ScenarioContext = {
      plan,
      cwd,
      fleet,
      ...(stock ? { stock } : {}),
      ...(identity ? { identity } : {}),
      collectors: new CollectorRegistry(),
      progress,
      ...(options.signal ? { signal: options.signal } : {}),
    };
    for (const name of withFleet) await attempt(name, () => runFleetScenario(name, ctx, scenarios, stormFailure));
    return { scenarios, failures, machine: await machineInfo(fleet) };
  } finally {
    await stopNodes(nodes ?? {}, options.onProgress ?? (() => {}));
  }
}

export async function runBench(options: RunBenchOptions): Promise<BenchOutcome> {
  const cwd = options.cwd ?? process.cwd();
  const report = options.onProgress ?? (() => {});
  // Every step reports a line; a line after an abort ends the run there (finally blocks still clean up).
  const progress = (line: string) => {
    options.signal?.throwIfAborted();
    report(line);
  };
  const plan = planBench({ ...options, cwd, onProgress: progress });
  const startedAt = new Date();
  const { scenarios, failures, machine } = await runScenarios(plan, cwd, options, progress);
  const finishedAt = new Date();
  const results: BenchResults = {
    format: 'fedgate-bench/1',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    mode: plan.quick ? 'quick' : 'full',
    command: ['fedgate bench', options.scenario ?? '', plan.quick ? '--quick' : ''].filter(Boolean).join(' '),
    machine,
    settings: { gateways: plan.gateways, rounds: plan.rounds, messageBytes: plan.messageBytes },
    scenarios,
    targets: assessTargets(scenarios),
    failures,
  };
  const { files } = await writeReport(results, plan.outDir);
  report(`wrote ${files.length} files to ${plan.outDir}`);
  return { results, outDir: plan.outDir, files };
}

// The performance lab: plans the run, starts the bench's own fleet (and the stock node), runs each scenario,
// always stops what it started, and writes results.json, report.md and the charts.
import { cpus, release, totalmem } from 'node:os';
import type { Gateway } from '@fedgate/topology';
import { assessTargets } from './assess-targets.ts';
import { planBench, type BenchOptions, type BenchPlan, type ScenarioName } from './bench-options.ts';
import { startBenchFleet, type BenchFleet } from './bench-fleet.ts';
import { BENCH_SECRETS_FILE, benchTopologyYaml } from './bench-topology.ts';
import type { BenchResults, MachineInfo, ScenarioResults } from './bench-results.ts';
import { writeReport } from './report/write-report.ts';
import { CollectorRegistry } from './run-collector.ts';
import { runDirectoryScenario } from './scenarios/directory.ts';
import { runDownlinkScenario } from './scenarios/downlink.ts';
import { runGatewayScenario } from './scenarios/gateway.ts';
import { runRouterScenario } from './scenarios/router.ts';
import { runRoutingScenario } from './scenarios/routing.ts';
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
async function runFleetScenario(name: ScenarioName, ctx: ScenarioContext, scenarios: ScenarioResults, stockFailure: unknown): Promise<void> {
  if (name === 'downlink') scenarios.downlink = await runDownlinkScenario(ctx);
  else if (name === 'router') scenarios.router = await runRouterScenario(ctx);
  else if (name === 'routing') scenarios.routing = await runRoutingScenario(ctx);
  else if (name === 'gateway') {
    if (stockFailure !== undefined) throw stockFailure;
    scenarios.gateway = await runGatewayScenario(ctx);
  }
}

/** The bench fleet, and the stock node when the gateway scenario runs; a stock node that failed is kept as its reason. */
async function startNodes(plan: BenchPlan, cwd: string, progress: (line: string) => void, withStock: boolean) {
  progress(`starting the bench fleet: backend + ${plan.gateways} gateways${withStock ? ' and a stock gateway node' : ''} (state in ${plan.stateDir})`);
  const [started, stockNode] = await Promise.allSettled([
    startBenchFleet(cwd, plan.stateDir, plan.gateways, plan.portOffset, progress),
    withStock ? startStockNode(plan.stateDir, profileGateway(plan.gateways, plan.portOffset), plan.portOffset, progress) : Promise.resolve(undefined),
  ]);
  const stock = stockNode.status === 'fulfilled' ? stockNode.value : undefined;
  const stockFailure: unknown = stockNode.status === 'rejected' ? stockNode.reason : undefined;
  if (started.status === 'rejected') {
    await stock?.stop().catch(() => undefined);
    throw started.reason;
  }
  return { fleet: started.value, stock, stockFailure };
}

/** Stops what a run started, whatever happened to it. */
async function stopNodes(fleet: BenchFleet | undefined, stock: StockNode | undefined, report: (line: string) => void): Promise<void> {
  if (stock) {
    report('stopping the stock node');
    await stock.stop().catch(() => undefined);
  }
  if (fleet) {
    report('stopping the bench fleet');
    await fleet.stop().catch((err: Error) => report(`could not stop the bench fleet: ${err.message}`));
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
    const { fleet, stock, stockFailure } = nodes;
    const ctx: ScenarioContext = { plan, cwd, fleet, ...(stock ? { stock } : {}), collectors: new CollectorRegistry(), progress };
    for (const name of withFleet) await attempt(name, () => runFleetScenario(name, ctx, scenarios, stockFailure));
    return { scenarios, failures, machine: await machineInfo(fleet) };
  } finally {
    await stopNodes(nodes?.fleet, nodes?.stock, options.onProgress ?? (() => {}));
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

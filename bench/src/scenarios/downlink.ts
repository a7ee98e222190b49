// Downlink link kinds: a shovel (gw1) vs exchange federation (gw2), across ack modes and prefetch. Commands are
// published straight to the backend's `fedgate.to.<gw>` (no router) and collected from the gateway's devices
// exchange, so only the link and its queues are measured.
import { compileGatewayDefinitions } from '@fedgate/broker-config';
import { seg } from '@fedgate/broker-admin';
import { DEVICES_EXCHANGE, commandRoutingKey, downlinkName, gatewayExchange, upstreamName, type Gateway, type Topology } from '@fedgate/topology';
import { openPublisher, openSink } from '../amqp-traffic.ts';
import type { DownlinkVariant } from '../bench-options.ts';
import { formatCpuPerMessage, formatMs, formatRate, formatShare } from '../format-figures.ts';
import { measureBurst, measurePaced, probePath, type RunFigures, type RunSpec } from '../measure-run.ts';
import { median } from '../percentiles.ts';
import { pairedRatio, type PairedRatio } from '../paired-ratio.ts';
import type { ScenarioContext } from './scenario-context.ts';

const DEVICE = 'bench-downlink';

export interface DownlinkRun {
  readonly variant: string;
  readonly round: number;
  readonly mode: 'burst' | 'paced';
  readonly figures: RunFigures;
}

export interface DownlinkSummary {
  readonly variant: string;
  readonly kind: DownlinkVariant['kind'];
  readonly ackMode: DownlinkVariant['ackMode'];
  readonly prefetch: number;
  /** Medians over rounds. */
  readonly msgPerSec: number;
  readonly cpuMicrosPerMessage: number;
  readonly pacedP50Ms: number;
  readonly pacedP99Ms: number;
  readonly lostInBurst: number;
  /** Runs left out of the medians because they lost or failed messages. */
  readonly droppedRuns: number;
}

export interface DownlinkResult {
  readonly settings: { messages: number; messageBytes: number; pacedRate: number; pacedSeconds: number; rounds: number; persistent: true };
  readonly runs: readonly DownlinkRun[];
  readonly summary: readonly DownlinkSummary[];
  /** shovel ÷ federation msg/s at on-confirm and prefetch 1000 (the defaults' comparison), over paired rounds. */
  readonly shovelOverFederation: PairedRatio;
  /** The on-confirm variant with the highest throughput: the fastest that keeps at-least-once when a node fails. */
  readonly fastestOnConfirm: string;
  /** The variant with the highest throughput of all (no-ack and on-publish can lose messages when a link or node fails). */
  readonly fastest: string;
}

export function variantLabel(v: DownlinkVariant): string {
  return `${v.kind} ${v.ackMode} p${v.prefetch}`;
}

/** Rewrites the gateway's downlink (shovel parameter or federation upstream) as broker-config compiles it for `v`. */
async function configureDownlink(ctx: ScenarioContext, topology: Topology, gw: Gateway, v: DownlinkVariant): Promise<void> {
  const changed: Gateway = { ...gw, downlink: { kind: v.kind, ackMode: v.ackMode, prefetch: v.prefetch } };
  const t: Topology = { ...topology, gateways: topology.gateways.map((g) => (g.name === gw.name ? changed : g)) };
  const definitions = compileGatewayDefinitions(t, changed, ctx.fleet.fleet.secrets);
  const name = v.kind === 'shovel' ? downlinkName(gw.name) : upstreamName(gw.name);
  const parameter = definitions.parameters.find((p) => p.name === name);
  if (!parameter) throw new Error(`broker-config compiled no downlink parameter ${name} for ${gw.name}`);
  const admin = ctx.fleet.fleet.admin(gw.name);
  await admin.put(`/parameters/${parameter.component}/${seg(parameter.vhost)}/${seg(parameter.name)}`, parameter);
}

/** Throughput and latency of each variant, computed from the runs; runs that lost or failed messages are left out. */
export function summarizeDownlink(variants: readonly DownlinkVariant[], runs: readonly DownlinkRun[]): DownlinkSummary[] {
  return variants.map((v): DownlinkSummary => {
    const all = (mode: 'burst' | 'paced') => runs.filter((r) => r.mode === mode && r.variant === variantLabel(v)).map((r) => r.figures);
    const of = (mode: 'burst' | 'paced') => all(mode).filter((f) => !f.failed);
    return {
      variant: variantLabel(v),
      kind: v.kind,
      ackMode: v.ackMode,
      prefetch: v.prefetch,
      msgPerSec: median(of('burst').map((f) => f.msgPerSec)),
      cpuMicrosPerMessage: median(of('burst').map((f) => f.cpuSecondsPerMessage * 1e6)),
      pacedP50Ms: median(of('paced').map((f) => f.latencyMs.p50)),
      pacedP99Ms: median(of('paced').map((f) => f.latencyMs.p99)),
      lostInBurst: all('burst').reduce((n, f) => n + f.messages - f.received, 0),
      droppedRuns: [...all('burst'), ...all('paced')].filter((f) => f.failed).length,
    };
  });
}

type MeasureVariant = (v: DownlinkVariant, mode: 'burst' | 'paced', round: number) => Promise<void>;

/** Bursts of every variant in alternating rounds, then every variant paced at half the slowest one's saturation. */
async function runDownlinkRounds(ctx: ScenarioContext, measure: MeasureVariant): Promise<void> {
  const { plan } = ctx;
  const variants = plan.downlink.variants;
  for (const mode of ['burst', 'paced'] as const) {
    for (let round = 1; round <= plan.rounds; round++) {
      for (const v of round % 2 === 1 ? variants : [...variants].reverse()) await measure(v, mode, round);
    }
  }
}

function progressLine(run: DownlinkRun, rounds: number, pacedRate: number): string {
  const f = run.figures;
  const lost = f.received < f.messages ? `, ${f.messages - f.received} lost` : '';
  const failed = f.failed ? ' (dropped)' : '';
  return run.mode === 'burst'
    ? `downlink: round ${run.round}/${rounds} ${run.variant}: ${formatRate(f.msgPerSec)}, ${formatCpuPerMessage(f.cpuSecondsPerMessage)}${lost}${failed} (others ${formatShare(f.otherCpuShare)})`
    : `downlink: paced ${formatRate(pacedRate)} round ${run.round}/${rounds} ${run.variant}: p50 ${formatMs(f.latencyMs.p50)}, p99 ${formatMs(f.latencyMs.p99)}${lost}${failed} (others ${formatShare(f.otherCpuShare)})`;
}

export async function runDownlinkScenario(ctx: ScenarioContext): Promise<DownlinkResult> {
  const { plan, fleet, collectors } = ctx;
  const topology = fleet.fleet.topology;
  const shovelGw = topology.gateways.find((g) => g.downlink.kind === 'shovel')!;
  const federationGw = topology.gateways.find((g) => g.downlink.kind === 'federation')!;
  const gatewayOf = (v: DownlinkVariant) => (v.kind === 'shovel' ? shovelGw : federationGw);
  const routingKey = () => commandRoutingKey(DEVICE, 'set');
  const sinks = await Promise.all(
    [shovelGw, federationGw].map((gw) => openSink(fleet.amqpUri(gw.name), DEVICES_EXCHANGE, [`devices.${DEVICE}.commands.#`], collectors)),
  );
  const publisher = await openPublisher(fleet.amqpUri(topology.backend.name), plan.messageBytes);
  const cpu = [
    { label: 'bench', pids: () => [process.pid] },
    { label: 'broker', pids: () => fleet.brokerPids() },
  ];
  const spec = (v: DownlinkVariant): RunSpec => ({ publisher, collectors, exchange: gatewayExchange(gatewayOf(v).name), routingKey, cpu });
  const current = new Map<string, string>();
  const prepare = async (v: DownlinkVariant) => {
    const gw = gatewayOf(v);
    if (current.get(gw.name) !== variantLabel(v)) {
      await configureDownlink(ctx, topology, gw, v);
      current.set(gw.name, variantLabel(v));
      await new Promise((r) => setTimeout(r, 1_000)); // let the old link stop before probing the new one
    }
    await probePath(spec(v), 60_000, `downlink ${variantLabel(v)} to ${gw.name}`);
  };
  const runs: DownlinkRun[] = [];
  let pacedRate = Number.NaN;
  const measure: MeasureVariant = async (v, mode, round) => {
    await prepare(v);
    if (mode === 'paced' && Number.isNaN(pacedRate)) pacedRate = halfSlowest(plan.downlink.variants, runs);
    const figures = mode === 'burst' ? await measureBurst(spec(v), plan.downlink.messages) : await measurePaced(spec(v), pacedRate, plan.downlink.pacedSeconds);
    const run: DownlinkRun = { variant: variantLabel(v), round, mode, figures };
    runs.push(run);
    ctx.progress(progressLine(run, plan.rounds, pacedRate));
  };
  try {
    await runDownlinkRounds(ctx, measure);
    // Leave the fleet as the topology says, for the scenarios after this one.
    for (const gw of [shovelGw, federationGw]) await configureDownlink(ctx, topology, gw, gw.downlink);
    return downlinkResult(plan, runs, pacedRate);
  } finally {
    await publisher.close();
    await Promise.all(sinks.map((s) => s.close()));
  }
}

/** Latency without a backlog: every variant at the same rate, half the slowest one's saturation in the bursts. */
function halfSlowest(variants: readonly DownlinkVariant[], runs: readonly DownlinkRun[]): number {
  const burstRate = (v: DownlinkVariant) =>
    median(runs.filter((r) => r.mode === 'burst' && r.variant === variantLabel(v) && !r.figures.failed).map((r) => r.figures.msgPerSec));
  return Math.max(50, Math.floor(Math.min(...variants.map(burstRate).filter((x) => Number.isFinite(x))) / 2));
}

function downlinkResult(plan: ScenarioContext['plan'], runs: readonly DownlinkRun[], pacedRate: number): DownlinkResult {
  const summary = summarizeDownlink(plan.downlink.variants, runs);
  const perRound = (label: string) =>
    runs
      .filter((r) => r.mode === 'burst' && r.variant === label)
      .map((r) => ({ value: r.figures.msgPerSec, otherShare: r.figures.otherCpuShare, failed: r.figures.failed }));
  const byRate = [...summary].sort((a, b) => b.msgPerSec - a.msgPerSec);
  const safe = byRate.filter((s) => s.ackMode === 'on-confirm' && s.lostInBurst === 0);
  return {
    settings: {
      messages: plan.downlink.messages,
      messageBytes: plan.messageBytes,
      pacedRate,
      pacedSeconds: plan.downlink.pacedSeconds,
      rounds: plan.rounds,
      persistent: true,
    },
    runs,
    summary,
    shovelOverFederation: pairedRatio(perRound('shovel on-confirm p1000'), perRound('federation on-confirm p1000')),
    fastestOnConfirm: safe[0]?.variant ?? 'none',
    fastest: byRate[0]?.variant ?? 'none',
  };
}

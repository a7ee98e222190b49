// Downlink link kinds: a shovel (gw1) vs exchange federation (gw2), across ack modes and prefetch. Commands are
// published straight to the backend's `fedgate.to.<gw>` (no router) and collected from the gateway's devices
// exchange, so only the link and its queues are measured.
import { compileGatewayDefinitions } from '@fedgate/broker-config';
import { seg } from '@fedgate/broker-admin';
import { DEVICES_EXCHANGE, commandRoutingKey, downlinkName, gatewayExchange, upstreamName, type Gateway, type Topology } from '@fedgate/topology';
import { openPublisher, openSink } from '../amqp-traffic.ts';
import type { DownlinkVariant } from '../bench-options.ts';
import { formatCpuPerMessage, formatMs, formatRate, formatRatio, formatShare } from '../format-figures.ts';
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
  try {
    const variants = plan.downlink.variants;
    for (let round = 1; round <= plan.rounds; round++) {
      for (const v of variants) {
        await prepare(v);
        const figures = await measureBurst(spec(v), plan.downlink.messages);
        runs.push({ variant: variantLabel(v), round, mode: 'burst', figures });
        ctx.progress(
          `downlink: round ${round}/${plan.rounds} ${variantLabel(v)}: ${formatRate(figures.msgPerSec)}, ${formatCpuPerMessage(figures.cpuSecondsPerMessage)}${figures.received < figures.messages ? `, ${figures.messages - figures.received} lost` : ''} (others ${formatShare(figures.otherCpuShare)})`,
        );
      }
    }
    // Latency without a backlog: every variant at the same rate, half the slowest one's saturation.
    const burstRate = (v: DownlinkVariant) => median(runs.filter((r) => r.mode === 'burst' && r.variant === variantLabel(v)).map((r) => r.figures.msgPerSec));
    const pacedRate = Math.max(50, Math.floor(Math.min(...variants.map(burstRate)) / 2));
    for (let round = 1; round <= plan.rounds; round++) {
      for (const v of variants) {
        await prepare(v);
        const figures = await measurePaced(spec(v), pacedRate, plan.downlink.pacedSeconds);
        runs.push({ variant: variantLabel(v), round, mode: 'paced', figures });
        ctx.progress(
          `downlink: paced ${formatRate(pacedRate)} round ${round}/${plan.rounds} ${variantLabel(v)}: p50 ${formatMs(figures.latencyMs.p50)}, p99 ${formatMs(figures.latencyMs.p99)} (others ${formatShare(figures.otherCpuShare)})`,
        );
      }
    }
    // Leave the fleet as the topology says, for the scenarios after this one.
    for (const gw of [shovelGw, federationGw]) await configureDownlink(ctx, topology, gw, gw.downlink);

    const summary = variants.map((v): DownlinkSummary => {
      const of = (mode: 'burst' | 'paced') => runs.filter((r) => r.mode === mode && r.variant === variantLabel(v)).map((r) => r.figures);
      return {
        variant: variantLabel(v),
        kind: v.kind,
        ackMode: v.ackMode,
        prefetch: v.prefetch,
        msgPerSec: median(of('burst').map((f) => f.msgPerSec)),
        cpuMicrosPerMessage: median(of('burst').map((f) => f.cpuSecondsPerMessage * 1e6)),
        pacedP50Ms: median(of('paced').map((f) => f.latencyMs.p50)),
        pacedP99Ms: median(of('paced').map((f) => f.latencyMs.p99)),
        lostInBurst: of('burst').reduce((n, f) => n + f.messages - f.received, 0),
      };
    });
    const perRound = (label: string) =>
      runs.filter((r) => r.mode === 'burst' && r.variant === label).map((r) => ({ value: r.figures.msgPerSec, otherShare: r.figures.otherCpuShare }));
    const shovelOverFederation = pairedRatio(perRound('shovel on-confirm p1000'), perRound('federation on-confirm p1000'));
    const byRate = [...summary].sort((a, b) => b.msgPerSec - a.msgPerSec);
    const safe = byRate.filter((s) => s.ackMode === 'on-confirm' && s.lostInBurst === 0);
    ctx.progress(`downlink: shovel ÷ federation (on-confirm, p1000) = ${formatRatio(shovelOverFederation.ratio)}`);
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
      shovelOverFederation,
      fastestOnConfirm: safe[0]?.variant ?? 'none',
      fastest: byRate[0]?.variant ?? 'none',
    };
  } finally {
    await publisher.close();
    await Promise.all(sinks.map((s) => s.close()));
  }
}

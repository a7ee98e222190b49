// Routing amplification with N gateways: how many messages cross backend→gateway links per command when
//  - the router sends each command to its device's gateway (fedgate's way),
//  - every command is broadcast to all gateways (`fedgate.broadcast`, what you do without a directory),
//  - exchange federation propagates device bindings: each gateway federates its devices exchange from a backend
//    exchange, so the backend forwards only commands some device there subscribed to.
// Crossing is counted where the links deliver, on each gateway's `fedgate.devices`: a command either reaches the
// subscribed MQTT device there or, matching no subscription, goes to an alternate exchange the bench counts.
import mqtt, { type MqttClient } from 'mqtt';
import amqp from 'amqplib';
import { seg } from '@fedgate/broker-admin';
import { BROADCAST_EXCHANGE, COMMANDS_EXCHANGE, DEVICE_USER, DEVICES_EXCHANGE, commandRoutingKey, commandTopicFilter, type Gateway } from '@fedgate/topology';
import { openPublisher, type Publisher } from '../amqp-traffic.ts';
import { formatCpuPerMessage, formatRate, formatRatio, formatShare } from '../format-figures.ts';
import { DEFAULT_IDLE_MS, DEFAULT_RUN_TIMEOUT_MS } from '../measure-run.ts';
import { median, summarizeLatencies, type LatencySummary } from '../percentiles.ts';
import { startCpuMeter } from '../proc-stat.ts';
import { startRouterProcess, type RouterProcess } from '../router-process.ts';
import { readStamp } from '../stamped-payload.ts';
import type { ScenarioContext } from './scenario-context.ts';

export const ROUTING_VARIANTS = ['router-directed', 'broadcast-to-all', 'federation-bindings'] as const;
export type RoutingVariant = (typeof ROUTING_VARIANTS)[number];

const PROPAGATE_EXCHANGE = 'bench.propagate';
const PROPAGATE_UPSTREAM = 'bench-propagate';
const UNROUTED_EXCHANGE = 'bench.unrouted';
const POLICY = 'bench-amplification';

export interface RoutingRun {
  readonly variant: RoutingVariant;
  readonly round: number;
  readonly commands: number;
  readonly deliveredToDevices: number;
  /** Commands that crossed a link to a gateway where no device wanted them. */
  readonly unroutedAtGateways: number;
  /** (delivered + unrouted) ÷ commands: messages crossing backend→gateway links per command. */
  readonly amplification: number;
  readonly crossingsByGateway: Record<string, number>;
  readonly seconds: number;
  readonly msgPerSec: number;
  readonly latencyMs: LatencySummary;
  readonly cpuSeconds: Record<string, number>;
  readonly cpuSecondsPerCommand: number;
  /** Share of the machine's CPU other processes used during the run. */
  readonly otherCpuShare: number;
  /** Some device did not get its command: the run is left out of the summary and counted. */
  readonly failed: boolean;
}

export interface RoutingResult {
  readonly settings: { gateways: number; devicesPerGateway: number; commands: number; messageBytes: number; rounds: number; mqttQos: 1 };
  readonly runs: readonly RoutingRun[];
  readonly summary: readonly {
    variant: RoutingVariant;
    amplification: number;
    msgPerSec: number;
    p50Ms: number;
    p99Ms: number;
    cpuMicrosPerCommand: number;
    droppedRuns: number;
  }[];
}

/** Counts, per run id, arrivals at devices (unique per sequence number) and at each gateway's alternate exchange. */
class CrossingCounter {
  runId = -1;
  expected = 0;
  delivered = new Set<number>();
  unrouted = new Map<string, number>();
  byGateway = new Map<string, number>();
  latencies: number[] = [];
  firstAt = Number.NaN;
  lastAt = Number.NaN;
  lastProgress = 0;

  reset(runId: number, expected: number): void {
    Object.assign(this, {
      runId,
      expected,
      delivered: new Set(),
      unrouted: new Map(),
      byGateway: new Map(),
      latencies: [],
      firstAt: Number.NaN,
      lastAt: Number.NaN,
      lastProgress: performance.now(),
    });
  }

  device(gateway: string, payload: Buffer): void {
    const stamp = readStamp(payload);
    if (!stamp || stamp.runId !== this.runId || this.delivered.has(stamp.seq)) return;
    const now = performance.now();
    this.delivered.add(stamp.seq);
    this.latencies.push(now - stamp.sentAt);
    if (Number.isNaN(this.firstAt)) this.firstAt = now;
    this.lastAt = now;
    this.lastProgress = now;
    this.byGateway.set(gateway, (this.byGateway.get(gateway) ?? 0) + 1);
  }

  unroutable(gateway: string, payload: Buffer): void {
    const stamp = readStamp(payload);
    if (!stamp || stamp.runId !== this.runId) return;
    this.lastProgress = performance.now();
    const key = `${gateway}:${stamp.seq}`;
    if (this.unrouted.has(key)) return;
    this.unrouted.set(key, 1);
    this.byGateway.set(gateway, (this.byGateway.get(gateway) ?? 0) + 1);
  }
}

async function mqttConnect(url: string, clientId: string, username: string, password: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, { clientId, username, password, clean: true, reconnectPeriod: 0, keepalive: 60 });
}

interface RoutingDevice {
  readonly id: string;
  readonly gateway: Gateway;
  readonly client: MqttClient;
}

/**
 * On every gateway: an alternate exchange on `fedgate.devices` whose arrivals the counter sees, and federation of
 * `fedgate.devices` from the backend's propagation exchange. Returns what undoes it, last first.
 */
async function prepareGateways(ctx: ScenarioContext, counter: CrossingCounter): Promise<(() => Promise<unknown>)[]> {
  const { fleet } = ctx;
  const topology = fleet.fleet.topology;
  const backend = topology.backend.name;
  const vhost = seg(topology.vhost);
  const closers: (() => Promise<unknown>)[] = [];
  await fleet.fleet.admin(backend).put(`/exchanges/${vhost}/${seg(PROPAGATE_EXCHANGE)}`, { type: 'topic', durable: true });
  closers.push(() => fleet.fleet.admin(backend).delete(`/exchanges/${vhost}/${seg(PROPAGATE_EXCHANGE)}`));
  for (const gw of topology.gateways) {
    const admin = fleet.fleet.admin(gw.name);
    // Count what reaches the gateway but matches no subscription.
    const connection = await amqp.connect(fleet.amqpUri(gw.name));
    closers.push(() => connection.close());
    const channel = await connection.createChannel();
    await channel.assertExchange(UNROUTED_EXCHANGE, 'fanout', { durable: false, autoDelete: false });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, UNROUTED_EXCHANGE, '');
    await channel.consume(queue, (m) => m && counter.unroutable(gw.name, m.content), { noAck: true });
    await admin.put(`/parameters/federation-upstream/${vhost}/${seg(PROPAGATE_UPSTREAM)}`, {
      value: {
        uri: fleet.amqpUri(backend),
        exchange: PROPAGATE_EXCHANGE,
        'max-hops': 1,
        'ack-mode': 'on-confirm',
        'prefetch-count': 1000,
        'trust-user-id': false,
      },
    });
    await admin.put(`/policies/${vhost}/${POLICY}`, {
      pattern: `^${DEVICES_EXCHANGE.replace(/\./g, '\\.')}$`,
      'apply-to': 'exchanges',
      priority: 100,
      definition: { 'alternate-exchange': UNROUTED_EXCHANGE, 'federation-upstream': PROPAGATE_UPSTREAM },
    });
    closers.push(async () => {
      await admin.delete(`/policies/${vhost}/${POLICY}`).catch(() => undefined);
      await admin.delete(`/parameters/federation-upstream/${vhost}/${seg(PROPAGATE_UPSTREAM)}`).catch(() => undefined);
    });
  }
  return closers.reverse();
}

/** Connects `devicesPerGateway` MQTT devices to each gateway, each subscribed (QoS 1) to its own commands. */
async function connectDevices(ctx: ScenarioContext, counter: CrossingCounter, devices: RoutingDevice[]): Promise<void> {
  const { plan, fleet } = ctx;
  const gateways = fleet.fleet.topology.gateways;
  ctx.progress(`routing: connecting ${plan.routing.devicesPerGateway} MQTT devices to each of ${gateways.length} gateways`);
  for (const gw of gateways) {
    const password = fleet.fleet.secrets.password(gw.name, DEVICE_USER);
    for (let k = 0; k < plan.routing.devicesPerGateway; k++) {
      const id = `bench-${gw.name}-${k}`;
      const client = await mqttConnect(`mqtt://${gw.host}:${gw.ports.mqtt}`, id, DEVICE_USER, password);
      client.on('message', (_topic, payload) => counter.device(gw.name, payload));
      await client.subscribeAsync(commandTopicFilter(id), { qos: 1 });
      devices.push({ id, gateway: gw, client });
    }
  }
}

/** Ready when the router placed every device and federation propagated every device's binding to the backend. */
async function waitUntilPlaced(ctx: ScenarioContext, router: RouterProcess, known: number, devices: number): Promise<void> {
  const topology = ctx.fleet.fleet.topology;
  const bindingsUrl = `/exchanges/${seg(topology.vhost)}/${seg(PROPAGATE_EXCHANGE)}/bindings/source`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const placed = (await router.directorySize()) - known;
    const bindings = await ctx.fleet.fleet.admin(topology.backend.name).get<{ routing_key: string }[]>(bindingsUrl);
    const propagated = new Set(bindings.map((b) => b.routing_key).filter((k) => k.startsWith('devices.bench-gw'))).size;
    if (placed >= devices && propagated >= devices) return;
    if (Date.now() > deadline) throw new Error(`devices not ready after 60 s: router placed ${placed}, federation propagated ${propagated} of ${devices}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const EXCHANGE_OF: Record<RoutingVariant, string> = {
  'router-directed': COMMANDS_EXCHANGE,
  'broadcast-to-all': BROADCAST_EXCHANGE,
  'federation-bindings': PROPAGATE_EXCHANGE,
};

/** One run: `commands` commands to pseudo-random devices (the same sequence every time), counted where they cross. */
async function measureRouting(
  ctx: ScenarioContext,
  deps: { counter: CrossingCounter; publisher: Publisher; router: RouterProcess; devices: readonly RoutingDevice[] },
  variant: RoutingVariant,
  runId: number,
  commands: number,
) {
  const { counter, publisher, router, devices } = deps;
  counter.reset(runId, commands);
  const stopCpu = startCpuMeter([
    { label: 'bench', pids: () => [process.pid] },
    { label: 'router', pids: () => [router.pid] },
    { label: 'broker', pids: () => ctx.fleet.brokerPids() },
  ]);
  const target = (seq: number) => devices[(seq * 2_654_435_761) % devices.length]!.id;
  const { startedAt } = await publisher.burst(EXCHANGE_OF[variant], (seq) => commandRoutingKey(target(seq), 'set'), commands, runId, 200);
  const until = performance.now() + DEFAULT_RUN_TIMEOUT_MS;
  // Done when every device got its command and no crossing arrived for a moment (broadcast copies trail).
  while (performance.now() < until && (counter.delivered.size < commands || performance.now() - counter.lastProgress < 500)) {
    if (performance.now() - counter.lastProgress > DEFAULT_IDLE_MS) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const cpu = stopCpu();
  return { startedAt, cpuSeconds: cpu.byGroup, otherCpuShare: cpu.otherShare };
}

/** Pure: what the counter saw in one run. */
function routingRun(
  variant: RoutingVariant,
  round: number,
  commands: number,
  counter: CrossingCounter,
  measured: Awaited<ReturnType<typeof measureRouting>>,
): RoutingRun {
  const delivered = counter.delivered.size;
  const unrouted = counter.unrouted.size;
  const seconds = (counter.lastAt - measured.startedAt) / 1000;
  const cpuTotal = Object.values(measured.cpuSeconds).reduce((a, b) => a + b, 0);
  return {
    variant,
    round,
    commands,
    deliveredToDevices: delivered,
    unroutedAtGateways: unrouted,
    amplification: (delivered + unrouted) / commands,
    crossingsByGateway: Object.fromEntries(counter.byGateway),
    seconds,
    msgPerSec: delivered / seconds,
    latencyMs: summarizeLatencies(counter.latencies),
    cpuSeconds: measured.cpuSeconds,
    cpuSecondsPerCommand: cpuTotal / commands,
    otherCpuShare: measured.otherCpuShare,
    failed: delivered < commands,
  };
}

/** Pure: medians per variant over the runs where every device got its command; the others are counted. */
export function summarizeRouting(runs: readonly RoutingRun[]): RoutingResult['summary'] {
  return ROUTING_VARIANTS.map((variant) => {
    const all = runs.filter((r) => r.variant === variant);
    const of = all.filter((r) => !r.failed);
    return {
      variant,
      amplification: median(of.map((r) => r.amplification)),
      msgPerSec: median(of.map((r) => r.msgPerSec)),
      p50Ms: median(of.map((r) => r.latencyMs.p50)),
      p99Ms: median(of.map((r) => r.latencyMs.p99)),
      cpuMicrosPerCommand: median(of.map((r) => r.cpuSecondsPerCommand * 1e6)),
      droppedRuns: all.length - of.length,
    };
  });
}

export async function runRoutingScenario(ctx: ScenarioContext): Promise<RoutingResult> {
  const { plan, fleet } = ctx;
  const counter = new CrossingCounter();
  const devices: RoutingDevice[] = [];
  let closers: (() => Promise<unknown>)[] = [];
  let router: RouterProcess | undefined;
  let publisher: Publisher | undefined;
  const runs: RoutingRun[] = [];
  try {
    closers = await prepareGateways(ctx, counter);
    router = await startRouterProcess(ctx.cwd, fleet.topologyFile);
    const known = await router.directorySize();
    await connectDevices(ctx, counter, devices);
    await waitUntilPlaced(ctx, router, known, devices.length);
    publisher = await openPublisher(fleet.amqpUri(fleet.fleet.topology.backend.name), plan.messageBytes);
    const deps = { counter, publisher, router, devices };
    let runId = 1_000_000;
    // Warm every path once (links connect lazily, the first federation deliveries are slower).
    for (const variant of ROUTING_VARIANTS) await measureRouting(ctx, deps, variant, ++runId, 20);
    for (let round = 1; round <= plan.rounds; round++) {
      for (const variant of round % 2 === 1 ? ROUTING_VARIANTS : [...ROUTING_VARIANTS].reverse()) {
        const measured = await measureRouting(ctx, deps, variant, ++runId, plan.routing.commands);
        const run = routingRun(variant, round, plan.routing.commands, counter, measured);
        runs.push(run);
        ctx.progress(
          `routing: round ${round}/${plan.rounds} ${variant}: amplification ${formatRatio(run.amplification)} (${run.deliveredToDevices} delivered, ${run.unroutedAtGateways} unrouted), ` +
            `${formatRate(run.msgPerSec)}, ${formatCpuPerMessage(run.cpuSecondsPerCommand)}${run.failed ? ', some devices got nothing (dropped)' : ''} (others ${formatShare(run.otherCpuShare)})`,
        );
      }
    }
    const settings = { gateways: fleet.fleet.topology.gateways.length, devicesPerGateway: plan.routing.devicesPerGateway, commands: plan.routing.commands };
    return { settings: { ...settings, messageBytes: plan.messageBytes, rounds: plan.rounds, mqttQos: 1 }, runs, summary: summarizeRouting(runs) };
  } finally {
    await publisher?.close();
    await Promise.all(devices.map((d) => d.client.endAsync(true).catch(() => undefined)));
    await router?.stop();
    for (const close of closers) await close().catch(() => undefined);
  }
}

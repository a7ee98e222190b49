// Gateway under a reconnect storm: the same burst of MQTT clients against a fedgate gateway (broker-config's
// rabbitmq.conf and definitions, raised descriptor limit) and against a stock node (defaults, ~1,024 descriptors).
// Memory is the node's resident set from /proc; connections are counted on the client side.
import { cpus } from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import { DEVICE_USER } from '@fedgate/topology';
import type { ManagementClient } from '@fedgate/broker-admin';
import { formatBytes, formatRate, formatRatio, formatShare } from '../format-figures.ts';
import { median, percentile } from '../percentiles.ts';
import { pairedRatio, type PairedRatio } from '../paired-ratio.ts';
import { descriptorLimit, openDescriptors, residentBytes, startCpuMeter } from '../proc-stat.ts';
import type { ScenarioContext } from './scenario-context.ts';

export const GATEWAY_VARIANTS = ['fedgate profile', 'stock'] as const;
export type GatewayVariant = (typeof GATEWAY_VARIANTS)[number];
const GIB = 1024 ** 3;
/** A storm that made no progress for this long has ended (the rest keep failing). */
const STALL_MS = 8_000;
/** Sessions outlive their connection this long, then the node drops them (and their queues) by itself. */
const SESSION_EXPIRY_SECONDS = 20;

export interface StormRun {
  readonly variant: GatewayVariant;
  readonly round: number;
  readonly clients: number;
  readonly connected: number;
  /** Devices whose QoS 1 subscription the node granted. */
  readonly subscribed: number;
  /** Connection attempts that closed before the client ever connected (each client retries every second, as devices do). */
  readonly failedAttempts: number;
  /** Connections that closed after they had connected (the node dropped them). */
  readonly dropped: number;
  /** From the storm's start to the last device that subscribed. */
  readonly seconds: number;
  readonly connectsPerSec: number;
  readonly connectP50Ms: number;
  readonly connectP99Ms: number;
  readonly rssBeforeBytes: number;
  readonly rssAfterBytes: number;
  /** Resident memory the storm added, per device subscribed (its connection and QoS 1 session). */
  readonly bytesPerConnection: number;
  /** Connections held per GiB of the node's resident memory after the storm. */
  readonly connectionsPerGiB: number;
  readonly descriptorLimit: number | undefined;
  readonly descriptorsOpen: number;
  /** The management API answered within 10 s after the storm (its default request timeout). */
  readonly nodeResponsive: boolean;
  readonly alarms: string;
  readonly nodeCpuSeconds: number;
  /** Share of the machine's CPU that processes other than this node and the bench used during the storm. */
  readonly otherCpuShare: number;
}

export interface GatewayResult {
  readonly settings: { clients: number; rounds: number; deadlineSeconds: number; keepaliveSeconds: number; reconnectPeriodMs: number; cores: number };
  readonly runs: readonly StormRun[];
  readonly summary: readonly {
    variant: GatewayVariant;
    connected: number;
    subscribed: number;
    /** Median time for the storm to be subscribed (to the last device). */
    seconds: number;
    connectsPerSec: number;
    bytesPerConnection: number;
    connectionsPerGiB: number;
    /** Node CPU per subscribed device, and the node's share of the machine during the storm. */
    cpuMsPerDevice: number;
    nodeCpuShare: number;
    otherCpuShare: number;
  }[];
  /** fedgate profile ÷ stock connections held per GiB, over paired rounds (target ≥ 2). */
  readonly profileOverStock: PairedRatio;
}

interface StormTarget {
  readonly url: string;
  readonly pid: number;
  readonly username: string;
  readonly password: string;
  readonly admin: ManagementClient;
}

async function storm(target: StormTarget, variant: GatewayVariant, round: number, clients: number, deadlineSeconds: number): Promise<StormRun> {
  const pid = target.pid;
  const rssBefore = residentBytes(pid);
  const descriptorsBefore = openDescriptors(pid);
  const stopCpu = startCpuMeter([
    { label: 'node', pids: () => [pid] },
    { label: 'bench', pids: () => [process.pid] },
  ]);
  const started = performance.now();
  const subscribedMs: number[] = [];
  let failed = 0;
  let dropped = 0;
  let lastProgress = started;
  const open: MqttClient[] = [];
  for (let i = 0; i < clients; i++) {
    // All at once, like devices after an outage; each retries every second as a device would, and holds a QoS 1
    // session (MQTT 5, expiring a minute after it leaves so the node is clean for the next variant).
    const clientId = `storm-${round}-${i}`;
    const client = mqtt.connect(target.url, {
      clientId,
      username: target.username,
      password: target.password,
      protocolVersion: 5,
      clean: true,
      properties: { sessionExpiryInterval: SESSION_EXPIRY_SECONDS },
      reconnectPeriod: 1_000,
      connectTimeout: 30_000,
      keepalive: 120,
    });
    let everConnected = false;
    let subscribed = false;
    client.on('connect', () => {
      everConnected = true;
      lastProgress = performance.now();
      if (subscribed) return;
      client.subscribe(`devices/${clientId}/commands/#`, { qos: 1 }, (err, granted) => {
        if (err || subscribed || granted?.[0]?.qos !== 1) return;
        subscribed = true;
        subscribedMs.push(performance.now() - started);
        lastProgress = performance.now();
      });
    });
    client.on('error', () => undefined); // counted on close; an unhandled 'error' would throw
    client.on('close', () => (everConnected ? dropped++ : failed++));
    open.push(client);
  }
  const deadline = started + deadlineSeconds * 1000;
  while (subscribedMs.length < clients && performance.now() < deadline && performance.now() - lastProgress < STALL_MS) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (subscribedMs.length > 0 ? Math.max(...subscribedMs) : performance.now() - started) / 1000;
  const connected = open.filter((c) => c.connected).length;
  const subscribed = subscribedMs.length;
  const rssAfter = residentBytes(pid);
  const descriptorsOpen = openDescriptors(pid);
  const cpu = stopCpu();
  const health = await Promise.race([
    target.admin.get<{ status: string; reason?: string }>('/health/checks/alarms').then(
      (r) => ({ responsive: true, alarms: r.status === 'ok' ? 'none' : (r.reason ?? r.status) }),
      (err: Error) => {
        const unreachable = /unreachable|timeout|abort/i.test(`${err.message} ${String(err.cause ?? '')}`);
        return { responsive: !unreachable, alarms: unreachable ? 'the management API did not answer' : err.message.slice(0, 200) };
      },
    ),
    new Promise<{ responsive: boolean; alarms: string }>((r) => setTimeout(() => r({ responsive: false, alarms: 'no answer within 10 s' }), 10_000).unref()),
  ]);
  const sorted = [...subscribedMs].sort((a, b) => a - b);
  const run: StormRun = {
    variant,
    round,
    clients,
    connected,
    subscribed,
    failedAttempts: failed,
    dropped,
    seconds,
    connectsPerSec: subscribed / seconds,
    connectP50Ms: percentile(sorted, 50),
    connectP99Ms: percentile(sorted, 99),
    rssBeforeBytes: rssBefore,
    rssAfterBytes: rssAfter,
    bytesPerConnection: subscribed > 0 ? (rssAfter - rssBefore) / subscribed : Number.NaN,
    connectionsPerGiB: connected / (rssAfter / GIB),
    descriptorLimit: descriptorLimit(pid),
    descriptorsOpen,
    nodeResponsive: health.responsive,
    alarms: health.alarms,
    nodeCpuSeconds: cpu.byGroup.node ?? Number.NaN,
    otherCpuShare: cpu.otherShare,
  };
  // Calm down before the next variant: every client gone and the node's descriptors back near where they were.
  await Promise.all(open.map((c) => c.endAsync(true).catch(() => undefined)));
  const calm = performance.now() + 30_000;
  while (performance.now() < calm && openDescriptors(pid) > descriptorsBefore + 50) await new Promise((r) => setTimeout(r, 250));
  // And every session queue expired, so the next variant starts from the same memory.
  const sessionsGone = performance.now() + (SESSION_EXPIRY_SECONDS + 60) * 1000;
  while (performance.now() < sessionsGone && (await sessionQueues(target.admin)) > 0) await new Promise((r) => setTimeout(r, 1_000));
  return run;
}

/** Session queues the storm left (paged query: the node counts them, nothing is listed). */
async function sessionQueues(admin: ManagementClient): Promise<number> {
  const page = await admin.get<{ filtered_count?: number }>('/queues?page=1&page_size=1&name=mqtt-subscription-storm-&use_regex=false').catch(() => undefined);
  return page?.filtered_count ?? 0;
}

export async function runGatewayScenario(ctx: ScenarioContext): Promise<GatewayResult> {
  const { plan, fleet, stock } = ctx;
  if (!stock) throw new Error('the gateway scenario needs the stock node');
  const gw = fleet.gateways[fleet.gateways.length - 1]!;
  const targets: Record<GatewayVariant, StormTarget> = {
    'fedgate profile': {
      url: `mqtt://${gw.host}:${gw.ports.mqtt}`,
      pid: fleet.pids.get(gw.name)!,
      username: DEVICE_USER,
      password: fleet.fleet.secrets.password(gw.name, DEVICE_USER),
      admin: fleet.fleet.admin(gw.name),
    },
    stock: { url: stock.mqttUrl, pid: stock.pid, ...stock.credentials, admin: stock.admin },
  };
  const { clients, deadlineSeconds } = plan.gateway;
  const runs: StormRun[] = [];
  for (let round = 1; round <= plan.gateway.rounds; round++) {
    for (const variant of GATEWAY_VARIANTS) {
      ctx.progress(`gateway: round ${round}/${plan.gateway.rounds} ${variant}: ${clients} MQTT clients at once`);
      const run = await storm(targets[variant], variant, round, clients, deadlineSeconds);
      runs.push(run);
      ctx.progress(
        `gateway: ${variant}: ${run.connected}/${clients} connected in ${run.seconds.toFixed(1)} s (${formatRate(run.connectsPerSec)}), ` +
          `+${formatBytes(run.bytesPerConnection)} per connection, ${Math.round(run.connectionsPerGiB).toLocaleString('en-US')} connections/GiB, ` +
          `descriptors ${run.descriptorsOpen}/${run.descriptorLimit ?? '?'}, ${run.nodeResponsive ? 'responsive' : 'NOT responsive'} (others ${formatShare(run.otherCpuShare)})`,
      );
    }
  }
  const of = (variant: GatewayVariant) => runs.filter((r) => r.variant === variant);
  const perGiB = (variant: GatewayVariant) => of(variant).map((r) => ({ value: r.connectionsPerGiB, otherShare: r.otherCpuShare }));
  const profileOverStock = pairedRatio(perGiB('fedgate profile'), perGiB('stock'));
  ctx.progress(`gateway: profile ÷ stock connections per GiB = ${formatRatio(profileOverStock.ratio)}`);
  return {
    settings: { clients, rounds: plan.gateway.rounds, deadlineSeconds, keepaliveSeconds: 120, reconnectPeriodMs: 1_000, cores: cpus().length },
    runs,
    summary: GATEWAY_VARIANTS.map((variant) => ({
      variant,
      connected: median(of(variant).map((r) => r.connected)),
      subscribed: median(of(variant).map((r) => r.subscribed)),
      seconds: median(of(variant).map((r) => r.seconds)),
      cpuMsPerDevice: median(of(variant).map((r) => (r.nodeCpuSeconds * 1000) / Math.max(1, r.subscribed))),
      nodeCpuShare: median(of(variant).map((r) => r.nodeCpuSeconds / r.seconds / cpus().length)),
      otherCpuShare: median(of(variant).map((r) => r.otherCpuShare)),
      connectsPerSec: median(of(variant).map((r) => r.connectsPerSec)),
      bytesPerConnection: median(of(variant).map((r) => r.bytesPerConnection)),
      connectionsPerGiB: median(of(variant).map((r) => r.connectionsPerGiB)),
    })),
    profileOverStock,
  };
}

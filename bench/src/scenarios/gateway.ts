// Gateway under a reconnect storm: the same burst of MQTT devices against a fedgate gateway (broker-config's
// rabbitmq.conf and definitions, raised descriptor limit) with each kind of login it serves — a password, a
// device certificate over TLS, an app token over secure WebSockets — and against a stock node (defaults, ~1,024
// descriptors). Memory is the node's resident set from /proc; the devices run in client processes of their own.
import { cpus } from 'node:os';
import { DEVICE_USER } from '@fedgate/topology';
import type { ManagementClient } from '@fedgate/broker-admin';
import { commonestFailures, formatBytes, formatRate, formatRatio, formatShare } from '../format-figures.ts';
import { median, percentile } from '../percentiles.ts';
import { pairedRatio, type PairedRatio } from '../paired-ratio.ts';
import { descriptorLimit, openDescriptors, residentBytes, startCpuMeter } from '../proc-stat.ts';
import { memoryByUse, perDeviceByUse, type MemoryByUse } from '../node-memory.ts';
import { authorisationEndpointPid, certificateLogins, tokenLogins } from '../identity-fleet.ts';
import { CERTIFICATE_GATEWAY, TOKEN_GATEWAY } from '../identity-topology.ts';
import { startStormClients, type StormClients } from '../storm/storm-clients.ts';
import type { StormClientSettings, StormLogin } from '../storm/storm-protocol.ts';
import { GATEWAY_VARIANTS, type GatewayVariant } from '../bench-options.ts';
import { calmDown, nodeHealth, settledResidentBytes, sweepSessions } from '../storm/storm-node.ts';
import type { ScenarioContext } from './scenario-context.ts';

const GIB = 1024 ** 3;
/** How a storm's devices behave: what a well-behaved device does after an outage. */
const DEVICE_SETTINGS: Omit<StormClientSettings, 'ca' | 'connectTimeoutMs'> = {
  keepaliveSeconds: 120,
  attemptsInFlight: 100,
  backoffBaseMs: 1_000,
  backoffMaxMs: 30_000,
  // Long enough to outlast a storm: a session queue expires this long after it was declared unless its device
  // consumes from it, and on a node busy for minutes that gap is long (at 20 s, 3,001 of 10,000 certificate
  // devices found their queue gone when binding it, retried, and the node spiralled). calmDown sweeps them after.
  sessionExpirySeconds: 900,
};

export interface StormRun {
  readonly variant: GatewayVariant;
  readonly round: number;
  readonly clients: number;
  readonly connected: number;
  /** Devices whose QoS 1 subscription the node granted. */
  readonly subscribed: number;
  /** Connection attempts that closed before the client ever connected (each retries with jittered back-off). */
  readonly failedAttempts: number;
  /** The commonest reasons attempts failed, with their counts. */
  readonly failures: Readonly<Record<string, number>>;
  /** Connections that closed after they had connected (the node dropped them). */
  readonly dropped: number;
  /** From the storm's start to the last device that subscribed. */
  readonly seconds: number;
  readonly connectsPerSec: number;
  readonly connectP50Ms: number;
  readonly connectP99Ms: number;
  readonly rssBeforeBytes: number;
  readonly rssAfterBytes: number;
  /** Resident memory the storm added, per connection held (a device and its QoS 1 session), right after it. */
  readonly bytesPerConnection: number;
  /** The same once the node's resident set stopped moving, the devices still connected: a device's steady cost. */
  readonly bytesPerDeviceSettled?: number;
  /** The settled cost per device by use, as the node accounts for it (uses that moved ≥ 1 KiB per device). */
  readonly settledByUse?: MemoryByUse;
  /** Connections held per GiB of the node's resident memory after the storm. */
  readonly connectionsPerGiB: number;
  readonly descriptorLimit: number | undefined;
  readonly descriptorsOpen: number;
  /** The management API answered within 10 s after the storm (its default request timeout). */
  readonly nodeResponsive: boolean;
  readonly alarms: string;
  readonly nodeCpuSeconds: number;
  /** CPU of the device authorisation endpoint (certificate logins only; 0 elsewhere). */
  readonly authzCpuSeconds: number;
  /** CPU of the client processes: both ends of every handshake run on this machine. */
  readonly clientCpuSeconds: number;
  /** Share of the machine's CPU that processes other than the node, its endpoint and the clients used. */
  readonly otherCpuShare: number;
}

export interface GatewayVariantSummary {
  readonly variant: GatewayVariant;
  readonly connected: number;
  readonly subscribed: number;
  /** Median time for the storm to be subscribed (to the last device). */
  readonly seconds: number;
  readonly connectsPerSec: number;
  readonly bytesPerConnection: number;
  readonly bytesPerDeviceSettled: number;
  readonly connectionsPerGiB: number;
  /** Where the settled cost goes, by the node's accounting, in the run with the median settled cost. */
  readonly settledByUse?: MemoryByUse;
  /** CPU per subscribed device: the node's, its authorisation endpoint's and the clients'. */
  readonly cpuMsPerDevice: number;
  readonly authzCpuMsPerDevice: number;
  readonly clientCpuMsPerDevice: number;
  /** The node's share of the machine during the storm. */
  readonly nodeCpuShare: number;
  readonly otherCpuShare: number;
}

export interface GatewayResult {
  readonly settings: {
    clients: number;
    rounds: number;
    deadlineSeconds: number;
    keepaliveSeconds: number;
    connectTimeoutMs: number;
    /** Devices each client process has between attempt and SUBACK at once (absent in runs before it existed: unbounded). */
    attemptsInFlight?: number;
    backoffMaxMs: number;
    clientProcesses: number;
    cores: number;
  };
  readonly runs: readonly StormRun[];
  readonly summary: readonly GatewayVariantSummary[];
  /** fedgate profile ÷ stock connections held per GiB, over paired rounds (target ≥ 2). */
  readonly profileOverStock: PairedRatio;
}

interface StormTarget {
  readonly pid: number;
  readonly admin: ManagementClient;
  /** The node's helpers whose CPU a login costs (the authorisation endpoint). */
  readonly helperPids: readonly number[];
  readonly ca?: string;
  readonly logins: readonly StormLogin[];
}

/**
 * Until every device subscribed, the deadline passed, or nothing moved (no device connected, subscribed or failed
 * an attempt) for a connect timeout: as long as a device waits for its answer. Subscriptions trail connections by
 * tens of seconds in a TLS storm, so a shorter quiet spell is not a stall.
 */
async function awaitStorm(devices: StormClients, clients: number, { deadlineSeconds, connectTimeoutMs, signal, progress }: StormPlan): Promise<void> {
  const deadline = performance.now() + deadlineSeconds * 1000;
  const moved = () => devices.subscribedAtEpochMs.length + devices.connected() + devices.failedAttempts();
  let seen = moved();
  let quietSince = performance.now();
  let reportedAt = performance.now();
  while (
    devices.subscribedAtEpochMs.length < clients &&
    performance.now() < deadline &&
    performance.now() - quietSince < connectTimeoutMs &&
    !signal?.aborted
  ) {
    await new Promise((r) => setTimeout(r, 100));
    if (moved() !== seen) [seen, quietSince] = [moved(), performance.now()];
    if (performance.now() - reportedAt >= STORM_PROGRESS_EVERY_MS) {
      reportedAt = performance.now();
      progress(
        `gateway: ${((Date.now() - devices.startedAtEpochMs) / 1000).toFixed(0)} s: ${devices.subscribedAtEpochMs.length}/${clients} subscribed, ` +
          `${devices.connected()} connected, ${devices.failedAttempts()} failed attempts${commonestFailures(devices.failures(), 1)}`,
      );
    }
  }
}

interface StormPlan {
  readonly round: number;
  readonly deadlineSeconds: number;
  readonly connectTimeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  readonly progress: (line: string) => void;
}

/** How often a running storm reports where it is. */
const STORM_PROGRESS_EVERY_MS = 15_000;

async function storm(target: StormTarget, variant: GatewayVariant, plan: StormPlan): Promise<StormRun> {
  const { pid, logins } = target;
  const clients = logins.length;
  await sweepSessions(target.admin);
  const rssBefore = residentBytes(pid);
  const byUseBefore = await memoryByUse(target.admin);
  const descriptorsBefore = openDescriptors(pid);
  // Released at once, like devices after an outage, over one client process per core (each runs attemptsInFlight at a time).
  const devices = await startStormClients(
    logins,
    { ...DEVICE_SETTINGS, connectTimeoutMs: plan.connectTimeoutMs, ...(target.ca ? { ca: target.ca } : {}) },
    cpus().length,
  );
  const stopCpu = startCpuMeter([
    { label: 'node', pids: () => [pid] },
    { label: 'authz', pids: () => target.helperPids },
    { label: 'clients', pids: () => devices.pids },
    { label: 'bench', pids: () => [process.pid] },
  ]);
  await awaitStorm(devices, clients, plan);
  if (plan.signal?.aborted) {
    await devices.stop();
    plan.signal.throwIfAborted();
  }
  const sinceStart = [...devices.subscribedAtEpochMs].map((t) => t - devices.startedAtEpochMs).sort((a, b) => a - b);
  const seconds = (sinceStart.at(-1) ?? Date.now() - devices.startedAtEpochMs) / 1000;
  const subscribed = sinceStart.length;
  const rssAfter = residentBytes(pid);
  // Memory is per connection the node holds at that moment: a device it dropped costs it nothing.
  const heldAfter = devices.connected();
  const cpu = stopCpu();
  const health = await nodeHealth(target.admin);
  const rssSettled = await settledResidentBytes(pid);
  const heldSettled = devices.connected();
  const byUseSettled = await memoryByUse(target.admin);
  const run: StormRun = {
    variant,
    round: plan.round,
    clients,
    connected: devices.connected(),
    subscribed,
    failedAttempts: devices.failedAttempts(),
    failures: devices.failures(),
    dropped: devices.dropped(),
    seconds,
    connectsPerSec: subscribed / seconds,
    connectP50Ms: percentile(sinceStart, 50),
    connectP99Ms: percentile(sinceStart, 99),
    rssBeforeBytes: rssBefore,
    rssAfterBytes: rssAfter,
    bytesPerConnection: heldAfter > 0 ? (rssAfter - rssBefore) / heldAfter : Number.NaN,
    bytesPerDeviceSettled: heldSettled > 0 ? (rssSettled - rssBefore) / heldSettled : Number.NaN,
    settledByUse: perDeviceByUse(byUseBefore, byUseSettled, heldSettled),
    connectionsPerGiB: heldAfter / (rssAfter / GIB),
    descriptorLimit: descriptorLimit(pid),
    descriptorsOpen: openDescriptors(pid),
    nodeResponsive: health.responsive,
    alarms: health.alarms,
    nodeCpuSeconds: cpu.byGroup.node ?? Number.NaN,
    authzCpuSeconds: cpu.byGroup.authz ?? 0,
    clientCpuSeconds: cpu.byGroup.clients ?? Number.NaN,
    otherCpuShare: cpu.otherShare,
  };
  await devices.stop();
  await calmDown(target, descriptorsBefore);
  return run;
}

/** The storm's device ids: the same every round and variant, so certificates are issued once per machine. */
function stormIds(clients: number): string[] {
  return Array.from({ length: clients }, (_, i) => `storm-${i}`);
}

/** Each variant's node and the logins its devices use. */
async function gatewayTargets(ctx: ScenarioContext): Promise<Record<GatewayVariant, StormTarget>> {
  const { plan, fleet, stock, identity } = ctx;
  if (!stock) throw new Error('the gateway scenario needs the stock node');
  if (!identity) throw new Error('the gateway scenario needs the identity fleet');
  const ids = stormIds(plan.gateway.clients);
  const gw = fleet.gateways.at(-1)!;
  const password = (url: string, username: string, pw: string): StormLogin[] => ids.map((clientId) => ({ clientId, url, username, password: pw }));
  ctx.progress(`gateway: ${ids.length} device certificates and app tokens (issued once, then kept in ${identity.fleetStateDir})`);
  const certificates = await certificateLogins(identity, ids, (line) => ctx.progress(`gateway: ${line}`));
  const tokens = await tokenLogins(identity, ids);
  const authz = await authorisationEndpointPid(identity);
  const node = (name: string) => ({ pid: identity.pids.get(name)!, admin: identity.fleet.admin(name) });
  return {
    'fedgate profile': {
      pid: fleet.pids.get(gw.name)!,
      admin: fleet.fleet.admin(gw.name),
      helperPids: [],
      logins: password(`mqtt://${gw.host}:${gw.ports.mqtt}`, DEVICE_USER, fleet.fleet.secrets.password(gw.name, DEVICE_USER)),
    },
    stock: { pid: stock.pid, admin: stock.admin, helperPids: [], logins: password(stock.mqttUrl, stock.credentials.username, stock.credentials.password) },
    'certificates over TLS': { ...node(CERTIFICATE_GATEWAY), helperPids: authz ? [authz] : [], ca: certificates.ca, logins: certificates.logins },
    'tokens over wss': { ...node(TOKEN_GATEWAY), helperPids: [], ca: tokens.ca, logins: tokens.logins },
  };
}

/** The run whose figure is the median (the lower middle of an even count). */
function medianRun(runs: readonly StormRun[], figure: (r: StormRun) => number): StormRun | undefined {
  const sorted = [...runs].sort((a, b) => figure(a) - figure(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function summarise(runs: readonly StormRun[]): GatewayVariantSummary[] {
  const perDeviceMs = (seconds: number, r: StormRun) => (seconds * 1000) / Math.max(1, r.subscribed);
  return GATEWAY_VARIANTS.filter((variant) => runs.some((r) => r.variant === variant)).map((variant) => {
    const of = runs.filter((r) => r.variant === variant);
    const med = (value: (r: StormRun) => number) => median(of.map(value));
    return {
      variant,
      connected: med((r) => r.connected),
      subscribed: med((r) => r.subscribed),
      seconds: med((r) => r.seconds),
      cpuMsPerDevice: med((r) => perDeviceMs(r.nodeCpuSeconds, r)),
      authzCpuMsPerDevice: med((r) => perDeviceMs(r.authzCpuSeconds, r)),
      clientCpuMsPerDevice: med((r) => perDeviceMs(r.clientCpuSeconds, r)),
      nodeCpuShare: med((r) => r.nodeCpuSeconds / r.seconds / cpus().length),
      otherCpuShare: med((r) => r.otherCpuShare),
      connectsPerSec: med((r) => r.connectsPerSec),
      bytesPerConnection: med((r) => r.bytesPerConnection),
      bytesPerDeviceSettled: med((r) => r.bytesPerDeviceSettled ?? Number.NaN),
      connectionsPerGiB: med((r) => r.connectionsPerGiB),
      settledByUse: medianRun(of, (r) => r.bytesPerDeviceSettled ?? Number.NaN)?.settledByUse ?? {},
    };
  });
}

export async function runGatewayScenario(ctx: ScenarioContext): Promise<GatewayResult> {
  const { clients, deadlineSeconds, rounds, variants, connectTimeoutMs } = ctx.plan.gateway;
  const targets = await gatewayTargets(ctx);
  const runs: StormRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Alternate the order each round, so neither variant always meets the node (or the machine) first.
    const order = round % 2 === 1 ? variants : [...variants].reverse();
    for (const variant of order) {
      ctx.progress(`gateway: round ${round}/${rounds} ${variant}: ${clients} MQTT devices at once`);
      const run = await storm(targets[variant], variant, { round, deadlineSeconds, connectTimeoutMs, signal: ctx.signal, progress: ctx.progress });
      runs.push(run);
      ctx.progress(
        `gateway: ${variant}: ${run.subscribed}/${clients} subscribed in ${run.seconds.toFixed(1)} s (${formatRate(run.connectsPerSec)}), ` +
          `+${formatBytes(run.bytesPerConnection)} per device, node CPU ${run.nodeCpuSeconds.toFixed(1)} s, clients ${run.clientCpuSeconds.toFixed(1)} s, ` +
          `descriptors ${run.descriptorsOpen}/${run.descriptorLimit ?? '?'}, ${run.nodeResponsive ? 'responsive' : 'NOT responsive'} (others ${formatShare(run.otherCpuShare)})`,
      );
    }
  }
  const perGiB = (variant: GatewayVariant) =>
    runs.filter((r) => r.variant === variant).map((r) => ({ value: r.connectionsPerGiB, otherShare: r.otherCpuShare }));
  const profileOverStock = pairedRatio(perGiB('fedgate profile'), perGiB('stock'));
  ctx.progress(`gateway: profile ÷ stock connections per GiB = ${formatRatio(profileOverStock.ratio)}`);
  return {
    settings: {
      clients,
      rounds,
      deadlineSeconds,
      keepaliveSeconds: DEVICE_SETTINGS.keepaliveSeconds,
      connectTimeoutMs,
      attemptsInFlight: DEVICE_SETTINGS.attemptsInFlight,
      backoffMaxMs: DEVICE_SETTINGS.backoffMaxMs,
      clientProcesses: cpus().length,
      cores: cpus().length,
    },
    runs,
    summary: summarise(runs),
    profileOverStock,
  };
}

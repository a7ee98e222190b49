// One reconnect storm: a burst of MQTT devices released at once against a gateway node (or every node of a gateway
// cluster), from client processes of their own, measured from the node's side: when each device subscribed, the
// resident memory it added right after and once settled, and the CPU of the node, its helpers and the clients.
import { cpus } from 'node:os';
import type { ManagementClient } from '@fedgate/broker-admin';
import { commonestFailures, formatBytes, formatRate, formatShare } from '../format-figures.ts';
import { percentile } from '../percentiles.ts';
import { descriptorLimit, openDescriptors, residentBytes, startCpuMeter } from '../proc-stat.ts';
import { memoryByUse, perDeviceByUse, type MemoryByUse } from '../node-memory.ts';
import { startStormClients, type StormClients } from './storm-clients.ts';
import type { StormClientSettings, StormLogin } from './storm-protocol.ts';
import { calmDown, nodeHealth, settledResidentBytes, sweepSessions } from './storm-node.ts';

const GIB = 1024 ** 3;
/** How a storm's devices behave: what a well-behaved device does after an outage. */
export const DEVICE_SETTINGS: Omit<StormClientSettings, 'ca' | 'connectTimeoutMs'> = {
  keepaliveSeconds: 120,
  attemptsInFlight: 100,
  backoffBaseMs: 1_000,
  backoffMaxMs: 30_000,
  // Long enough to outlast a storm: a session queue expires this long after it was declared unless its device
  // consumes from it, and on a node busy for minutes that gap is long (at 20 s, 3,001 of 10,000 certificate
  // devices found their queue gone when binding it, retried, and the node spiralled). calmDown sweeps them after.
  sessionExpirySeconds: 900,
};

export interface StormRun<V extends string = string> {
  /** The variant the storm measured: a kind of login, or a cluster's size. */
  readonly variant: V;
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
  /** Of a cluster's nodes, the one whose resident set grew most once settled, per device of the whole storm. */
  readonly busiestNodeBytesPerDeviceSettled?: number;
  /** The settled cost per device by use, as the node accounts for it (uses that moved ≥ 1 KiB per device). */
  readonly settledByUse?: MemoryByUse;
  /**
   * No node of the target had held a storm before in this bench run. A node keeps the memory a storm freed and
   * reuses it in the next, so only its first storm says what a device costs (absent in runs before it existed:
   * true in round 1).
   */
  readonly coldNodes?: boolean;
  /** Nodes the storm's devices were spread over (absent in runs before it existed: 1). */
  readonly nodes?: number;
  /** Connections held per GiB of the node's resident memory after the storm. */
  readonly connectionsPerGiB: number;
  readonly descriptorLimit: number | undefined;
  readonly descriptorsOpen: number;
  /** The management API answered within 10 s after the storm (its default request timeout). */
  readonly nodeResponsive: boolean;
  readonly alarms: string;
  /** CPU of every node the devices reached, summed. */
  readonly nodeCpuSeconds: number;
  /** CPU of the node that used most (the whole of it on a single node): what bounds a cluster whose nodes have hosts of their own. */
  readonly busiestNodeCpuSeconds?: number;
  /** CPU of the device authorisation endpoint (certificate logins only; 0 elsewhere). */
  readonly authzCpuSeconds: number;
  /** CPU of the client processes: both ends of every handshake run on this machine. */
  readonly clientCpuSeconds: number;
  /** Share of the machine's CPU that processes other than the node, its endpoint and the clients used. */
  readonly otherCpuShare: number;
}

/** What a storm runs against: one node, or every node of a cluster. */
export interface StormTarget {
  /** The beam.smp of each node the devices reach; memory and CPU are their sums. */
  readonly pids: readonly number[];
  readonly admin: ManagementClient;
  /** The node's helpers whose CPU a login costs (the authorisation endpoint). */
  readonly helperPids: readonly number[];
  readonly ca?: string;
  readonly logins: readonly StormLogin[];
}

/** The storm's device ids: the same every round and variant, so certificates are issued once per machine. */
export function stormIds(clients: number): string[] {
  return Array.from({ length: clients }, (_, i) => `storm-${i}`);
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
        `${((Date.now() - devices.startedAtEpochMs) / 1000).toFixed(0)} s: ${devices.subscribedAtEpochMs.length}/${clients} subscribed, ` +
          `${devices.connected()} connected, ${devices.failedAttempts()} failed attempts${commonestFailures(devices.failures(), 1)}`,
      );
    }
  }
}

export interface StormPlan {
  readonly round: number;
  readonly deadlineSeconds: number;
  readonly connectTimeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  readonly progress: (line: string) => void;
}

/** Every beam.smp that has held a storm in this process: a restarted node has a new pid, and is cold again. */
const stormedNodes = new Set<number>();

/** The runs whose memory figures count: those on cold nodes, or every run when none was (see StormRun.coldNodes). */
export function memoryRuns<R extends StormRun>(runs: readonly R[]): readonly R[] {
  const cold = runs.filter((r) => r.coldNodes ?? r.round === 1);
  return cold.length > 0 ? cold : runs;
}

/** How often a running storm reports where it is. */
const STORM_PROGRESS_EVERY_MS = 15_000;

/** One storm: every login at once against `target`, until all subscribed or it stops moving; then the node settles and is swept. */
export async function runStorm<V extends string>(target: StormTarget, variant: V, plan: StormPlan): Promise<StormRun<V>> {
  const { pids, logins } = target;
  const residentByNode = () => pids.map((pid) => residentBytes(pid));
  const resident = () => residentByNode().reduce((a, b) => a + b, 0);
  const descriptors = () => pids.reduce((sum, pid) => sum + openDescriptors(pid), 0);
  const clients = logins.length;
  await sweepSessions(target.admin);
  const coldNodes = pids.every((pid) => !stormedNodes.has(pid));
  for (const pid of pids) stormedNodes.add(pid);
  const rssBeforeByNode = residentByNode();
  const rssBefore = rssBeforeByNode.reduce((a, b) => a + b, 0);
  const byUseBefore = await memoryByUse(target.admin);
  const descriptorsBefore = descriptors();
  // Released at once, like devices after an outage, over one client process per core (each runs attemptsInFlight at a time).
  const devices = await startStormClients(
    logins,
    { ...DEVICE_SETTINGS, connectTimeoutMs: plan.connectTimeoutMs, ...(target.ca ? { ca: target.ca } : {}) },
    cpus().length,
  );
  const stopCpu = startCpuMeter([
    ...pids.map((pid, i) => ({ label: `node ${i + 1}`, pids: () => [pid] })),
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
  const rssAfter = resident();
  // Memory is per connection the node holds at that moment: a device it dropped costs it nothing.
  const heldAfter = devices.connected();
  const cpu = stopCpu();
  const health = await nodeHealth(target.admin);
  const rssSettled = await settledResidentBytes(resident);
  const addedByNode = residentByNode().map((rss, i) => rss - rssBeforeByNode[i]!);
  const heldSettled = devices.connected();
  const nodeCpu = pids.map((_, i) => cpu.byGroup[`node ${i + 1}`] ?? Number.NaN);
  const byUseSettled = await memoryByUse(target.admin);
  const run: StormRun<V> = {
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
    busiestNodeBytesPerDeviceSettled: heldSettled > 0 ? Math.max(...addedByNode) / heldSettled : Number.NaN,
    settledByUse: perDeviceByUse(byUseBefore, byUseSettled, heldSettled),
    coldNodes,
    nodes: pids.length,
    connectionsPerGiB: heldAfter / (rssAfter / GIB),
    descriptorLimit: descriptorLimit(pids[0]!),
    descriptorsOpen: descriptors(),
    nodeResponsive: health.responsive,
    alarms: health.alarms,
    nodeCpuSeconds: nodeCpu.reduce((a, b) => a + b, 0),
    busiestNodeCpuSeconds: Math.max(...nodeCpu),
    authzCpuSeconds: cpu.byGroup.authz ?? 0,
    clientCpuSeconds: cpu.byGroup.clients ?? Number.NaN,
    otherCpuShare: cpu.otherShare,
  };
  await devices.stop();
  await calmDown(descriptors, target.admin, descriptorsBefore);
  return run;
}

/** The line a finished storm reports. */
export function describeStormRun(run: StormRun): string {
  return (
    `${run.variant}: ${run.subscribed}/${run.clients} subscribed in ${run.seconds.toFixed(1)} s (${formatRate(run.connectsPerSec)}), ` +
    `+${formatBytes(run.bytesPerConnection)} per device, node CPU ${run.nodeCpuSeconds.toFixed(1)} s, clients ${run.clientCpuSeconds.toFixed(1)} s, ` +
    `descriptors ${run.descriptorsOpen}/${run.descriptorLimit ?? '?'}, ${run.nodeResponsive ? 'responsive' : 'NOT responsive'} (others ${formatShare(run.otherCpuShare)})`
  );
}

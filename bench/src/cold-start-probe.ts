// Router cold start on the bench fleet, one step at a time: fill the presence log with device subscriptions, have
// a router rebuild from it and write directory snapshots as a live writer would (two within the window, churn in
// between), and start a router with a command already waiting, timing start → that command at its gateway.
import { loadavg } from 'node:os';
import amqp from 'amqplib';
import {
  APP_USER,
  BINDING_CREATED,
  COMMANDS_EXCHANGE,
  DEADLINE_HEADER,
  DEVICES_EXCHANGE,
  PRESENCE_EXCHANGE,
  ROUTE_HEADER,
  ROUTER_USER,
  commandRoutingKey,
  uplinkUser,
} from '@fedgate/topology';
import { devicePresenceHeaders } from '@fedgate/router';
import type { BenchFleet } from './bench-fleet.ts';
import { BenchError } from './errors.ts';
import { forkColdStartRouter, type RouterStart } from './cold-start-router.ts';
import { startCpuMeter } from './proc-stat.ts';

/** Longest the waiting command may take to reach its gateway once the router is ready. */
const ARRIVAL_TIMEOUT_MS = 60_000;

/** Snapshots a live writer leaves within a reader's window (one a minute, read back two minutes). */
export const SNAPSHOTS_IN_WINDOW = 2;

export interface WrittenSnapshotFigures {
  readonly bytes: number;
  readonly parts: number;
  readonly seconds: number;
}

/** The router that rebuilt its directory and then wrote the snapshots the measured start reads. */
export interface WriterRun {
  readonly start: RouterStart;
  readonly snapshots: readonly WrittenSnapshotFigures[];
}

/** A router started with a command waiting for a device its snapshot knows. */
export interface SnapshotStart {
  readonly start: RouterStart;
  /** Epoch ms the waiting command reached the gateway, and the route the router gave it. */
  readonly arrivedAt: number;
  readonly route: string;
  /** Share of the machine's CPU other processes (not the router, the fleet or the bench) used from start to arrival. */
  readonly otherCpuShare: number;
  /** One-minute load average when the router started. */
  readonly loadAverage: number;
}

/** Publishes `count` binding.created events for `${prefix}-<n>` at `gateway`, as its presence link would. */
export async function fillPresenceLog(fleet: BenchFleet, gateway: string, prefix: string, count: number): Promise<void> {
  const user = uplinkUser(gateway);
  const connection = await amqp.connect(fleet.amqpUri(fleet.fleet.topology.backend.name, user));
  try {
    const channel = await connection.createConfirmChannel();
    const at = Date.now();
    for (let i = 0; i < count; i++) {
      const headers = devicePresenceHeaders(`${prefix}-${i}`, at);
      if (!channel.publish(PRESENCE_EXCHANGE, BINDING_CREATED, Buffer.alloc(0), { userId: user, appId: gateway, headers })) {
        await new Promise((resolve) => channel.once('drain', resolve));
      }
      if (i % 10_000 === 9_999) await channel.waitForConfirms();
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchError('BENCH_TIMEOUT', `${what} within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function routerUrl(fleet: BenchFleet): string {
  return fleet.amqpUri(fleet.fleet.topology.backend.name, ROUTER_USER);
}

/**
 * A router rebuilds from what the backend holds, then writes `SNAPSHOTS_IN_WINDOW` snapshots with `churn` new
 * devices published between them, and stops. `known` is how many devices the log holds before the churn.
 */
export async function rebuildAndWriteSnapshots(
  fleet: BenchFleet,
  cwd: string,
  options: { gateway: string; churnPrefix: string; known: number; churn: number },
): Promise<WriterRun> {
  const writer = await forkColdStartRouter(cwd);
  try {
    const start = await writer.start(routerUrl(fleet), fleet.topologyFile);
    const snapshots: WrittenSnapshotFigures[] = [];
    for (let i = 0; i < SNAPSHOTS_IN_WINDOW; i++) {
      if (i > 0) await fillPresenceLog(fleet, options.gateway, `${options.churnPrefix}-${i}`, options.churn);
      snapshots.push(await writer.writeSnapshot(options.known + i * options.churn));
    }
    return { start, snapshots };
  } finally {
    await writer.stop();
  }
}

/** Resolves when the first message for `deviceId` reaches `gateway`'s device exchange, with the route it took. */
async function watchGateway(fleet: BenchFleet, gateway: string, deviceId: string) {
  const connection = await amqp.connect(fleet.amqpUri(gateway));
  const channel = await connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, DEVICES_EXCHANGE, `devices.${deviceId}.#`);
  const arrived = new Promise<{ at: number; route: string }>((resolve) => {
    void channel.consume(
      queue,
      (msg) => resolve({ at: performance.timeOrigin + performance.now(), route: String(msg?.properties.headers?.[ROUTE_HEADER] ?? 'none') }),
      { noAck: true },
    );
  });
  return { arrived, close: () => connection.close() };
}

/** Publishes a command for `target`, then starts a router in a fresh process and waits for the command at `gateway`. */
export async function startWithWaitingCommand(fleet: BenchFleet, cwd: string, gateway: string, target: string): Promise<SnapshotStart> {
  const watch = await watchGateway(fleet, gateway, target);
  try {
    const app = await amqp.connect(fleet.amqpUri(fleet.fleet.topology.backend.name, APP_USER));
    const channel = await app.createConfirmChannel();
    channel.publish(COMMANDS_EXCHANGE, commandRoutingKey(target, 'first'), Buffer.from('first'), {
      persistent: true,
      headers: { [DEADLINE_HEADER]: Date.now() + 120_000 },
    });
    await channel.waitForConfirms();
    await app.close();
    const router = await forkColdStartRouter(cwd);
    try {
      const meter = startCpuMeter([
        { label: 'router', pids: () => [router.pid] },
        { label: 'brokers', pids: () => fleet.brokerPids() },
        { label: 'bench', pids: () => [process.pid] },
      ]);
      const loadAverage = loadavg()[0]!;
      const start = await router.start(routerUrl(fleet), fleet.topologyFile);
      const { at, route } = await withTimeout(watch.arrived, ARRIVAL_TIMEOUT_MS, `the command for ${target} did not reach ${gateway}`);
      return { start, arrivedAt: at, route, otherCpuShare: meter().otherShare, loadAverage };
    } finally {
      await router.stop();
    }
  } finally {
    await watch.close();
  }
}

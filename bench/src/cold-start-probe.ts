// Router cold start at scale, on a running fleet: fills the presence log with `devices` subscriptions, starts a
// router that replays the log (the rate without a snapshot), has it write directory snapshots as a live writer
// would (two within the window, churn in between), then starts a second router with a command already waiting
// and measures start → first command routed. A future bench scenario can call `measureColdStart`; until then
// `node --expose-gc --import tsx bench/src/cold-start-probe.ts FILE DEVICES` runs it against the fleet of
// topology FILE and prints one JSON line.
import amqp from 'amqplib';
import { pino } from 'pino';
import {
  APP_USER,
  BINDING_CREATED,
  COMMANDS_EXCHANGE,
  DEADLINE_HEADER,
  DEVICES_EXCHANGE,
  PRESENCE_EXCHANGE,
  ROUTER_USER,
  commandRoutingKey,
  uplinkUser,
  type Topology,
} from '@fedgate/topology';
import { RouterService, devicePresenceHeaders, type RebuildReport } from '@fedgate/router';

export interface ColdStartFleet {
  readonly topology: Topology;
  amqpUri(cluster: string, user?: string): string;
}

export interface ColdStartResult {
  readonly devices: number;
  /** The first router, rebuilding from the log with no snapshot covering these devices. */
  readonly replay: { readonly events: number; readonly seconds: number; readonly eventsPerSec: number; readonly readySeconds: number };
  /** The last of the snapshots written (all within the second router's window). */
  readonly snapshot: { readonly bytes: number; readonly parts: number; readonly writeSeconds: number; readonly inWindow: number };
  /** The second router: from `start()` to ready, and to the waiting command reaching the gateway. */
  readonly withSnapshot: {
    readonly readySeconds: number;
    readonly firstCommandSeconds: number;
    /** CPU the process spent during the start: the cost apart from what other processes took from it. */
    readonly cpuSeconds: number;
    readonly rebuild: RebuildReport;
  };
}

const quiet = pino({ level: 'silent' });
/** Snapshots a live writer leaves within a reader's window (one a minute, read back two minutes). */
const SNAPSHOTS_IN_WINDOW = 2;
const CHURN_BETWEEN_SNAPSHOTS = 1_000;

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}

/** Publishes `count` binding.created events for `${prefix}-<n>` at gateway `gateway`, as its presence link would. */
async function fillPresenceLog(fleet: ColdStartFleet, gateway: string, prefix: string, count: number): Promise<void> {
  const user = uplinkUser(gateway);
  const connection = await amqp.connect(fleet.amqpUri(fleet.topology.backend.name, user));
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

function router(fleet: ColdStartFleet): RouterService {
  return new RouterService(
    { amqpUrl: fleet.amqpUri(fleet.topology.backend.name, ROUTER_USER), topology: fleet.topology, httpPort: 0, httpHost: '127.0.0.1', snapshotIntervalMs: 0 },
    quiet,
  );
}

/** Resolves with performance.now() when the first message for `deviceId` reaches `gateway`'s device exchange. */
async function watchGateway(fleet: ColdStartFleet, gateway: string, deviceId: string): Promise<{ arrived: Promise<number>; close(): Promise<void> }> {
  const connection = await amqp.connect(fleet.amqpUri(gateway));
  const channel = await connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, DEVICES_EXCHANGE, `devices.${deviceId}.#`);
  const arrived = new Promise<number>((resolve) => void channel.consume(queue, () => resolve(performance.now()), { noAck: true }));
  return { arrived, close: () => connection.close() };
}

/** The first router: rebuilds from the whole log, then writes snapshots as a live writer would, and stops. */
async function replayThenWriteSnapshots(fleet: ColdStartFleet, gateway: string, prefix: string, devices: number) {
  const first = router(fleet);
  const started = performance.now();
  await first.start();
  const readySeconds = (performance.now() - started) / 1000;
  const rebuilt = first.rebuildReport!;
  // As a live writer leaves it: more than one snapshot within the window a starting router reads back, with
  // presence churn in between.
  const writes: { bytes: number; parts: number; seconds: number }[] = [];
  for (let i = 0; i < SNAPSHOTS_IN_WINDOW; i++) {
    if (i > 0) await fillPresenceLog(fleet, gateway, `${prefix}-churn${i}`, CHURN_BETWEEN_SNAPSHOTS);
    await until(() => first.directory.size >= devices + i * CHURN_BETWEEN_SNAPSHOTS);
    const writing = performance.now();
    const written = await first.writeSnapshot();
    if (!written) throw new Error('the first router could not write a snapshot (another router holds the writer lock?)');
    writes.push({ bytes: written.bytes, parts: written.parts, seconds: (performance.now() - writing) / 1000 });
  }
  await first.stop();
  const replaySeconds = rebuilt.presenceMs / 1000;
  const last = writes.at(-1)!;
  return {
    replay: { events: rebuilt.presenceEvents, seconds: replaySeconds, eventsPerSec: rebuilt.presenceEvents / replaySeconds, readySeconds },
    snapshot: { bytes: last.bytes, parts: last.parts, writeSeconds: last.seconds, inWindow: writes.length },
  };
}

/** The second router, a command for `target` already waiting: start → ready, start → command at the gateway. */
async function startWithSnapshot(fleet: ColdStartFleet, gateway: string, target: string): Promise<ColdStartResult['withSnapshot']> {
  const watch = await watchGateway(fleet, gateway, target);
  const app = await amqp.connect(fleet.amqpUri(fleet.topology.backend.name, APP_USER));
  const channel = await app.createConfirmChannel();
  channel.publish(COMMANDS_EXCHANGE, commandRoutingKey(target, 'first'), Buffer.from('first'), {
    persistent: true,
    headers: { [DEADLINE_HEADER]: Date.now() + 60_000 },
  });
  await channel.waitForConfirms();
  await app.close();
  const second = router(fleet);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await second.start();
  const readySeconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  const firstCommandSeconds = ((await watch.arrived) - started) / 1000;
  await watch.close();
  const rebuild = second.rebuildReport!;
  await second.stop();
  return { readySeconds, firstCommandSeconds, cpuSeconds: (user + system) / 1e6, rebuild };
}

export async function measureColdStart(fleet: ColdStartFleet, devices: number, progress: (line: string) => void = () => undefined): Promise<ColdStartResult> {
  const gateway = fleet.topology.gateways[0]!.name;
  const prefix = `cold-${Date.now().toString(36)}`;
  progress(`publishing ${devices.toLocaleString('en-US')} presence events`);
  await fillPresenceLog(fleet, gateway, prefix, devices);
  progress('first router: rebuilding from the presence log, then writing snapshots');
  const { replay, snapshot } = await replayThenWriteSnapshots(fleet, gateway, prefix, devices);
  // The first router's directory is garbage now; collect it so the second starts on a heap like a fresh process's.
  (globalThis as { gc?: () => void }).gc?.();
  progress("second router: snapshot plus the log's tail, a command waiting");
  const withSnapshot = await startWithSnapshot(fleet, gateway, `${prefix}-${devices - 1}`);
  return { devices, replay, snapshot, withSnapshot };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [file, count] = process.argv.slice(2);
  const { upFleet } = await import('@fedgate/local-cluster');
  const fleet = await upFleet(file!, { onProgress: (line) => process.stderr.write(`fleet: ${line}\n`) });
  const result = await measureColdStart(fleet, Number(count ?? 1_000_000), (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import {
  COMMANDS_EXCHANGE,
  DEAD_EXCHANGE,
  DEAD_REASON_HEADER,
  DEADLINE_HEADER,
  DEVICES_EXCHANGE,
  ROUTE_HEADER,
  ROUTER_USER,
  commandRoutingKey,
  gatewayExchange,
} from '@fedgate/topology';
import { RouterService } from '@fedgate/router';
import { scopeLiteral } from '@fedgate/pki';
import type { RunningFleet } from '@fedgate/local-cluster';
import { sharedFleet, TEST_TOPOLOGY_FILE } from '../shared-fleet.ts';
import { connectAmqp, tap, type Tap } from '../amqp-probe.ts';
import { mqttDevice, pollUntil, stompApp, stompCollect } from '@fedgate/device-kit';

const quiet = pino({ level: 'silent' });

function newRouter(fleet: RunningFleet): RouterService {
  return new RouterService(
    {
      amqpUrl: fleet.amqpUri('core', ROUTER_USER),
      tls: fleet.amqpTlsOptions('core'),
      topology: fleet.topology,
      httpPort: 0,
      httpHost: '127.0.0.1',
      healthIntervalMs: 500,
    },
    quiet,
  );
}

/** Publishes commands with confirms, as a microservice would; returns the message ids the broker confirmed. */
async function sendCommands(fleet: RunningFleet, deviceId: string, count: number, options: { onConfirmed?: (n: number) => void } = {}): Promise<string[]> {
  const connection = await connectAmqp(fleet.amqpEndpoint('core', 'fedgate-app'));
  try {
    const channel = await connection.createConfirmChannel();
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = `${deviceId}-${i}`;
      channel.publish(COMMANDS_EXCHANGE, commandRoutingKey(deviceId, 'set'), Buffer.from(id), {
        messageId: id,
        persistent: true,
        expiration: '120000',
        headers: { [DEADLINE_HEADER]: Date.now() + 120_000 },
      });
      ids.push(id);
      if (i % 500 === 499) {
        await channel.waitForConfirms();
        options.onConfirmed?.(i + 1);
      }
    }
    await channel.waitForConfirms();
    return ids;
  } finally {
    await connection.close();
  }
}

function received(client: MqttClient): string[] {
  const got: string[] = [];
  client.on('message', (_t, payload) => got.push(payload.toString()));
  return got;
}

describe('router - location-aware routing on the local fleet', function () {
  this.timeout(180_000);
  let fleet: RunningFleet;
  let router: RouterService;
  const open: MqttClient[] = [];
  const taps: Tap[] = [];

  before(async () => {
    fleet = await sharedFleet();
    router = newRouter(fleet);
    await router.start();
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.endAsync(true).catch(() => undefined);
    for (const t of taps.splice(0)) await t.close();
  });
  after(async () => {
    await router?.stop();
  });

  async function deviceAt(gateway: string, deviceId: string) {
    const client = await mqttDevice(fleet, gateway, deviceId);
    open.push(client);
    const got = received(client);
    await client.subscribeAsync(`devices/${deviceId}/commands/#`, { qos: 1 });
    return { client, got, subscribedAt: Date.now() };
  }

  it('sends a command only to the gateway where its device is connected', async () => {
    const device = `r-${randomUUID().slice(0, 8)}`;
    const { got } = await deviceAt('us', device);
    await pollUntil(() => router.directory.lookup(device, Date.now(), 60_000)?.gateway === 'us', 5_000, 'the directory to place the device at us');
    const otherGateway = await tap(fleet.amqpEndpoint('eu'), DEVICES_EXCHANGE, `devices.${device}.#`);
    const towardOther = await tap(fleet.amqpEndpoint('core'), gatewayExchange('eu'), `devices.${device}.#`);
    taps.push(otherGateway, towardOther);
    await sendCommands(fleet, device, 3);
    await pollUntil(() => got.length === 3, 10_000, 'three commands at the device');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(otherGateway.messages.length, 0, 'nothing reached gateway eu');
    assert.equal(towardOther.messages.length, 0, 'nothing was routed toward eu on the backend');
  });

  it('broadcasts a command for an unknown device to every gateway, marked broadcast', async () => {
    const device = `unknown-${randomUUID().slice(0, 8)}`;
    const atEu = await tap(fleet.amqpEndpoint('eu'), DEVICES_EXCHANGE, `devices.${device}.#`);
    const atUs = await tap(fleet.amqpEndpoint('us'), DEVICES_EXCHANGE, `devices.${device}.#`);
    taps.push(atEu, atUs);
    await sendCommands(fleet, device, 1);
    for (const t of [atEu, atUs]) {
      const m = await t.next(undefined, 15_000);
      assert.equal(m.properties.headers?.[ROUTE_HEADER], 'broadcast');
    }
  });

  it('finds a device that moved: its next command reaches the new gateway within 1 s of subscribing there', async () => {
    const device = `mover-${randomUUID().slice(0, 8)}`;
    const first = await deviceAt('eu', device);
    await pollUntil(() => router.directory.lookup(device, Date.now(), 60_000)?.gateway === 'eu', 5_000, 'the device at eu');
    await first.client.endAsync(true);
    const second = await deviceAt('us', device);
    await pollUntil(() => router.directory.lookup(device, Date.now(), 60_000)?.gateway === 'us', 1_000, 'the directory to follow the device to us');
    await sendCommands(fleet, device, 1);
    await pollUntil(() => second.got.length === 1, 1_000, 'the command at us');
    assert.ok(Date.now() - second.subscribedAt < 2_000);
  });

  it("an app allowed to read a device's commands does not move the device: the router counts its binding as untrusted", async () => {
    const victim = `victim-${randomUUID().slice(0, 8)}`;
    const app = `monitor-${randomUUID().slice(0, 8)}`;
    const { got } = await deviceAt('eu', victim);
    await pollUntil(() => router.directory.lookup(victim, Date.now(), 60_000)?.gateway === 'eu', 5_000, 'the victim placed at eu');
    const untrusted = async () => (await router.metrics.presenceUntrusted.get()).values.reduce((n, v) => n + v.value, 0);
    const before = await untrusted();
    // Granted read on the victim's commands (a monitoring app, or a token with too wide a scope), at the other gateway.
    const grant = `fedgate.read:${scopeLiteral(fleet.topology.vhost)}/${DEVICES_EXCHANGE}/${scopeLiteral(`devices.${victim}.commands.`)}*`;
    const stomp = await stompApp(fleet, 'us', app, [grant]);
    try {
      const spied = stompCollect(stomp, app, `devices.${victim}.commands.#`);
      const deadline = Date.now() + 10_000;
      while ((await untrusted()) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await untrusted(), before + 1, "the app's binding reached the router and was counted untrusted");
      assert.equal(router.directory.lookup(victim, Date.now(), 60_000)?.gateway, 'eu', 'the victim was not moved');
      await sendCommands(fleet, victim, 1);
      await pollUntil(() => got.length === 1, 10_000, 'the command at the victim');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(spied.length, 0, 'the command was routed to eu only; nothing reached the app at us');
    } finally {
      await stomp.deactivate();
    }
  });

  it('dead-letters malformed commands with their reason and keeps serving', async () => {
    const dead = await tap(fleet.amqpEndpoint('core'), DEAD_EXCHANGE, '#');
    taps.push(dead);
    const connection = await connectAmqp(fleet.amqpEndpoint('core'));
    const channel = await connection.createConfirmChannel();
    const big = Buffer.alloc(fleet.topology.routing.maxCommandBytes + 1);
    // The router's queue also takes anything the admin sends it directly, so malformed keys reach the router.
    channel.sendToQueue('fedgate.router', Buffer.from('x'), { messageId: 'm-1', headers: {} });
    channel.publish(COMMANDS_EXCHANGE, 'devices.ok-1.commands.big', big, { messageId: 'm-2' });
    channel.publish(COMMANDS_EXCHANGE, 'devices.ok-1.commands.old', Buffer.from('late'), { messageId: 'm-3', headers: { [DEADLINE_HEADER]: Date.now() - 1 } });
    await channel.waitForConfirms();
    await connection.close();
    const reasonOf = async (id: string) => String((await dead.next((m) => m.properties.messageId === id, 10_000)).properties.headers?.[DEAD_REASON_HEADER]);
    assert.equal(await reasonOf('m-1'), 'malformed-routing-key');
    assert.equal(await reasonOf('m-2'), 'oversized');
    assert.equal(await reasonOf('m-3'), 'expired');
    const device = `after-${randomUUID().slice(0, 8)}`;
    const { got } = await deviceAt('eu', device);
    await pollUntil(() => router.directory.lookup(device, Date.now(), 60_000) !== undefined, 5_000, 'the device placed');
    await sendCommands(fleet, device, 1);
    await pollUntil(() => got.length === 1, 10_000, 'a command after the bad ones');
  });

  it('a restarted router routes directly from its first command, while devices stayed connected', async () => {
    const device = `stay-${randomUUID().slice(0, 8)}`;
    const { got } = await deviceAt('us', device);
    await pollUntil(() => router.directory.lookup(device, Date.now(), 60_000) !== undefined, 5_000, 'the device placed');
    await router.stop();
    router = newRouter(fleet);
    await router.start();
    const atUs = await tap(fleet.amqpEndpoint('us'), DEVICES_EXCHANGE, `devices.${device}.#`);
    taps.push(atUs);
    await sendCommands(fleet, device, 1);
    const m = await atUs.next(undefined, 10_000);
    assert.equal(m.properties.headers?.[ROUTE_HEADER], 'direct');
    await pollUntil(() => got.length === 1, 5_000, 'the device to get it');
  });
});

describe('router - SIGKILL in the middle of 5,000 commands', function () {
  this.timeout(240_000);
  let fleet: RunningFleet;
  let child: ChildProcess | undefined;

  before(async () => {
    fleet = await sharedFleet();
  });
  after(() => {
    child?.kill('SIGKILL');
  });

  function startRouterProcess(): Promise<ChildProcess> {
    const proc = spawn(process.execPath, ['packages/cli/bin/fedgate.js', 'router', '-f', TEST_TOPOLOGY_FILE, '--port', '0', '--log-level', 'warn'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return new Promise((resolve, reject) => {
      let err = '';
      proc.stderr!.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        if (err.includes('router ready')) resolve(proc);
      });
      proc.once('exit', (code) => reject(new Error(`router exited with ${code}: ${err}`)));
    });
  }

  it('delivers every confirmed command, before the kill and through the restarted router; none dead-lettered', async () => {
    const device = `kill-${randomUUID().slice(0, 8)}`;
    const client = await mqttDevice(fleet, 'eu', device, { clean: false });
    const got = new Set<string>();
    client.on('message', (_t, payload) => got.add(payload.toString()));
    await client.subscribeAsync(`devices/${device}/commands/#`, { qos: 1 });
    const dead = await tap(fleet.amqpEndpoint('core'), DEAD_EXCHANGE, `devices.${device}.#`);
    try {
      child = await startRouterProcess();
      const first = child;
      const exited = new Promise<NodeJS.Signals | null>((resolve) => first.once('exit', (_code, signal) => resolve(signal)));
      let deliveredAtKill = -1;
      const confirmed = await sendCommands(fleet, device, 5_000, {
        onConfirmed: (n) => {
          if (n === 1_500) {
            first.kill('SIGKILL');
            deliveredAtKill = got.size;
          }
        },
      });
      assert.equal(await exited, 'SIGKILL', 'the first router process died of the SIGKILL');
      assert.ok(deliveredAtKill > 0, 'commands were delivered before the kill');
      const restartedAt = Date.now();
      child = await startRouterProcess();
      assert.notEqual(child.pid, first.pid, 'a new router process');
      await pollUntil(() => confirmed.every((id) => got.has(id)), 180_000, 'every confirmed command delivered');
      assert.ok(got.size > deliveredAtKill, 'the restarted router delivered what the killed one left');
      assert.deepEqual(
        dead.messages.map((m) => `${String(m.properties.messageId)}: ${String(m.properties.headers?.[DEAD_REASON_HEADER])}`),
        [],
        'none dead-lettered',
      );
      process.stderr.write(
        `      [router-kill] ${deliveredAtKill} delivered before the kill, all ${confirmed.length} ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the restart; 0 dead-lettered\n`,
      );
    } finally {
      child?.kill('SIGTERM');
      await dead.close();
      await client.endAsync(true).catch(() => undefined);
    }
  });
});

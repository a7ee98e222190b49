import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import amqp, { type ChannelModel } from 'amqplib';
import type { MqttClient } from 'mqtt';
import type { Client as StompClient } from '@stomp/stompjs';
import {
  APP_USER,
  COMMANDS_EXCHANGE,
  DEADLINE_HEADER,
  DEAD_EXCHANGE,
  DEAD_REASON_HEADER,
  EVENTS_EXCHANGE,
  GATEWAY_HEADER,
  commandRoutingKey,
  eventRoutingKey,
} from '@fedgate/topology';
import type { AmqpEndpoint, RunningFleet } from '@fedgate/local-cluster';
import { seg } from '@fedgate/broker-admin';
import { sharedFleet } from '../../../test/shared-fleet.ts';
import { connectAmqp, publishConfirmed, tap } from '../../../test/amqp-probe.ts';
import { createClient, encodeCommand, eventPattern, type DeadLetter, type DeviceEvent, type FedgateClient, type FedgateClientError } from '../src/index.ts';
import { CommandPublisher } from '../src/command-publisher.ts';
import { mqttDevice, pollUntil, stompApp } from '@fedgate/device-kit';

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

async function failure(promise: Promise<unknown>): Promise<FedgateClientError> {
  try {
    await promise;
  } catch (err) {
    return err as FedgateClientError;
  }
  throw new Error('expected a rejection');
}

describe('client - on the local fleet, as fedgate-app', function () {
  this.timeout(120_000);
  let fleet: RunningFleet;
  let appUri: string;
  let adminUri: AmqpEndpoint;
  /** The fleet CA when the backend speaks TLS: what a service passes as `tls`. */
  let tls: { ca?: string[] };
  const cleanups: (() => Promise<unknown>)[] = [];

  before(async () => {
    fleet = await sharedFleet();
    appUri = fleet.amqpUri('core', APP_USER);
    adminUri = fleet.amqpEndpoint('core');
    tls = fleet.tls && fleet.topology.backend.tls ? { ca: [fleet.tls.ca] } : {};
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function client(options: Partial<Parameters<typeof createClient>[0]> = {}): Promise<FedgateClient> {
    const errors: FedgateClientError[] = [];
    const viaUrl = options.connection === undefined && tls.ca ? { tls } : {};
    const c = await createClient({ url: appUri, ...viaUrl, topology: fleet.topology, onError: (e) => errors.push(e), ...options } as Parameters<
      typeof createClient
    >[0]);
    cleanups.push(() => c.close());
    return c;
  }

  async function adminConnection(): Promise<ChannelModel> {
    const connection = await connectAmqp(adminUri);
    cleanups.push(() => connection.close());
    return connection;
  }

  describe('sendCommand', () => {
    it('resolves on the confirm, and the command carries routing key, persistence, id, timestamp, expiration and deadline', async () => {
      const device = unique('dev');
      const seen = await tap(adminUri, COMMANDS_EXCHANGE, `devices.${device}.#`);
      cleanups.push(() => seen.close());
      const c = await client();
      const before = Date.now();
      const sent = await c.sendCommand(device, 'reboot', { delaySeconds: 5 }, { ttlSeconds: 2.5 });

      assert.equal(sent.routingKey, commandRoutingKey(device, 'reboot'));
      assert.match(sent.messageId, /^[0-9a-f-]{36}$/);
      const m = await seen.next();
      assert.equal(m.fields.routingKey, `devices.${device}.commands.reboot`);
      assert.equal(m.properties.messageId, sent.messageId);
      assert.equal(m.properties.deliveryMode, 2);
      assert.equal(m.properties.contentType, 'application/json');
      assert.equal(m.properties.expiration, '2500');
      assert.ok(Math.abs(Number(m.properties.timestamp) - before / 1000) < 5);
      const deadline = Number(m.properties.headers?.[DEADLINE_HEADER]);
      assert.equal(deadline, sent.expiresAt.getTime());
      assert.ok(deadline >= before + 2_500 && deadline <= Date.now() + 2_500, `deadline ${deadline}`);
      assert.deepEqual(JSON.parse(m.content.toString()), { delaySeconds: 5 });
    });

    it("defaults the TTL to the topology's commandTtlSeconds, and sends bytes as octet-stream", async () => {
      const device = unique('dev');
      const seen = await tap(adminUri, COMMANDS_EXCHANGE, `devices.${device}.#`);
      cleanups.push(() => seen.close());
      // Not the fleet's 60 s: a short TTL keeps fedgate.router's head clear (quorum queues expire at the head).
      const c = await client({ topology: { routing: { commandTtlSeconds: 3 } } });
      await c.sendCommand(device, 'blob', Buffer.from([1, 2, 3]));
      const m = await seen.next();
      assert.equal(m.properties.expiration, '3000');
      assert.equal(m.properties.contentType, 'application/octet-stream');
      assert.deepEqual([...m.content], [1, 2, 3]);
    });

    it('refuses an invalid device id or command name before publishing anything', async () => {
      const prefix = unique('bad');
      const seen = await tap(adminUri, COMMANDS_EXCHANGE, `devices.${prefix}.#`);
      cleanups.push(() => seen.close());
      const c = await client();
      for (const [deviceId, name, field] of [
        [`${prefix}.x`, 'reboot', 'deviceId'],
        [`${prefix}#`, 'reboot', 'deviceId'],
        [prefix, 'a..b', 'name'],
        [prefix, '#', 'name'],
      ] as const) {
        const err = await failure(c.sendCommand(deviceId, name, {}));
        assert.equal(err.name, 'InvalidCommandError');
        assert.equal(err.code, 'INVALID_COMMAND');
        assert.equal((err as unknown as { field: string }).field, field);
      }
      // A valid command on the same key space proves the tap would have seen the invalid ones.
      await c.sendCommand(prefix, 'ping', {}, { ttlSeconds: 1 });
      await seen.next((m) => m.fields.routingKey === `devices.${prefix}.commands.ping`);
      assert.deepEqual(
        seen.messages.map((m) => m.fields.routingKey),
        [`devices.${prefix}.commands.ping`],
      );
    });

    it('rejects with CommandNackedError when a queue refuses the command', async () => {
      const device = unique('dev');
      const admin = await adminConnection();
      const ch = await admin.createChannel();
      // A full queue that rejects publishes, bound for this device only: the broker nacks the command.
      const { queue } = await ch.assertQueue('', { exclusive: true, arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' } });
      await ch.bindQueue(queue, COMMANDS_EXCHANGE, `devices.${device}.#`);
      const c = await client();
      const err = await failure(c.sendCommand(device, 'reboot', {}, { ttlSeconds: 1 }));
      assert.equal(err.code, 'COMMAND_NACKED', err.message);
      assert.match(err.message, new RegExp(`devices\\.${device}\\.commands\\.reboot`));
      // The client goes on: the next command to another device is confirmed on a channel that still works.
      await c.sendCommand(unique('dev'), 'ping', {}, { ttlSeconds: 1 });
    });

    it('rejects with CommandUnroutableError when no queue is bound (the broker returns the mandatory publish)', async () => {
      // fedgate.commands always routes to fedgate.router, so the returned path is driven on a bare exchange.
      const admin = await adminConnection();
      const setup = await admin.createChannel();
      const exchange = unique('fedgate.test.unroutable');
      await setup.assertExchange(exchange, 'topic', { autoDelete: true, durable: false });
      cleanups.push(() => setup.deleteExchange(exchange));
      const publisher = new CommandPublisher(() => admin.createConfirmChannel(), { exchange, confirmTimeoutMs: 10_000 });
      cleanups.push(() => publisher.close(1_000));
      const command = encodeCommand({ deviceId: 'd1', name: 'reboot', payload: {}, ttlSeconds: 5, now: Date.now(), messageId: randomUUID() });
      const err = await failure(publisher.publish(command));
      assert.equal(err.code, 'COMMAND_UNROUTABLE', err.message);
      assert.equal((err as unknown as { replyCode: number }).replyCode, 312);
    });

    it('rejects with BrokerError 403 when the user may not publish there, and recovers on a fresh channel', async () => {
      const app = await amqp.connect(appUri, { ...tls });
      cleanups.push(() => app.close());
      const forbidden = new CommandPublisher(() => app.createConfirmChannel(), { exchange: EVENTS_EXCHANGE, confirmTimeoutMs: 10_000 });
      const command = () => encodeCommand({ deviceId: 'd1', name: 'x', payload: {}, ttlSeconds: 5, now: Date.now(), messageId: randomUUID() });
      const err = await failure(forbidden.publish(command()));
      assert.equal(err.code, 'BROKER_ERROR', err.message);
      assert.equal((err as unknown as { replyCode: number }).replyCode, 403);
      // The same connection still serves the real client.
      const c = await client({ connection: app, url: undefined });
      await c.sendCommand(unique('dev'), 'ping', {}, { ttlSeconds: 1 });
    });

    it('rejects with ConnectionClosedError when the connection dies, in flight and afterwards, and reports the loss', async () => {
      const connection = await amqp.connect(appUri, { ...tls });
      connection.on('error', () => undefined);
      const errors: FedgateClientError[] = [];
      const c = await client({ connection, url: undefined, onError: (e: FedgateClientError) => errors.push(e) });
      await c.sendCommand(unique('dev'), 'warmup', {}, { ttlSeconds: 1 });
      const inFlight = Array.from({ length: 50 }, () =>
        c.sendCommand(unique('dev'), 'burst', {}, { ttlSeconds: 1 }).then(
          () => 'confirmed',
          (e: FedgateClientError) => e.code,
        ),
      );
      await new Promise((r) => setImmediate(r));
      // A network failure for real: the socket dies under amqplib.
      (connection.connection as unknown as { stream: { destroy(err: Error): void } }).stream.destroy(new Error('injected network failure'));

      const outcomes = await Promise.race([
        Promise.all(inFlight),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('a command hung after the connection died')), 5_000)),
      ]);
      assert.ok(
        outcomes.every((o) => o === 'confirmed' || o === 'CONNECTION_CLOSED'),
        outcomes.join(','),
      );
      assert.ok(outcomes.includes('CONNECTION_CLOSED'), 'commands in flight when the socket died were rejected, not left hanging');
      const after = await failure(c.sendCommand(unique('dev'), 'late', {}));
      assert.equal(after.code, 'CONNECTION_CLOSED');
      await pollUntil(() => errors.some((e) => e.code === 'CONNECTION_CLOSED'), 2_000, 'onError to report the lost connection');
      assert.ok(!JSON.stringify(errors.map((e) => e.message)).includes(fleet.secrets.password('core', APP_USER)));
    });

    it('a URL with a wrong password fails with ConnectFailedError that never shows the password', async () => {
      const wrong = appUri.replace(/:[^:@/]+@/, ':not-the-Pa55word@');
      const err = await failure(createClient({ url: wrong, ...(tls.ca ? { tls } : {}) }));
      assert.equal(err.code, 'CONNECT_FAILED');
      assert.ok(!err.message.includes('not-the-Pa55word'), err.message);
      assert.ok(!String((err.cause as Error | undefined)?.message).includes('not-the-Pa55word'));
      assert.match(err.message, /fedgate-app:\*\*\*@/);
    });
  });

  describe('onEvent', () => {
    const devices: (MqttClient | StompClient)[] = [];
    afterEach(async () => {
      for (const d of devices.splice(0)) {
        if ('endAsync' in d) await d.endAsync(true).catch(() => undefined);
        else await d.deactivate().catch(() => undefined);
      }
    });

    it('delivers an MQTT event with its gateway from user_id, and a STOMP event spoofing x-fedgate-gateway with its real gateway', async () => {
      const device = unique('dev');
      const got: DeviceEvent[] = [];
      const c = await client();
      const subscription = await c.onEvent(eventPattern({ deviceId: device }), (e) => {
        got.push(e);
      });
      assert.match(subscription.queue, /^amq\.gen-/);

      const mqttClient = await mqttDevice(fleet, 'eu', device);
      devices.push(mqttClient);
      await mqttClient.publishAsync(`devices/${device}/events/temp`, '21.5', { qos: 1 });
      await pollUntil(() => got.length >= 1, 15_000, 'the MQTT event');
      const fromMqtt = got[0]!;
      assert.equal(fromMqtt.deviceId, device);
      assert.equal(fromMqtt.name, 'temp');
      assert.equal(fromMqtt.gateway, 'eu');
      assert.equal(fromMqtt.payload.toString(), '21.5');
      assert.equal(fromMqtt.json, undefined, 'MQTT 3.1.1 carries no content type');
      assert.ok(fromMqtt.receivedAt instanceof Date);

      // A STOMP app at us claims to be eu in every way it can; only the broker-checked user_id counts.
      const stomp = await stompApp(fleet, 'us', device);
      devices.push(stomp);
      stomp.publish({
        destination: `/topic/${eventRoutingKey(device, 'spoof')}`,
        body: '{"claims":"eu"}',
        headers: { [GATEWAY_HEADER]: 'eu', 'app-id': 'eu', 'content-type': 'application/json' },
      });
      await pollUntil(() => got.length >= 2, 15_000, 'the STOMP event');
      const spoofed = got[1]!;
      assert.equal(spoofed.name, 'spoof');
      assert.equal(spoofed.gateway, 'us');
      assert.equal(spoofed.raw.properties.headers?.[GATEWAY_HEADER], 'eu', 'the spoofed header is there, and ignored');
      assert.deepEqual(spoofed.json, { claims: 'eu' });
    });

    it('a handler that throws does not stop the subscription: the event is dropped and reported, the next one arrives', async () => {
      const device = unique('dev');
      const errors: FedgateClientError[] = [];
      const got: string[] = [];
      const c = await client({ onError: (e: FedgateClientError) => errors.push(e) });
      await c.onEvent(eventPattern({ deviceId: device }), (e) => {
        if (e.name === 'boom') throw new Error('handler bug');
        got.push(e.name);
      });
      // A backend publisher (the administrator here) stands in for the uplink: no user_id, so no gateway.
      await publishConfirmed(adminUri, EVENTS_EXCHANGE, eventRoutingKey(device, 'boom'), '1');
      await publishConfirmed(adminUri, EVENTS_EXCHANGE, eventRoutingKey(device, 'after'), '2');
      await pollUntil(() => got.length === 1, 10_000, 'the event after the failing one');
      assert.deepEqual(got, ['after']);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.code, 'HANDLER_FAILED');
      assert.equal((errors[0]!.cause as Error).message, 'handler bug');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(got, ['after'], 'the failed event was not requeued back to the handler');
    });

    it('an event whose routing key names no event is reported as malformed and never reaches the handler', async () => {
      const device = unique('dev');
      const errors: FedgateClientError[] = [];
      const got: string[] = [];
      const c = await client({ onError: (e: FedgateClientError) => errors.push(e) });
      await c.onEvent(`devices.${device}.#`, (e) => {
        got.push(e.name);
      });
      await publishConfirmed(adminUri, EVENTS_EXCHANGE, `devices.${device}.events`, 'nameless');
      await publishConfirmed(adminUri, EVENTS_EXCHANGE, eventRoutingKey(device, 'ok'), 'fine');
      await pollUntil(() => got.length === 1 && errors.length === 1, 10_000, 'the good event and the report of the bad one');
      assert.deepEqual(got, ['ok']);
      assert.equal(errors[0]!.code, 'MALFORMED_MESSAGE');
      assert.match(errors[0]!.message, new RegExp(`devices\\.${device}\\.events`));
    });

    it('cancel() stops delivery and deletes the server-named queue', async () => {
      const device = unique('dev');
      const got: string[] = [];
      const c = await client();
      const subscription = await c.onEvent(eventPattern({ deviceId: device }), (e) => {
        got.push(e.name);
      });
      await publishConfirmed(adminUri, EVENTS_EXCHANGE, eventRoutingKey(device, 'one'), '1');
      await pollUntil(() => got.length === 1, 10_000, 'the first event');
      await subscription.cancel();
      assert.equal(await fleet.admin('core').find(`/queues/${seg('/')}/${seg(subscription.queue)}`), undefined);
      await publishConfirmed(adminUri, EVENTS_EXCHANGE, eventRoutingKey(device, 'two'), '2');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(got, ['one']);
    });
  });

  describe('onDeadLetter', () => {
    it("reports the router's reason header, with the device and command from the routing key", async () => {
      const device = unique('dev');
      const got: DeadLetter[] = [];
      const c = await client();
      await c.onDeadLetter((d) => {
        if (d.deviceId === device) got.push(d);
      });
      // What the router does with a command it cannot serve (fedgate-app may not write fedgate.dead; the admin may).
      await publishConfirmed(adminUri, DEAD_EXCHANGE, commandRoutingKey(device, 'reboot'), '{}', { headers: { [DEAD_REASON_HEADER]: 'oversized' } });
      await pollUntil(() => got.length === 1, 10_000, 'the dead letter');
      assert.equal(got[0]!.reason, 'oversized');
      assert.equal(got[0]!.source, 'router');
      assert.equal(got[0]!.name, 'reboot');
    });

    it("reports the broker's x-death reason for a message a queue dead-lettered on expiry", async () => {
      const device = unique('dev');
      const got: DeadLetter[] = [];
      const c = await client();
      await c.onDeadLetter((d) => {
        if (d.deviceId === device) got.push(d);
      });
      // A private queue with fedgate.dead as its dead-letter exchange, like fedgate.router's policy, but nobody
      // consumes it: the broker itself expires the message (deterministic whether or not a router runs).
      const admin = await adminConnection();
      const ch = await admin.createConfirmChannel();
      const { queue } = await ch.assertQueue('', {
        exclusive: true,
        arguments: { 'x-dead-letter-exchange': DEAD_EXCHANGE, 'x-dead-letter-routing-key': commandRoutingKey(device, 'reboot') },
      });
      ch.sendToQueue(queue, Buffer.from('{}'), { expiration: '1' });
      await ch.waitForConfirms();
      await pollUntil(() => got.length === 1, 10_000, 'the expired message');
      assert.equal(got[0]!.reason, 'expired');
      assert.equal(got[0]!.source, 'broker');
      assert.equal(got[0]!.queue, queue);
      assert.equal(got[0]!.name, 'reboot');
    });

    it('a command sent with a 1 ms TTL comes back as an expired dead letter, whether the broker or a router expired it', async () => {
      // With no router consuming fedgate.router, the queue dead-letters it (x-death reason `expired`). A router
      // running during the tests sees the deadline passed and dead-letters it with the header `expired`, or
      // republishes it and an outbox expires it. Every path ends on fedgate.dead as `expired`. Quorum queues
      // expire at the head, so a backlog in fedgate.router delays it by at most the queue's 60 s message TTL.
      const device = unique('dev');
      const got: DeadLetter[] = [];
      const c = await client();
      await c.onDeadLetter((d) => {
        if (d.deviceId === device) got.push(d);
      });
      const sent = await c.sendCommand(device, 'reboot', { now: true }, { ttlSeconds: 0.001 });
      await pollUntil(() => got.length >= 1, 70_000, 'the expired command on fedgate.dead');
      const dead = got[0]!;
      assert.equal(dead.reason, 'expired');
      assert.ok(dead.source === 'broker' || dead.source === 'router', dead.source);
      assert.equal(dead.name, 'reboot');
      assert.equal(dead.raw.properties.messageId, sent.messageId);
    });
  });

  describe('close', () => {
    it('on an existing connection, close() leaves the connection open and usable, and removes its consumers', async () => {
      const connection = await amqp.connect(appUri, { ...tls });
      cleanups.push(() => connection.close());
      const closeListeners = connection.listenerCount('close');
      const errorListeners = connection.listenerCount('error');
      const c = await createClient({ connection });
      const subscription = await c.onEvent(eventPattern(), () => undefined);
      await c.sendCommand(unique('dev'), 'ping', {}, { ttlSeconds: 1 });
      await c.close();
      await c.close();

      assert.equal(connection.listenerCount('close'), closeListeners);
      assert.equal(connection.listenerCount('error'), errorListeners);
      const ch = await connection.createConfirmChannel();
      ch.publish(COMMANDS_EXCHANGE, commandRoutingKey(unique('dev'), 'still-open'), Buffer.from('{}'), { expiration: '1000' });
      await ch.waitForConfirms();
      assert.equal(await fleet.admin('core').find(`/queues/${seg('/')}/${seg(subscription.queue)}`), undefined, 'the subscription queue is gone');
      assert.equal((await failure(c.sendCommand(unique('dev'), 'late', {}))).code, 'CONNECTION_CLOSED');
      assert.equal((await failure(c.onEvent(eventPattern(), () => undefined))).code, 'CONNECTION_CLOSED');
    });

    it('on its own connection, close() waits for a running handler, then closes the connection', async () => {
      const device = unique('dev');
      const name = unique('fedgate-client-test');
      const finished: string[] = [];
      let started!: () => void;
      const handlerStarted = new Promise<void>((r) => (started = r));
      const c = await createClient({ url: appUri, connectionName: name, ...(tls.ca ? { tls } : {}) });
      await c.onEvent(eventPattern({ deviceId: device }), async (e) => {
        started();
        await new Promise((r) => setTimeout(r, 300));
        finished.push(e.name);
      });
      const admin = fleet.admin('core');
      const mine = async () =>
        (await admin.get<{ client_properties?: { connection_name?: string } }[]>('/connections')).filter((x) => x.client_properties?.connection_name === name);
      const seenAt = Date.now() + 15_000;
      while ((await mine()).length === 0 && Date.now() < seenAt) await new Promise((r) => setTimeout(r, 200));
      assert.equal((await mine()).length, 1, "the management API lists the client's named connection");
      await publishConfirmed(adminUri, EVENTS_EXCHANGE, eventRoutingKey(device, 'slow'), '1');
      await handlerStarted;
      await c.close();
      assert.deepEqual(finished, ['slow'], 'close() waited for the handler');
      const deadline = Date.now() + 15_000;
      while ((await mine()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      assert.equal((await mine()).length, 0, 'the client closed the connection it opened');
    });
  });
});

// The attacks that worked on a plain fleet, tried again on the TLS test fleet: each must now fail, the victim must
// still get its command, and the legitimate paths (MQTT 3.1.1, MQTT 5, STOMP apps with tokens) must still work.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import amqp from 'amqplib';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Client as StompClient, IFrame } from '@stomp/stompjs';
import { EVENTS_EXCHANGE, commandRoutingKey, gatewayExchange, requiredCredentials } from '@fedgate/topology';
import type { FleetStatusReport } from '@fedgate/broker-admin';
import { ensureFleetCa, issueNodeCertificate } from '@fedgate/pki';
import type { RunningFleet } from '@fedgate/local-cluster';
import { runCli } from '../run-cli.ts';
import { sharedFleet } from '../shared-fleet.ts';
import { connectAmqp, publishConfirmed, tap } from '../amqp-probe.ts';
import { connectWithoutCertificate } from '../tls-handshake.ts';
import { connectStomp, gatewayOf, mqttDevice, pollUntil, stompApp, stompCollect } from '@fedgate/device-kit';

/** Every regular file under `dir` (sockets and the like skipped). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.isFile() ? [path] : [];
  });
}

/**
 * A TLS server that is not the backend: its certificate, for the backend's own address, comes from another CA.
 * Records the handshakes clients refused (they report the unknown CA to it) and any that completed.
 */
async function impostorBackend() {
  const dir = mkdtempSync(join(tmpdir(), 'fedgate-impostor-'));
  const ca = await ensureFleetCa(join(dir, 'pki'), 'impostor');
  const node = await issueNodeCertificate(ca, { cluster: 'core', hosts: ['127.0.0.1'] });
  let handshakes = 0;
  const refusals: string[] = [];
  const server = createTlsServer({ cert: readFileSync(node.certFile), key: readFileSync(node.keyFile) }, (socket) => {
    handshakes++;
    socket.destroy();
  });
  server.on('tlsClientError', (err: NodeJS.ErrnoException) => refusals.push(err.code ?? err.message));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    dir,
    port: (server.address() as AddressInfo).port,
    refusals,
    handshakes: () => handshakes,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** MQTT CONNACK codes: 3.1.1 return codes, and MQTT 5 reason codes for the same refusals. */
const IDENTIFIER_REJECTED = { 4: 2, 5: 0x85 } as const;
const BAD_LOGIN = { 4: 4, 5: 0x86 } as const;

describe('identity - attacks on device and app identities fail on the TLS fleet', function () {
  this.timeout(180_000);
  let fleet: RunningFleet;
  const open: (MqttClient | StompClient)[] = [];

  before(async () => {
    fleet = await sharedFleet();
    const plain = [fleet.topology.backend, ...fleet.topology.gateways].filter((c) => !c.tls).map((c) => c.name);
    // These attacks only fail with TLS on: a plain fleet here would be a wrong fixture, not a pass.
    assert.deepEqual(plain, [], `the test fleet must run every cluster with tls: true (${fleet.topologyFile})`);
  });
  afterEach(async () => {
    for (const c of open.splice(0)) {
      if ('endAsync' in c) await c.endAsync(true).catch(() => undefined);
      else await c.deactivate().catch(() => undefined);
    }
  });

  /** An MQTT connection to gateway eu presenting `owner`'s certificate, with whatever else the client claims. */
  async function withCertificateOf(owner: string, options: IClientOptions): Promise<MqttClient> {
    const gw = gatewayOf(fleet, 'eu');
    const identity = await fleet.deviceTls(owner);
    const client = await mqtt.connectAsync(`mqtts://${gw.host}:${gw.ports.mqtt}`, {
      ca: identity.ca,
      cert: identity.cert,
      key: identity.key,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      ...options,
    });
    open.push(client);
    return client;
  }

  async function victimOnline(gateway = 'eu'): Promise<{ id: string; client: MqttClient; got: string[] }> {
    const id = unique('victim');
    const client = await mqttDevice(fleet, gateway, id);
    open.push(client);
    const got: string[] = [];
    client.on('message', (_topic, payload) => got.push(payload.toString()));
    await client.subscribeAsync(`devices/${id}/commands/#`, { qos: 1 });
    return { id, client, got };
  }

  const command = (device: string, body: string) =>
    publishConfirmed(fleet.amqpEndpoint('core'), gatewayExchange('eu'), commandRoutingKey(device, 'unlock'), body);

  for (const version of [4, 5] as const) {
    it(`MQTT ${version === 4 ? '3.1.1' : '5'}: a device certificate cannot claim another device's client id or ".*" (CONNACK refuses it)`, async () => {
      const victim = await victimOnline();
      const attacker = unique('attacker');
      for (const clientId of [victim.id, '.*']) {
        await assert.rejects(withCertificateOf(attacker, { clientId, protocolVersion: version }), (err: { code?: number }) => {
          assert.equal(err.code, IDENTIFIER_REJECTED[version], `client id ${clientId}`);
          return true;
        });
      }
      // The victim's session was not taken over: still connected, and its next command reaches it.
      assert.ok(victim.client.connected, 'the victim is still connected');
      await command(victim.id, 'for-the-victim');
      await pollUntil(() => victim.got.includes('for-the-victim'), 15_000, "the victim's command");
    });

    it(`MQTT ${version === 4 ? '3.1.1' : '5'}: a device cannot log in under another device's name, even with the password "none"`, async () => {
      const victim = unique('victim');
      const attacker = unique('attacker');
      for (const password of ['none', 'anything']) {
        await assert.rejects(
          withCertificateOf(attacker, { clientId: attacker, username: victim, password, protocolVersion: version }),
          (err: { code?: number }) => {
            assert.equal(err.code, BAD_LOGIN[version], `password ${password}`);
            return true;
          },
        );
      }
    });
  }

  it("a device cannot subscribe to another device's commands, by name or wildcard; nothing reaches it, the victim gets its command", async () => {
    const victim = await victimOnline();
    const attacker = unique('attacker');
    const stolen: string[] = [];
    for (const filter of [`devices/${victim.id}/commands/#`, 'devices/+/commands/#', '#']) {
      const client = await withCertificateOf(attacker, { clientId: attacker });
      client.on('message', (topic) => stolen.push(topic));
      const granted = await client.subscribeAsync(filter, { qos: 1 }).then(
        (g) => g.map((s) => s.qos),
        (err: Error) => err.message,
      );
      assert.ok(typeof granted === 'string' || granted.every((qos) => qos >= 0x80), `${filter} was granted: ${JSON.stringify(granted)}`);
    }
    await command(victim.id, 'unlock-door');
    await pollUntil(() => victim.got.includes('unlock-door'), 15_000, "the victim's command");
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(stolen, [], 'the attacker received nothing');
  });

  it("STOMP: an app cannot consume an offline device's session queue; the device gets its queued command when it returns", async () => {
    const victim = unique('victim');
    const session = await mqttDevice(fleet, 'eu', victim, { clean: false });
    await session.subscribeAsync(`devices/${victim}/commands/#`, { qos: 1 });
    await session.endAsync();
    await command(victim, 'unlock-while-away');
    const queue = `mqtt-subscription-${victim}qos1`;
    await eventually(async () => (await queuedIn(queue)) === 1, 15_000, 'the command queued for the offline device');

    const app = await stompApp(fleet, 'eu', unique('attacker-app'));
    open.push(app);
    const refused = new Promise<IFrame>((resolve) => (app.onStompError = resolve));
    const stolen: string[] = [];
    app.subscribe(`/amq/queue/${queue}`, (m) => stolen.push(m.body));
    assert.match((await refused).headers.message ?? '', /access_refused/i);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(stolen, []);
    assert.equal(await queuedIn(queue), 1, 'the command is still queued for its device');

    const back = await mqttDevice(fleet, 'eu', victim, { clean: false });
    open.push(back);
    const got: string[] = [];
    back.on('message', (_topic, payload) => got.push(payload.toString()));
    await pollUntil(() => got.includes('unlock-while-away'), 15_000, 'the queued command after the device returned');
  });

  /** Messages in a gateway queue now (a passive declare; management statistics on gateways lag by a minute). */
  async function queuedIn(queue: string): Promise<number> {
    const connection = await connectAmqp(fleet.amqpEndpoint('eu'));
    try {
      return (await (await connection.createChannel()).checkQueue(queue)).messageCount;
    } finally {
      await connection.close();
    }
  }

  it('a device cannot log in to STOMP or AMQP: no device password exists and gateways offer no AMQP certificate login', async () => {
    const device = unique('device');
    const identity = await fleet.deviceTls(device);
    await assert.rejects(connectStomp(fleet, 'eu', { login: device, passcode: 'none', host: fleet.topology.vhost }), /^Error: Bad CONNECT: .*access refused/i);
    const gw = gatewayOf(fleet, 'eu');
    const socketOptions = { ca: [identity.ca], cert: identity.cert, key: identity.key };
    await assert.rejects(amqp.connect(`amqps://${device}:none@${gw.host}:${gw.ports.amqp}/%2F`, socketOptions), /ACCESS_REFUSED|403/);
    await assert.rejects(
      amqp.connect(`amqps://${gw.host}:${gw.ports.amqp}/%2F`, { ...socketOptions, credentials: amqp.credentials.external() }),
      /EXTERNAL|mechanism/i,
    );
  });

  it('without a client certificate the TLS handshake fails on every listener of a gateway, before any protocol byte', async () => {
    const gw = gatewayOf(fleet, 'eu');
    const ca = fleet.tls!.ca;
    const hellos: [string, number, Buffer][] = [
      ['mqtt', gw.ports.mqtt, Buffer.from([0x10, 0x00])],
      ['stomp', gw.ports.stomp, Buffer.from('CONNECT\n\n\0')],
      ['amqp', gw.ports.amqp, Buffer.from('AMQP\0\0\x09\x01', 'latin1')],
    ];
    for (const [listener, port, hello] of hellos) {
      const outcome = await connectWithoutCertificate(gw.host, port, ca, hello);
      assert.equal(outcome.bytesFromServer, 0, `${listener} answered a client without a certificate`);
      assert.match(outcome.errorCode ?? '', /CERTIFICATE_REQUIRED|HANDSHAKE|ECONNRESET/, `${listener}: ${outcome.errorCode}`);
    }
  });

  it('a link whose path leads to a certificate from another CA refuses to connect, and fedgate status says why', async function () {
    this.timeout(300_000);
    const impostor = await impostorBackend();
    // The same fleet, except that gateway eu's links go through "the network" to the impostor (its WAN port).
    const file = join(impostor.dir, 'fleet.yaml');
    const text = readFileSync(fleet.topologyFile, 'utf8');
    const secrets = resolve(dirname(fleet.topologyFile), (fleet.topology.credentials as { path: string }).path);
    writeFileSync(
      file,
      text
        .replace(/path: .*/, `path: ${secrets}`)
        .replace(/(\n {2}- name: eu\n(?: {4}.*\n)*? {4}maxConnections: .*\n)/, `$1    wan: { port: ${impostor.port} }\n`),
    );
    try {
      const applied = await runCli(['apply', '-f', file, '--cluster', 'eu']);
      assert.equal(applied.code, 0, applied.stdout + applied.stderr);
      await pollUntil(() => impostor.refusals.length >= 3, 60_000, 'every link of eu to try the impostor');
      const fromLinks = [...impostor.refusals];
      const status = await runCli(['status', '-f', file, '--no-canary', '--json']);
      assert.equal(status.code, 1, 'status exits 1');
      const links = (JSON.parse(status.stdout) as FleetStatusReport).links.filter((l) => l.gateway === 'eu');
      for (const link of links) {
        assert.notEqual(link.state, 'running', link.name);
        assert.match(link.reason ?? '', /not from the fleet CA/, `${link.name}: ${link.reason}`);
      }
      assert.equal(impostor.handshakes(), 0, 'no link completed a handshake with the impostor');
      // Each link aborted the handshake itself, telling the impostor its CA is unknown.
      assert.ok(
        fromLinks.every((code) => code === 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'),
        fromLinks.join(),
      );
    } finally {
      await runCli(['apply', '-f', fleet.topologyFile, '--cluster', 'eu']);
      await impostor.close();
    }
    await eventually(async () => (await runCli(['status', '-f', fleet.topologyFile, '--no-canary'])).code === 0, 60_000, "eu's links back on the real backend");
  });

  it('no password of the fleet is in any file of its state: definitions, broker databases, logs, keys', async () => {
    const passwords = requiredCredentials(fleet.topology).map((ref) => ({ ref, bytes: Buffer.from(fleet.secrets.password(ref.cluster, ref.user)) }));
    const files = filesUnder(fleet.stateDir);
    assert.ok(files.some((f) => f.endsWith('definitions.json')) && files.some((f) => f.endsWith('.log')), "the fleet's definitions and logs are there");
    for (const file of files) {
      const content = readFileSync(file);
      for (const { ref, bytes } of passwords) assert.ok(!content.includes(bytes), `${file} holds the password of ${ref.user} on ${ref.cluster}`);
      if (file.endsWith('definitions.json')) assert.doesNotMatch(content.toString(), /amqps?:\/\/[^/"@]+:[^/"@]+@/, `${file} has a URI with a password`);
    }
  });

  it('legitimate devices and apps still work: MQTT 3.1.1, MQTT 5 and a STOMP app each get their own command and send events', async () => {
    const events = await tap(fleet.amqpEndpoint('core'), EVENTS_EXCHANGE, 'devices.#');
    try {
      const ids = { v4: unique('legit'), v5: unique('legit'), app: unique('legit-app') };
      const got = new Map<string, string[]>(Object.values(ids).map((id) => [id, []]));
      for (const [id, protocolVersion] of [
        [ids.v4, 4],
        [ids.v5, 5],
      ] as const) {
        const client = await withCertificateOf(id, { clientId: id, protocolVersion });
        client.on('message', (_topic, payload) => got.get(id)!.push(payload.toString()));
        await client.subscribeAsync(`devices/${id}/commands/#`, { qos: 1 });
        await client.publishAsync(`devices/${id}/events/hello`, `hello from ${id}`, { qos: 1 });
      }
      const app = await stompApp(fleet, 'eu', ids.app);
      open.push(app);
      const appGot = stompCollect(app, ids.app);
      app.publish({ destination: `/topic/devices.${ids.app}.events.hello`, body: `hello from ${ids.app}` });
      await new Promise((r) => setTimeout(r, 500)); // the STOMP subscription is asynchronous
      for (const id of Object.values(ids)) await command(id, `for ${id}`);
      await pollUntil(() => got.get(ids.v4)!.length > 0 && got.get(ids.v5)!.length > 0 && appGot.length > 0, 15_000, 'every legitimate command');
      assert.deepEqual([got.get(ids.v4), got.get(ids.v5), appGot.map((m) => m.body)], [[`for ${ids.v4}`], [`for ${ids.v5}`], [`for ${ids.app}`]]);
      for (const id of Object.values(ids)) await events.next((m) => m.content.toString() === `hello from ${id}`, 15_000);
    } finally {
      await events.close();
    }
  });
});

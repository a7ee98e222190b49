// The browser example app (packages/web/example-app) in Debian's chromium, over MQTT on secure WebSockets (web-mqtt) with
// its signed token: the router places it by its own subscription, its commands reach the page, its events reach the
// backend attributed to its gateway; it cannot subscribe to another identity's commands.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import {
  COMMANDS_EXCHANGE,
  DEADLINE_HEADER,
  DEVICES_EXCHANGE,
  EVENTS_EXCHANGE,
  ROUTE_HEADER,
  ROUTER_USER,
  commandRoutingKey,
  uplinkUser,
  webMqttPort,
  webStompPort,
} from '@fedgate/topology';
import { RouterService } from '@fedgate/router';
import { startExampleAppServer, type ExampleAppServer } from '@fedgate/web';
import type { RunningFleet } from '@fedgate/local-cluster';
import { sharedFleet } from '../shared-fleet.ts';
import { connectAmqp, publishConfirmed, tap, type Tap } from '../amqp-probe.ts';
import { launchChromium, screenshotPath } from '../browser.ts';
import { gatewayOf, mqttDevice, pollUntil } from '@fedgate/device-kit';

const quiet = pino({ level: 'silent' });
/** The test fleet's browser gateway: web-mqtt and web-stomp, no raw MQTT (so no device logins at all). */
const WEB = 'web';

function webMqttUrl(fleet: RunningFleet, gateway: string): string {
  const gw = gatewayOf(fleet, gateway);
  return `${gw.tls ? 'wss' : 'ws'}://${gw.host}:${webMqttPort(gw)}/ws`;
}

function webStompUrl(fleet: RunningFleet, gateway: string): string {
  const gw = gatewayOf(fleet, gateway);
  return `${gw.tls ? 'wss' : 'ws'}://${gw.host}:${webStompPort(gw)}/ws`;
}

/** A command as a microservice sends it: to fedgate.commands, for the router to place. */
async function sendCommand(fleet: RunningFleet, deviceId: string, name: string, body: string): Promise<void> {
  const connection = await connectAmqp(fleet.amqpEndpoint('core', 'fedgate-app'));
  try {
    const channel = await connection.createConfirmChannel();
    channel.publish(COMMANDS_EXCHANGE, commandRoutingKey(deviceId, name), Buffer.from(body), {
      persistent: true,
      expiration: '60000',
      headers: { [DEADLINE_HEADER]: Date.now() + 60_000 },
    });
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

const rows = (page: Page) => page.locator('#commands tr').allInnerTexts();

describe('web - the browser example app over web-mqtt, in chromium', function () {
  this.timeout(120_000);
  let fleet: RunningFleet;
  let browser: Browser;
  let router: RouterService;
  const servers: ExampleAppServer[] = [];
  const taps: Tap[] = [];

  before(async () => {
    fleet = await sharedFleet();
    browser = await launchChromium(fleet.tls?.ca);
    router = new RouterService(
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
    await router.start();
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    for (const t of taps.splice(0)) await t.close();
  });
  after(async () => {
    await browser?.close();
    await router?.stop();
  });

  /** The example app's page; with `connect`, config.json carries the token and the page connects by itself. */
  async function openApp(app: string, gateway: string, connect = true): Promise<Page> {
    const server = await startExampleAppServer({ config: { url: webMqttUrl(fleet, gateway), app, ...(connect ? { token: await fleet.appToken(app) } : {}) } });
    servers.push(server);
    const page = await browser.newPage();
    await page.goto(server.url);
    if (connect) await page.locator('#status[data-state="subscribed"]').waitFor({ timeout: 20_000 });
    return page;
  }

  it('receives a command routed to its identity by the router, and its event reaches the backend attributed to its gateway', async () => {
    const app = `web-${randomUUID().slice(0, 8)}`;
    const page = await openApp(app, WEB);
    try {
      // Its own session queue, bound by its own (token) login: the router believes it and places the app at its gateway.
      await pollUntil(() => router.directory.lookup(app, Date.now(), 60_000)?.gateway === WEB, 10_000, `the router to place the browser app at ${WEB}`);
      const elsewhere = await Promise.all(['eu', 'us'].map((gw) => tap(fleet.amqpEndpoint(gw), DEVICES_EXCHANGE, `devices.${app}.#`)));
      const events = await tap(fleet.amqpEndpoint('core'), EVENTS_EXCHANGE, `devices.${app}.events.#`);
      taps.push(...elsewhere, events);
      const routed = await tap(fleet.amqpEndpoint(WEB), DEVICES_EXCHANGE, `devices.${app}.commands.#`);
      taps.push(routed);

      await sendCommand(fleet, app, 'refresh', '{"view":"all"}');
      await pollUntil(() => routed.messages.length > 0, 10_000, `the command at ${WEB}`);
      assert.equal(routed.messages[0]!.properties.headers?.[ROUTE_HEADER], 'direct', `routed straight to ${WEB}, not broadcast`);
      await page.locator('#commands tr', { hasText: 'refresh' }).waitFor({ timeout: 10_000 });
      assert.match((await rows(page))[0]!, /refresh\s+\{"view":"all"\}/);
      assert.deepEqual(
        elsewhere.map((t) => t.messages.length),
        [0, 0],
        'nothing for the app reached eu or us',
      );

      await page.fill('#event input[name="name"]', 'viewed');
      await page.fill('#event input[name="body"]', '{"screen":"home"}');
      await page.click('#event button');
      const event = await events.next((m) => m.fields.routingKey === `devices.${app}.events.viewed`, 15_000);
      assert.equal(event.content.toString(), '{"screen":"home"}');
      assert.equal(event.properties.appId, WEB, 'attributed to the gateway it came through');
      assert.equal(event.properties.userId, uplinkUser(WEB), 'by the uplink login the backend checked');
      await page.locator('#sent', { hasText: 'confirmed' }).waitFor({ timeout: 5_000 });
      await page.screenshot({ path: await screenshotPath('web-app'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it("cannot subscribe to another identity's commands, nor take another client id: refused, nothing delivered", async () => {
    const app = `web-${randomUUID().slice(0, 8)}`;
    const victim = `dev-${randomUUID().slice(0, 8)}`;
    // The page only hosts the attempts (same origin, same mqtt browser build): it does not connect itself, so no
    // attempt with the app's own client id takes its session over.
    const page = await openApp(app, WEB, false);
    try {
      const token = await fleet.appToken(app);
      const url = webMqttUrl(fleet, WEB);
      // From the page, with the same browser build of mqtt the app uses: its token, but another's topic or client id.
      const attempt = (clientId: string, topic: string) =>
        page.evaluate(
          async ({ url, token, clientId, topic }) => {
            const { default: mqtt } = await import('./vendor/mqtt.esm.js' as string);
            const client = mqtt.connect(url, { clientId, username: clientId, password: token, reconnectPeriod: 0, protocolVersion: 5 });
            const received: string[] = [];
            client.on('message', (t: string) => received.push(t));
            const outcome = await new Promise<string>((resolve) => {
              client.on('error', (e: Error) => resolve(`error: ${e.message}`));
              client.on('close', () => resolve('closed'));
              client.on('connect', () =>
                client.subscribe(topic, { qos: 1 }, (err: Error | null, granted?: { qos: number }[]) =>
                  resolve(
                    err ? `refused: ${err.message}` : granted?.every((g) => g.qos <= 2) ? 'granted' : `refused: reason ${granted?.map((g) => g.qos).join(',')}`,
                  ),
                ),
              );
            });
            await new Promise((r) => setTimeout(r, 1500)); // anything the broker would deliver has time to arrive
            client.end(true);
            return { outcome, received };
          },
          { url, token, app, clientId, topic },
        );

      // The victim's commands arrive at the browser gateway as a command for it would.
      const flood = setInterval(() => {
        publishConfirmed(fleet.amqpEndpoint(WEB), DEVICES_EXCHANGE, commandRoutingKey(victim, 'unlock'), 'secret').catch(() => undefined);
      }, 200);
      try {
        const otherTopic = await attempt(app, `devices/${victim}/commands/#`);
        assert.notEqual(otherTopic.outcome, 'granted', `subscribing to ${victim}'s commands: ${otherTopic.outcome}`);
        assert.deepEqual(otherTopic.received, []);
        const wildcard = await attempt(app, 'devices/+/commands/#');
        assert.notEqual(wildcard.outcome, 'granted', `a wildcard: ${wildcard.outcome}`);
        assert.deepEqual(wildcard.received, []);
        // Another client id is another session queue, which its token does not grant, even for its own topic.
        const borrowed = await attempt(victim, `devices/${app}/commands/#`);
        assert.notEqual(borrowed.outcome, 'granted', `client id ${victim}: ${borrowed.outcome}`);
      } finally {
        clearInterval(flood);
      }
      assert.equal(router.directory.lookup(victim, Date.now(), 60_000), undefined, 'nothing placed the victim anywhere');
      // The same harness, on the app's own topic with its own client id, is granted: the refusals above are the broker's.
      assert.equal((await attempt(app, `devices/${app}/commands/#`)).outcome, 'granted');
    } finally {
      await page.close();
    }
  });
  it('keeps a silent browser connection open past a minute (a WebSocket server would close it at 60 s)', async function () {
    this.timeout(120_000);
    const app = `web-${randomUUID().slice(0, 8)}`;
    // Keepalive 0: the client never pings, so only the WebSocket's own idle timeout could close it.
    const client = await mqtt.connectAsync(webMqttUrl(fleet, WEB), {
      clientId: app,
      username: app,
      password: await fleet.appToken(app),
      protocolVersion: 5,
      keepalive: 0,
      reconnectPeriod: 0,
      ...(fleet.tls ? { ca: fleet.tls.ca } : {}),
    });
    let closedAfterMs: number | undefined;
    const opened = Date.now();
    client.once('close', () => (closedAfterMs = Date.now() - opened));
    try {
      await new Promise((r) => setTimeout(r, 65_000));
      assert.equal(closedAfterMs, undefined, `the gateway closed the silent connection after ${closedAfterMs} ms`);
      const [granted] = await client.subscribeAsync(`devices/${app}/commands/#`, { qos: 1 });
      assert.equal(granted?.qos, 1, 'the connection still works after a minute of silence');
    } finally {
      await client.endAsync(true);
    }
  });

  it('no browser passes for a device: password "none" with a device\'s name is refused over web-mqtt and web-stomp', async () => {
    const victim = `dev-${randomUUID().slice(0, 8)}`;
    const app = `web-${randomUUID().slice(0, 8)}`;
    // A real device, so the name is one the fleet knows (its certificate login works over raw MQTT at eu).
    const device = await mqttDevice(fleet, 'eu', victim);
    await device.endAsync(true);
    const page = await openApp(app, WEB, false);
    try {
      // What a device's certificate login looks like to the authorisation endpoint (user = client id, password
      // "none"): on the browser gateway no device logs in at all, so it is refused.
      const overMqtt = await page.evaluate(
        async ({ url, victim }) => {
          const { default: mqtt } = await import('./vendor/mqtt.esm.js' as string);
          const client = mqtt.connect(url, { clientId: victim, username: victim, password: 'none', reconnectPeriod: 0, protocolVersion: 4 });
          const outcome = await new Promise<string>((resolve) => {
            client.on('connect', () => resolve('connected'));
            client.on('error', (e: Error) => resolve(`error: ${e.message}`));
            client.on('close', () => resolve('closed'));
          });
          client.end(true);
          return outcome;
        },
        { url: webMqttUrl(fleet, WEB), victim },
      );
      assert.match(overMqtt, /Bad username or password|Not authorized|closed/, overMqtt);

      // STOMP over wss at a gateway with devices: a STOMP login carries no client id, which the endpoint refuses;
      // the app's own token is accepted (the same frames, so the refusal is the broker's).
      const stompLogin = (login: string, passcode: string) =>
        page.evaluate(
          async ({ url, login, passcode, vhost }) => {
            const ws = new WebSocket(url, ['v12.stomp']);
            return new Promise<string>((resolve) => {
              ws.onopen = () => ws.send(`CONNECT\naccept-version:1.2\nhost:${vhost}\nlogin:${login}\npasscode:${passcode}\n\n\0`);
              ws.onmessage = (e) => {
                resolve(String(e.data).split('\n')[0]!);
                ws.close();
              };
              ws.onerror = () => resolve('socket error');
              ws.onclose = () => resolve('closed');
            });
          },
          { url: webStompUrl(fleet, 'eu'), login, passcode, vhost: fleet.topology.vhost },
        );
      assert.equal(await stompLogin(victim, 'none'), 'ERROR');
      assert.equal(await stompLogin(app, await fleet.appToken(app)), 'CONNECTED');
    } finally {
      await page.close();
    }
  });
});

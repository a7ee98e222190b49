// What the router integration suites share: a router on the shared fleet, commands published as an app would,
// devices placed by presence events, and the router's HTTP state.
import { randomUUID } from 'node:crypto';
import { Connection, type Envelope } from 'rabbitmq-client';
import { pino } from 'pino';
import { APP_USER, BINDING_CREATED, BINDING_DELETED, COMMANDS_EXCHANGE, DEADLINE_HEADER, PRESENCE_EXCHANGE, ROUTER_USER, uplinkUser } from '@fedgate/topology';
import { RouterService, devicePresenceHeaders, type RouterOptions } from '@fedgate/router';
import type { RunningFleet } from '@fedgate/local-cluster';
import { connectAmqp, linkUserEndpoint } from '../amqp-probe.ts';
import { pollUntil } from '@fedgate/device-kit';

export const quiet = pino({ level: 'silent' });

export function newRouter(fleet: RunningFleet, options: Partial<RouterOptions> = {}): RouterService {
  return new RouterService(
    {
      amqpUrl: fleet.amqpUri('core', ROUTER_USER),
      tls: fleet.amqpTlsOptions('core'),
      topology: fleet.topology,
      httpPort: 0,
      httpHost: '127.0.0.1',
      healthIntervalMs: 500,
      ...options,
    },
    quiet,
  );
}

/** A short unique device id with a readable prefix. */
export function deviceId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface OutgoingCommand {
  readonly routingKey: string;
  readonly body: Buffer;
  /** Properties; without `headers` the command gets a deadline a minute ahead. */
  readonly options?: Partial<Envelope>;
}

/**
 * Publishes commands to fedgate.commands as `fedgate-app`, in order on one channel, and waits for every confirm.
 * rabbitmq-client rather than amqplib: amqplib cannot write a header table over 64 KiB (the broker gets a cut
 * table), and a hostile sender must be able to send one.
 */
export async function publishCommands(fleet: RunningFleet, commands: readonly OutgoingCommand[]): Promise<void> {
  const connection = new Connection({ url: fleet.amqpUri('core', APP_USER), tls: fleet.amqpTlsOptions('core'), frameMax: 131_072 });
  try {
    const publisher = connection.createPublisher({ confirm: true });
    await Promise.all(
      commands.map((c) =>
        publisher.send(
          { exchange: COMMANDS_EXCHANGE, routingKey: c.routingKey, durable: true, headers: { [DEADLINE_HEADER]: Date.now() + 60_000 }, ...c.options },
          c.body,
        ),
      ),
    );
    await publisher.close();
  } finally {
    await connection.close();
  }
}

/**
 * Puts presence events on the backend as gateway `gateway`'s presence link would (same user, so the broker
 * checks user_id): each device in `ids` subscribed (or, for `left`, unsubscribed) at `at`.
 */
export async function publishPresence(
  fleet: RunningFleet,
  gateway: string,
  ids: readonly string[],
  options: { at?: number; type?: 'arrived' | 'left' } = {},
): Promise<void> {
  const user = uplinkUser(gateway);
  const routingKey = options.type === 'left' ? BINDING_DELETED : BINDING_CREATED;
  const at = options.at ?? Date.now();
  const connection = await connectAmqp(await linkUserEndpoint(fleet, user));
  try {
    const channel = await connection.createConfirmChannel();
    for (const [i, id] of ids.entries()) {
      const headers = devicePresenceHeaders(id, at);
      if (!channel.publish(PRESENCE_EXCHANGE, routingKey, Buffer.alloc(0), { userId: user, appId: gateway, headers })) {
        await new Promise((resolve) => channel.once('drain', resolve));
      }
      if (i % 5_000 === 4_999) await channel.waitForConfirms();
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

/** `count` device ids `${prefix}-<n>`. */
export function deviceIds(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

export async function placed(router: RouterService, device: string, gateway: string, timeoutMs = 5_000): Promise<void> {
  await pollUntil(() => router.directory.lookup(device, Date.now(), 3_600_000)?.gateway === gateway, timeoutMs, `${device} placed at ${gateway}`);
}

/** GET one of the router's endpoints: status and body. */
export async function endpoint(router: RouterService, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${router.httpPort}${path}`, { signal: AbortSignal.timeout(2_000) });
  return { status: response.status, body: await response.text() };
}

/** Sum of a counter's values in the router's registry, optionally for one label value. */
export async function counterTotal(router: RouterService, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await router.metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)).reduce((n, v) => n + v.value, 0);
}

/** Records the router's readiness on every tick until stopped: the states it went through, in order. */
export function watchReadiness(router: RouterService): { states: string[]; stop(): void } {
  // The state now, then every change: a busy event loop may run the first interval tick late.
  const states: string[] = [router.readiness.reason];
  const timer = setInterval(() => {
    const reason = router.readiness.reason;
    if (states.at(-1) !== reason) states.push(reason);
  }, 5);
  return { states, stop: () => clearInterval(timer) };
}

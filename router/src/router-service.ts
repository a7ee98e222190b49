import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Connection, type AsyncMessage, type Consumer, type Publisher } from 'rabbitmq-client';
import type { Logger } from 'pino';
import {
  BROADCAST_EXCHANGE, DEAD_EXCHANGE, DEAD_REASON_HEADER, DEADLINE_HEADER, GATEWAY_HEADER, PRESENCE_EXCHANGE, PRESENCE_STREAM,
  ROUTE_HEADER, ROUTER_QUEUE, gatewayExchange, outboxQueue, type Gateway,
} from '@fedgate/topology';
import { DeviceDirectory } from './device-directory.ts';
import { parsePresenceEvent } from './presence-event.ts';
import { routeCommand, type DeadReason } from './route-command.ts';
import { RouterMetrics } from './router-metrics.ts';
import { normalizeRouterOptions, type NormalizedRouterOptions, type RouterOptions } from './router-options.ts';

const HOP_HEADER = 'x-fedgate-hop';
const SYNC_PREFIX = 'router.sync.';

/** The queue that shows whether a gateway's downlink is consuming: its outbox, or federation's upstream queue. */
export function downlinkQueue(gw: Gateway): string {
  return gw.downlink.kind === 'shovel' ? outboxQueue(gw.name) : `federation: ${gatewayExchange(gw.name)} -> ${gw.name}`;
}

/**
 * The location-aware router: rebuilds its directory from the presence stream, then routes each command from
 * `fedgate.router` to its device's gateway (or broadcasts), acking only after the broker confirmed the republish.
 */
export class RouterService {
  readonly options: NormalizedRouterOptions;
  readonly metrics = new RouterMetrics();
  readonly directory: DeviceDirectory;
  readonly #log: Logger;
  readonly #instance = randomUUID();
  readonly #healthy = new Map<string, boolean>();
  readonly #returned = new Set<string>();
  #connection?: Connection;
  #publisher?: Publisher;
  #commands?: Consumer;
  #presence?: Consumer;
  #http?: Server;
  #healthTimer?: NodeJS.Timeout;
  #hop = 0;
  #replayed = false;
  #stopping = false;

  constructor(options: RouterOptions, log: Logger) {
    this.options = normalizeRouterOptions(options);
    this.directory = new DeviceDirectory(this.options.topology.gateways.map((g) => g.name));
    this.#log = log.child({ module: 'router' });
  }

  /** Ready: the directory is rebuilt and commands are being consumed. */
  get ready(): boolean {
    return this.#replayed && !this.#stopping && this.#commands !== undefined;
  }

  get httpPort(): number | undefined {
    return (this.#http?.address() as AddressInfo | null)?.port;
  }

  async start(): Promise<void> {
    await this.#startHttp();
    const connection = new Connection({
      url: this.options.amqpUrl,
      connectionName: `fedgate-router-${this.#instance.slice(0, 8)}`,
      ...(this.options.tls === undefined ? {} : { tls: this.options.tls }),
    });
    this.#connection = connection;
    connection.on('error', (err) => this.#log.warn({ err }, 'connection error; reconnecting'));
    connection.on('connection', () => this.#log.info('connected to the backend'));
    this.#publisher = connection.createPublisher({
      confirm: true,
      maxAttempts: 1,
      onReturn: (msg) => {
        const hop = msg.headers?.[HOP_HEADER];
        if (typeof hop === 'string') this.#returned.add(hop);
      },
    });
    await this.#checkGatewayHealth();
    this.#healthTimer = setInterval(() => void this.#checkGatewayHealth(), this.options.healthIntervalMs).unref();
    await this.#replayPresence();
    this.#commands = connection.createConsumer(
      { queue: ROUTER_QUEUE, queueOptions: { passive: true }, qos: { prefetchCount: this.options.prefetch }, concurrency: this.options.prefetch, requeue: true },
      (msg) => this.#route(msg),
    );
    this.#commands.on('error', (err) => this.#log.warn({ err }, 'command consumer error'));
    this.#log.info({ devices: this.directory.size }, 'routing commands');
  }

  /** Ordered shutdown: not ready → stop consuming and finish in-flight confirms → close → HTTP. Bounded. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#log.info('shutting down');
    clearInterval(this.#healthTimer);
    const bounded = (p: Promise<unknown> | undefined) =>
      Promise.race([p?.catch(() => undefined), new Promise((r) => setTimeout(r, this.options.shutdownTimeoutMs).unref())]);
    await bounded(this.#commands?.close());
    await bounded(this.#presence?.close());
    await bounded(this.#publisher?.close());
    await bounded(this.#connection?.close());
    await new Promise<void>((resolve) => (this.#http ? this.#http.close(() => resolve()) : resolve()));
    this.#log.info('stopped');
  }

  /** Replays the presence stream from its start, then keeps following it; resolves once it passed our own marker. */
  async #replayPresence(): Promise<void> {
    const marker = `${SYNC_PREFIX}${this.#instance}`;
    let caughtUp: () => void = () => {};
    const done = new Promise<void>((resolve) => (caughtUp = resolve));
    this.#presence = this.#connection!.createConsumer(
      {
        queue: PRESENCE_STREAM,
        queueOptions: { passive: true },
        qos: { prefetchCount: 2_000 },
        arguments: { 'x-stream-offset': 'first' },
      },
      (msg) => {
        if (msg.routingKey === marker) {
          this.#replayed = true;
          caughtUp();
          return;
        }
        this.#applyPresence(msg);
      },
    );
    this.#presence.on('error', (err) => this.#log.warn({ err }, 'presence consumer error'));
    const started = Date.now();
    await this.#publisher!.send({ exchange: PRESENCE_EXCHANGE, routingKey: marker, durable: false }, '');
    await done;
    this.#log.info({ devices: this.directory.size, ms: Date.now() - started }, 'directory rebuilt from the presence stream');
  }

  #applyPresence(msg: AsyncMessage): void {
    const event = parsePresenceEvent({ routingKey: msg.routingKey, userId: msg.userId, timestamp: msg.timestamp, headers: msg.headers });
    if (!event) return;
    const changed = event.type === 'arrived' ? this.directory.arrived(event.deviceId, event.gateway, event.at) : this.directory.left(event.deviceId, event.gateway, event.at);
    this.metrics.presenceEvents.inc({ type: changed ? event.type : 'ignored' });
    this.metrics.directorySize.set(this.directory.size);
  }

  async #checkGatewayHealth(): Promise<void> {
    await Promise.all(
      this.options.topology.gateways.map(async (gw) => {
        let healthy = false;
        try {
          const ok = await this.#connection!.queueDeclare({ queue: downlinkQueue(gw), passive: true });
          healthy = ok.consumerCount > 0;
        } catch {
          healthy = false;
        }
        if (this.#healthy.get(gw.name) !== healthy) this.#log.info({ gateway: gw.name, healthy }, 'gateway downlink health changed');
        this.#healthy.set(gw.name, healthy);
        this.metrics.gatewayHealthy.set({ gateway: gw.name }, healthy ? 1 : 0);
      }),
    );
  }

  async #route(msg: AsyncMessage): Promise<void> {
    const started = performance.now();
    const body = toBuffer(msg.body);
    const deadline = Number(msg.headers?.[DEADLINE_HEADER]);
    const decision = routeCommand(
      { routingKey: msg.routingKey, bodyBytes: body.length, deadline: Number.isFinite(deadline) ? deadline : undefined, timestamp: msg.timestamp },
      this.directory,
      (gw) => this.#healthy.get(gw) !== false,
      this.options.policy,
      Date.now(),
    );
    if (decision.action === 'dead') {
      await this.#deadLetter(msg, body, decision.reason);
      return;
    }
    const direct = decision.action === 'direct';
    const returned = await this.#republish(msg, body, {
      exchange: direct ? gatewayExchange(decision.gateway) : BROADCAST_EXCHANGE,
      route: direct ? 'direct' : 'broadcast',
      gateway: direct ? decision.gateway : undefined,
      expiration: decision.remainingMs,
    });
    if (returned) {
      await this.#deadLetter(msg, body, 'unroutable');
      return;
    }
    this.metrics.routed.inc({ route: direct ? 'direct' : 'broadcast', gateway: direct ? decision.gateway : '*' });
    this.metrics.routingLatency.observe((performance.now() - started) / 1000);
  }

  /** Publishes and waits for the broker's confirm; returns true when the broker returned it as unroutable. */
  async #republish(
    msg: AsyncMessage,
    body: Buffer,
    to: { exchange: string; route: 'direct' | 'broadcast'; gateway?: string; expiration: number },
  ): Promise<boolean> {
    const hop = `${this.#instance}:${++this.#hop}`;
    await this.#publisher!.send(
      {
        exchange: to.exchange,
        routingKey: msg.routingKey,
        mandatory: true,
        durable: true,
        expiration: String(to.expiration),
        contentType: msg.contentType,
        contentEncoding: msg.contentEncoding,
        messageId: msg.messageId,
        correlationId: msg.correlationId,
        replyTo: msg.replyTo,
        timestamp: msg.timestamp,
        type: msg.type,
        headers: { ...msg.headers, [ROUTE_HEADER]: to.route, ...(to.gateway ? { [GATEWAY_HEADER]: to.gateway } : {}), [HOP_HEADER]: hop },
      },
      body,
    );
    return this.#returned.delete(hop);
  }

  async #deadLetter(msg: AsyncMessage, body: Buffer, reason: DeadReason): Promise<void> {
    await this.#publisher!.send(
      {
        exchange: DEAD_EXCHANGE,
        routingKey: msg.routingKey || 'invalid',
        durable: true,
        contentType: msg.contentType,
        contentEncoding: msg.contentEncoding,
        messageId: msg.messageId,
        correlationId: msg.correlationId,
        timestamp: msg.timestamp,
        headers: { ...msg.headers, [DEAD_REASON_HEADER]: reason },
      },
      body,
    );
    this.metrics.deadLettered.inc({ reason });
    this.#log.debug({ routingKey: msg.routingKey, reason }, 'dead-lettered a command');
  }

  async #startHttp(): Promise<void> {
    this.#http = createServer((req, res) => {
      if (req.url === '/metrics') {
        this.metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text),
          (err) => res.writeHead(500).end(String(err)),
        );
      } else if (req.url === '/healthz') {
        res.writeHead(this.#stopping ? 503 : 200).end(this.#stopping ? 'stopping\n' : 'ok\n');
      } else if (req.url === '/readyz') {
        res.writeHead(this.ready ? 200 : 503).end(this.ready ? 'ready\n' : 'not ready\n');
      } else {
        res.writeHead(404).end('not found\n');
      }
    });
    await new Promise<void>((resolve) => this.#http!.listen(this.options.httpPort, this.options.httpHost, resolve));
  }
}

/** rabbitmq-client decodes text and JSON bodies; republish them as the bytes they came as. */
function toBuffer(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body ?? null), 'utf8');
}

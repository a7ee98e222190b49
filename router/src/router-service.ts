import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Connection, type Consumer, type Publisher } from 'rabbitmq-client';
import type { Logger } from 'pino';
import { ROUTER_QUEUE, type Gateway } from '@fedgate/topology';
import { brokerFrameMax } from './broker-frame-max.ts';
import { CommandHandler } from './command-handler.ts';
import { maxHeaderBytesFor } from './command-headers.ts';
import { DeviceDirectory } from './device-directory.ts';
import { DownlinkHealth } from './downlink-health.ts';
import { guardHeaderTables } from './header-table-guard.ts';
import { OutboxEvacuator, type EvacuationCounts } from './outbox-evacuator.ts';
import { startHttpEndpoints } from './http-endpoints.ts';
import { PresenceFollower, type PresenceStart } from './presence-follower.ts';
import { keepRawBodies } from './raw-bodies.ts';
import { readiness, type Readiness } from './readiness.ts';
import { RouterError, RouterOptionsError } from './router-error.ts';
import { RouterMetrics } from './router-metrics.ts';
import { normalizeRouterOptions, snapshotWindow, type NormalizedRouterOptions, type RouterOptions } from './router-options.ts';
import { applySnapshot, readNewestSnapshot } from './snapshot-loader.ts';
import { SnapshotWriter, type WrittenSnapshot } from './snapshot-writer.ts';
import { pause } from './with-timeout.ts';

/** Health checks in a row a lost gateway must pass before its evacuation stops. */
const RETURN_CONFIRMATION_CHECKS = 3;

/** rabbitmq-client's reconnect back-off ceiling; its 30 s default would leave the consumer away that long. */
const RETRY_HIGH_MS = 5_000;

/** How the directory was rebuilt at start. */
export interface RebuildReport {
  readonly snapshotDevices: number;
  readonly snapshotBytes: number;
  readonly presenceEvents: number;
  /** Reading and applying the snapshot, then each part of that. */
  readonly snapshotMs: number;
  readonly snapshotReadMs: number;
  readonly snapshotApplyMs: number;
  readonly presenceMs: number;
}

/**
 * The location-aware router: rebuilds its directory (newest snapshot, then the presence log's tail), then routes
 * each command from `fedgate.router` to its device's gateway (or broadcasts), acking only after the broker
 * confirmed the republish. rabbitmq-client re-creates consumers and publisher channels after any loss; /readyz
 * follows whether the command consumer is live.
 */
export class RouterService {
  readonly options: NormalizedRouterOptions;
  readonly metrics = new RouterMetrics();
  readonly directory: DeviceDirectory;
  /** The logger handed in; each module logs through its own child of it. */
  readonly #baseLog: Logger;
  readonly #log: Logger;
  readonly #instance = randomUUID();
  #connection?: Connection;
  #publisher?: Publisher;
  #commands?: Consumer;
  #handler?: CommandHandler;
  #presence?: PresenceFollower;
  #snapshots?: SnapshotWriter;
  #health?: DownlinkHealth;
  #http?: Server;
  #healthTimer?: NodeJS.Timeout;
  #frameMax?: number;
  #rebuilt = false;
  #stopping = false;
  #rebuild?: RebuildReport;
  readonly #unhealthySince = new Map<string, number>();
  readonly #evacuators = new Map<string, OutboxEvacuator>();
  readonly #forced = new Set<string>();
  readonly #healthySince = new Map<string, number>();

  constructor(options: RouterOptions, log: Logger) {
    this.options = normalizeRouterOptions(options);
    guardHeaderTables();
    this.directory = new DeviceDirectory(this.options.topology.gateways.map((g) => g.name));
    this.#baseLog = log;
    this.#log = log.child({ module: 'router-service' });
    this.metrics.watchConsumers(() => ({ commands: this.#commandsLive(), presence: this.#presence?.live ?? false }));
  }

  /** Ready: the directory is rebuilt and the command consumer is live. */
  get ready(): boolean {
    return this.readiness.ready;
  }

  get readiness(): Readiness {
    return readiness({ stopping: this.#stopping, directoryRebuilt: this.#rebuilt, commandConsumerLive: this.#commandsLive() });
  }

  get httpPort(): number | undefined {
    return (this.#http?.address() as AddressInfo | null)?.port;
  }

  /** The frame size negotiated with the backend, once started. */
  get frameMax(): number | undefined {
    return this.#frameMax;
  }

  get rebuildReport(): RebuildReport | undefined {
    return this.#rebuild;
  }

  /** Starts, or fails with a RouterError after releasing what it opened (the HTTP server would keep the process up). */
  async start(): Promise<void> {
    try {
      await this.#start();
    } catch (err) {
      await this.stop();
      throw RouterError.from('starting the router', err);
    }
  }

  async #start(): Promise<void> {
    this.#http = await startHttpEndpoints(
      { metrics: this.metrics, readiness: () => this.readiness, stopping: () => this.#stopping },
      this.options.httpPort,
      this.options.httpHost,
    );
    const connection = await this.#connect();
    const handler = (this.#handler = new CommandHandler({
      publisher: () => this.#publisher!,
      accepting: () => !this.#stopping,
      directory: this.directory,
      metrics: this.metrics,
      policy: this.options.policy,
      maxHeaderBytes: maxHeaderBytesFor(this.#frameMax!, this.options.maxHeaderBytes),
      publishTimeoutMs: this.options.publishTimeoutMs,
      instance: this.#instance,
      log: this.#baseLog,
    }));
    this.#publisher = connection.createPublisher({ confirm: true, maxAttempts: 1 });
    // Not the `onReturn` option: rabbitmq-client 5 declares it but never calls it; the event is what it emits.
    this.#publisher.on('basic.return', (msg) => handler.onReturn(msg));
    this.#health = new DownlinkHealth(
      connection,
      this.options.topology.gateways,
      this.metrics,
      this.#baseLog,
      (gw) => this.#evacuators.get(gw)?.ownDeliveries ?? 0,
    );
    await this.#health.check();
    this.#healthTimer = setInterval(() => void this.#health!.check().then(() => this.#evacuateLostGateways()), this.options.healthIntervalMs).unref();
    await this.#rebuildDirectory(connection);
    // A stop during the rebuild closed the connection under it: consuming now would never become ready.
    if (this.#stopping) throw new RouterError('ROUTER_STOPPED', 'stopped before the directory was rebuilt');
    if (!this.options.routeCommands) return;
    await this.#consumeCommands(connection, handler);
    this.#snapshots = new SnapshotWriter(
      { connection, directory: this.directory, metrics: this.metrics, coversOffset: () => this.#presence?.lastOffset, log: this.#baseLog },
      { intervalMs: this.options.snapshotIntervalMs, partBytes: this.options.snapshotPartBytes, publishTimeoutMs: this.options.publishTimeoutMs },
    );
    this.#snapshots.start();
    this.#log.info({ devices: this.directory.size, frameMax: this.#frameMax }, 'routing commands');
  }

  /** Writes a directory snapshot now if this instance holds the writer lock (tests, operators); undefined otherwise. */
  async writeSnapshot(): Promise<WrittenSnapshot | undefined> {
    return this.#snapshots?.tick();
  }

  /**
   * Ordered shutdown, each step bounded: not ready and take no new command → let in-flight commands finish and
   * ack while still subscribed → cancel the consumer (held commands go back to the queue untouched) → close
   * the connection → HTTP.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#log.info({ step: 'not-ready' }, 'shutting down');
    clearInterval(this.#healthTimer);
    await Promise.all([...this.#evacuators.values()].map((e) => e.stop()));
    const bounded = (p: Promise<unknown> | undefined) => Promise.race([p?.catch(() => undefined), pause(this.options.shutdownTimeoutMs)]);
    await bounded(this.#snapshots?.stop());
    const settled = (await this.#handler?.settleInFlight(this.options.shutdownTimeoutMs)) ?? true;
    this.#log.info({ step: 'in-flight-settled', settled }, settled ? 'in-flight commands settled' : 'in-flight commands still unsettled; closing anyway');
    const closing = this.#commands?.close();
    this.#handler?.releaseHeld();
    await bounded(closing);
    this.#log.info({ step: 'consumer-closed' }, 'stopped consuming');
    await bounded(this.#presence?.close());
    await bounded(this.#publisher?.close());
    await bounded(this.#connection?.close());
    await new Promise<void>((resolve) => (this.#http ? this.#http.close(() => resolve()) : resolve()));
    this.#log.info({ step: 'stopped' }, 'stopped');
  }

  /** Commands moved off lost gateways so far, per gateway (operators, tests). */
  get evacuations(): ReadonlyMap<string, EvacuationCounts> {
    return new Map([...this.#evacuators].map(([gw, e]) => [gw, e.counts]));
  }

  /**
   * A gateway whose downlink has consumed nothing for `evacuateAfterMs` is lost: its waiting commands follow their
   * devices (OutboxEvacuator). Once its downlink consumes again, what the evacuator still holds goes back to it.
   */
  #evacuateLostGateways(): void {
    if (this.#stopping || !this.#connection || !this.#publisher) return;
    const now = Date.now();
    for (const gw of this.options.topology.gateways) {
      if (this.#forced.has(gw.name)) continue;
      if (this.#health!.isHealthy(gw.name)) {
        this.#unhealthySince.delete(gw.name);
        const evacuator = this.#evacuators.get(gw.name);
        if (!evacuator) continue;
        // The queue's consumer count races the evacuator's own unacked deliveries: believe a return only when
        // it holds over several checks in a row.
        const since = this.#healthySince.get(gw.name) ?? now;
        this.#healthySince.set(gw.name, since);
        if (now - since < RETURN_CONFIRMATION_CHECKS * this.options.healthIntervalMs) continue;
        this.#healthySince.delete(gw.name);
        this.#evacuators.delete(gw.name);
        void evacuator.stop();
        continue;
      }
      this.#healthySince.delete(gw.name);
      const since = this.#unhealthySince.get(gw.name) ?? now;
      this.#unhealthySince.set(gw.name, since);
      if (now - since < this.options.evacuateAfterMs || this.#evacuators.has(gw.name)) continue;
      this.#startEvacuator(gw);
    }
  }

  /**
   * Evacuates `gateway` now, whatever its health says (on-call's `fedgate gateway evacuate`); it goes on until
   * this service stops.
   */
  evacuate(gateway: string): OutboxEvacuator {
    const gw = this.options.topology.gateways.find((g) => g.name === gateway);
    if (!gw) throw new RouterOptionsError(`no gateway "${gateway}" in the topology`);
    if (!this.#connection || !this.#publisher) throw new RouterError('ROUTER_NOT_STARTED', 'start the router before evacuating');
    this.#forced.add(gw.name);
    return this.#evacuators.get(gw.name) ?? this.#startEvacuator(gw);
  }

  #startEvacuator(gw: Gateway): OutboxEvacuator {
    const evacuator = new OutboxEvacuator(gw, {
      connection: this.#connection!,
      publisher: () => this.#publisher!,
      directory: this.directory,
      isHealthy: (name) => this.#health!.isHealthy(name),
      policy: this.options.policy,
      metrics: this.metrics,
      publishTimeoutMs: this.options.publishTimeoutMs,
      log: this.#log,
    });
    this.#evacuators.set(gw.name, evacuator);
    evacuator.start();
    return evacuator;
  }

  #commandsLive(): boolean {
    return (this.#commands?.consumerTag ?? '') !== '';
  }

  /** Probes the broker's frame size, then opens the connection every channel of the router shares. */
  async #connect(): Promise<Connection> {
    this.#frameMax = await brokerFrameMax(this.options.amqpUrl, this.options.connectTimeoutMs, this.options.tls);
    const connection = new Connection({
      url: this.options.amqpUrl,
      frameMax: this.#frameMax,
      retryHigh: RETRY_HIGH_MS,
      connectionName: `fedgate-router-${this.#instance.slice(0, 8)}`,
      ...(this.options.tls === undefined ? {} : { tls: this.options.tls }),
    });
    this.#connection = connection;
    keepRawBodies(connection);
    connection.on('error', (err) => this.#log.warn({ err }, 'connection error; reconnecting'));
    connection.on('connection', () => this.#log.info('connected to the backend'));
    try {
      await connection.onConnect(this.options.connectTimeoutMs, true); // stop() closes it on failure
      // Fails the start now, with a typed error, if raw bodies cannot be had from this rabbitmq-client.
      await (await connection.acquire()).close();
    } catch (err) {
      throw RouterError.from('connecting to the backend', err);
    }
    return connection;
  }

  /** Newest snapshot, then the presence log from the offset it covers (the whole log when there is none). */
  async #rebuildDirectory(connection: Connection): Promise<void> {
    const started = performance.now();
    const deps = { connection, publisher: () => this.#publisher!, instance: this.#instance, log: this.#baseLog };
    const snapshot = await readNewestSnapshot(deps, snapshotWindow(this.options.snapshotIntervalMs), this.options.snapshotLoadTimeoutMs);
    const snapshotReadMs = performance.now() - started;
    const loaded = snapshot ? await applySnapshot(snapshot, this.directory) : undefined;
    const snapshotMs = performance.now() - started;
    if (loaded) this.#log.info({ ...loaded, ms: Math.round(snapshotMs) }, 'directory loaded from a snapshot');
    const start: PresenceStart = loaded ? loaded.coversOffset + 1 : 'first';
    this.#presence = new PresenceFollower({ ...deps, directory: this.directory, metrics: this.metrics });
    const replay = await this.#presence.follow(start);
    this.#rebuilt = true;
    this.#rebuild = {
      snapshotDevices: loaded?.devices ?? 0,
      snapshotBytes: loaded?.bytes ?? 0,
      presenceEvents: replay.events,
      snapshotMs,
      snapshotReadMs,
      snapshotApplyMs: snapshotMs - snapshotReadMs,
      presenceMs: replay.ms,
    };
    this.metrics.directorySize.set(this.directory.size);
    this.metrics.rebuildSeconds.set({ phase: 'snapshot' }, snapshotMs / 1000);
    this.metrics.rebuildSeconds.set({ phase: 'presence' }, replay.ms / 1000);
    this.metrics.rebuildSeconds.set({ phase: 'total' }, (performance.now() - started) / 1000);
    this.#log.info({ devices: this.directory.size, from: start, events: replay.events, ms: Math.round(performance.now() - started) }, 'directory rebuilt');
  }

  /** Starts the command consumer and resolves once it is subscribed. */
  async #consumeCommands(connection: Connection, handler: CommandHandler): Promise<void> {
    const { prefetch } = this.options;
    const commands = connection.createConsumer(
      { queue: ROUTER_QUEUE, queueOptions: { passive: true }, qos: { prefetchCount: prefetch }, concurrency: prefetch, requeue: true },
      (msg) => handler.handle(msg),
    );
    this.#commands = commands;
    commands.on('error', (err) => this.#log.warn({ err }, 'command consumer error'));
    commands.on('ready', () => this.#log.info({ consumerTag: commands.consumerTag }, 'consuming commands'));
    await new Promise<void>((resolve) => commands.once('ready', resolve));
  }
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Fine enough below a millisecond to tell the router's own work from the broker's, up to the publish timeout. */
const STAGE_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 15];
/** GC pauses are mostly below a millisecond; prom-client's default buckets start at 1 ms. */
const GC_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1];

/** How often the event loop's delay is sampled; each sample is the whole interval, so a delay is a sample minus this. */
export const EVENT_LOOP_RESOLUTION_MS = 10;

/** The router's Prometheus metrics; names are what ops/grafana and the alert rules refer to. */
export class RouterMetrics {
  readonly registry = new Registry();
  #consumersLive: () => { commands: boolean; presence: boolean } = () => ({ commands: false, presence: false });
  readonly routed = new Counter({
    name: 'fedgate_router_commands_routed_total',
    help: 'Commands republished, by route (direct|broadcast) and gateway ("*" for broadcast)',
    labelNames: ['route', 'gateway'] as const,
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'fedgate_router_commands_dead_lettered_total',
    help: 'Commands sent to fedgate.dead, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly headersStripped = new Counter({
    name: 'fedgate_router_headers_stripped_total',
    help: 'Sender headers dropped before republishing (CC, BCC, router-owned x-fedgate-*), by header',
    labelNames: ['header'] as const,
    registers: [this.registry],
  });
  readonly requeued = new Counter({
    name: 'fedgate_router_commands_requeued_total',
    help: 'Commands handed back to fedgate.router because a republish failed or timed out, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly directorySize = new Gauge({
    name: 'fedgate_router_directory_devices',
    help: "Devices with a known location in this instance's directory",
    registers: [this.registry],
  });
  readonly presenceEvents = new Counter({
    name: 'fedgate_router_presence_events_total',
    help: 'Presence events applied to the directory, by type (arrived|left|ignored)',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly presenceFlaps = new Counter({
    name: 'fedgate_router_presence_flaps_total',
    help: 'Devices that arrived at another gateway within a minute of their last arrival, by gateway left and reached',
    labelNames: ['from', 'to'] as const,
    registers: [this.registry],
  });

  readonly presenceUntrusted = new Counter({
    name: 'fedgate_router_presence_untrusted_total',
    help: "Bindings to a device's commands that were not that device's own session, by reason; never applied",
    labelNames: ['gateway', 'reason'] as const,
    registers: [this.registry],
  });
  readonly routingLatency = new Histogram({
    name: 'fedgate_router_routing_latency_seconds',
    help: 'From receiving a command to the broker confirming its republish',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  /**
   * Where the router's share of that time goes, per republished command: `router` from receiving it to handing
   * the republish to the client (checks, routing, encoding), `confirm` from there to the broker's confirm.
   */
  readonly commandStage = new Histogram({
    name: 'fedgate_router_command_stage_seconds',
    help: 'Time per republished command by stage: router (receive to publish) and confirm (publish to broker confirm)',
    labelNames: ['stage'] as const,
    buckets: STAGE_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  /** Children resolved once: a labelled observe would hash its labels for every command. */
  readonly routerStage = this.commandStage.labels({ stage: 'router' });
  readonly confirmStage = this.commandStage.labels({ stage: 'confirm' });
  readonly gatewayHealthy = new Gauge({
    name: 'fedgate_router_gateway_healthy',
    help: "1 when the router sees the gateway's downlink consuming its commands",
    labelNames: ['gateway'] as const,
    registers: [this.registry],
  });
  readonly consumerUp = new Gauge({
    name: 'fedgate_router_consumer_up',
    help: '1 while the consumer (commands|presence) holds a live subscription',
    labelNames: ['consumer'] as const,
    registers: [this.registry],
    collect: () => {
      const live = this.#consumersLive();
      this.consumerUp.set({ consumer: 'commands' }, live.commands ? 1 : 0);
      this.consumerUp.set({ consumer: 'presence' }, live.presence ? 1 : 0);
    },
  });
  readonly rebuildSeconds = new Gauge({
    name: 'fedgate_router_rebuild_seconds',
    help: 'Time the last directory rebuild took at start, by phase (snapshot|presence|total)',
    labelNames: ['phase'] as const,
    registers: [this.registry],
  });
  readonly snapshotsWritten = new Counter({
    name: 'fedgate_router_snapshots_written_total',
    help: 'Directory snapshots this instance published to fedgate.directory.snapshots',
    registers: [this.registry],
  });
  readonly snapshotBytes = new Gauge({
    name: 'fedgate_router_snapshot_bytes',
    help: 'Size of the last directory snapshot this instance wrote or loaded',
    registers: [this.registry],
  });

  constructor() {
    // Among them the event loop's delay (monitorEventLoopDelay, reset at each scrape) and GC pauses by kind.
    collectDefaultMetrics({
      register: this.registry,
      prefix: 'fedgate_router_',
      gcDurationBuckets: GC_BUCKETS_SECONDS,
      eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS,
    });
  }

  /** Where `fedgate_router_consumer_up` reads, at each scrape, whether the consumers are subscribed. */
  watchConsumers(live: () => { commands: boolean; presence: boolean }): void {
    this.#consumersLive = live;
  }
}

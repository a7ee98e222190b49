import type { AsyncMessage, Connection, Consumer, ConsumerProps, Publisher } from 'rabbitmq-client';
import type { Logger } from 'pino';
import { PRESENCE_EXCHANGE, PRESENCE_STREAM, ROUTER_SYNC_PREFIX } from '@fedgate/topology';
import type { DeviceDirectory } from './device-directory.ts';
import { FlapDetector } from './flap-detector.ts';
import { readPresenceEvent } from './presence-event.ts';
import type { RouterMetrics } from './router-metrics.ts';

/** A device that arrives at another gateway within this long of its last arrival is flapping (alert FedgateDeviceFlapping). */
export const FLAP_WINDOW_MS = 60_000;
/** Stream consumers get credit in prefetch units; large enough that replay is not a round trip per event. */
const PRESENCE_PREFETCH = 2_000;

export interface PresenceFollowerDeps {
  readonly connection: Connection;
  readonly publisher: () => Publisher;
  readonly directory: DeviceDirectory;
  readonly metrics: RouterMetrics;
  readonly instance: string;
  readonly log: Logger;
}

/** Where in `fedgate.presence.log` to start: the beginning, or just after what a snapshot covers. */
export type PresenceStart = 'first' | number;

/**
 * Follows `fedgate.presence.log` into the directory. `follow` resolves once the router read back a sync marker it
 * published after attaching, i.e. once everything that was in the log when it started has been applied. It
 * remembers the last offset applied: the snapshot writer needs it, and after a lost channel the consumer resumes
 * from there instead of replaying what it already has.
 */
export class PresenceFollower {
  readonly #log: Logger;
  readonly #flaps = new FlapDetector(FLAP_WINDOW_MS);
  #consumer: Consumer | undefined;
  #lastOffset: number | undefined;
  #events = 0;

  constructor(private readonly deps: PresenceFollowerDeps) {
    this.#log = deps.log.child({ module: 'presence-follower' });
  }

  /** Offset of the last event applied, or undefined when none was. */
  get lastOffset(): number | undefined {
    return this.#lastOffset;
  }

  get live(): boolean {
    return (this.#consumer?.consumerTag ?? '') !== '';
  }

  /** Starts following at `start`; resolves when caught up (events applied, milliseconds). */
  async follow(start: PresenceStart): Promise<{ events: number; ms: number }> {
    const marker = `${ROUTER_SYNC_PREFIX}${this.deps.instance}`;
    const started = performance.now();
    let caughtUp: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (caughtUp = resolve));
    // rabbitmq-client re-reads these props when it re-creates the consumer after a lost channel; the offset is
    // moved forward as events are applied so that re-creation resumes there (events at or before it are skipped
    // anyway, should a client version copy the props).
    const args: Record<string, unknown> = { 'x-stream-offset': start };
    const props: ConsumerProps = { queue: PRESENCE_STREAM, queueOptions: { passive: true }, qos: { prefetchCount: PRESENCE_PREFETCH }, arguments: args };
    this.#consumer = this.deps.connection.createConsumer(props, (msg) => {
      if (msg.routingKey === marker) caughtUp();
      else this.#apply(msg, args);
    });
    this.#consumer.on('error', (err) => this.#log.warn({ err }, 'presence consumer error'));
    await this.deps.publisher().send({ exchange: PRESENCE_EXCHANGE, routingKey: marker, durable: false }, Buffer.alloc(0));
    const before = this.#events;
    await done;
    return { events: this.#events - before, ms: performance.now() - started };
  }

  async close(): Promise<void> {
    await this.#consumer?.close();
  }

  #apply(msg: AsyncMessage, args: Record<string, unknown>): void {
    const offset = msg.headers?.['x-stream-offset'];
    if (typeof offset === 'number') {
      if (this.#lastOffset !== undefined && offset <= this.#lastOffset) return; // re-read after a reconnect
      this.#lastOffset = offset;
      args['x-stream-offset'] = offset + 1;
    }
    this.#events++;
    const reading = readPresenceEvent({ routingKey: msg.routingKey, userId: msg.userId, timestamp: msg.timestamp, headers: msg.headers });
    if (reading.kind === 'untrusted') this.deps.metrics.presenceUntrusted.inc({ gateway: reading.gateway, reason: reading.reason });
    if (reading.kind !== 'presence') return;
    const { event } = reading;
    // A replayed log holds old moves; only those still inside the window are flapping now.
    const flappedFrom = event.type === 'arrived' ? this.#flaps.arrived(event.deviceId, event.gateway, event.at) : undefined;
    if (flappedFrom !== undefined && Date.now() - event.at < FLAP_WINDOW_MS) this.deps.metrics.presenceFlaps.inc({ from: flappedFrom, to: event.gateway });
    const { directory } = this.deps;
    const changed =
      event.type === 'arrived' ? directory.arrived(event.deviceId, event.gateway, event.at) : directory.left(event.deviceId, event.gateway, event.at);
    this.deps.metrics.presenceEvents.inc({ type: changed ? event.type : 'ignored' });
    this.deps.metrics.directorySize.set(directory.size);
  }
}

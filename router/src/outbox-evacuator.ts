import type { AsyncMessage, Channel, Connection, Publisher, SyncMessage } from 'rabbitmq-client';
import type { Logger } from 'pino';
import {
  DEADLINE_HEADER,
  DEAD_EXCHANGE,
  DEAD_REASON_HEADER,
  GATEWAY_HEADER,
  ROUTE_HEADER,
  gatewayExchange,
  parseCommandRoutingKey,
  type Gateway,
} from '@fedgate/topology';
import { expirationProperty, remainingMs } from './command-expiration.ts';
import type { DeviceDirectory } from './device-directory.ts';
import { downlinkQueue } from './downlink-health.ts';
import { rawBodyOf } from './raw-bodies.ts';
import type { RoutingPolicy } from './route-command.ts';
import type { RouterMetrics } from './router-metrics.ts';
import { pause, withTimeout } from './with-timeout.ts';

/** How often a held command looks again for its device elsewhere. @default 500 ms */
export const DEFAULT_EVACUATION_RETRY_MS = 500;
/** Commands one evacuator holds (taken, unacked) at once while their devices have not turned up elsewhere. @default 10000 */
export const DEFAULT_EVACUATION_PREFETCH = 10_000;

/** The `x-fedgate-route` value of a command moved out of a lost gateway's queue. */
export const EVACUATED_ROUTE = 'evacuated';

export interface EvacuatorDeps {
  readonly connection: Connection;
  readonly publisher: () => Publisher;
  readonly directory: DeviceDirectory;
  readonly isHealthy: (gateway: string) => boolean;
  readonly policy: RoutingPolicy;
  readonly metrics: RouterMetrics;
  readonly publishTimeoutMs: number;
  readonly log: Logger;
  /** @default DEFAULT_EVACUATION_RETRY_MS */
  readonly retryMs?: number;
  /** @default DEFAULT_EVACUATION_PREFETCH */
  readonly prefetch?: number;
}

/** What an evacuation did so far. */
export interface EvacuationCounts {
  readonly moved: number;
  readonly expired: number;
  /** Taken from the queue (unacked), waiting for their device to show up at another gateway. */
  readonly holding: number;
  /** The queue had nothing more to take when last asked. */
  readonly queueEmpty: boolean;
}

/**
 * Moves the commands stranded in a lost gateway's downlink queue (its outbox, or federation's upstream queue) to
 * the gateway each device is at now. A command whose device has not turned up elsewhere yet stays taken and
 * unacked, so it does not expire in the queue, and is looked at again every `retryMs`; once its deadline passes it
 * is dead-lettered as expired. Stopping (the gateway came back) hands every held command back to the queue, for
 * the restored downlink to deliver.
 */
export class OutboxEvacuator {
  readonly #log: Logger;
  #running?: Promise<void>;
  #stopping = false;
  #moved = 0;
  #expired = 0;
  #held: SyncMessage[] = [];
  /** Deliveries taken and not yet settled outside `#held` (being fetched or placed). */
  #inFlight = 0;
  #queueEmpty = false;

  constructor(
    readonly gateway: Gateway,
    private readonly deps: EvacuatorDeps,
  ) {
    this.#log = deps.log.child({ gateway: gateway.name });
  }

  /** Unacked deliveries this evacuator has on the queue: each counts there as a consumer (see DownlinkHealth). */
  get ownDeliveries(): number {
    return this.#held.length + this.#inFlight;
  }

  get counts(): EvacuationCounts {
    return { moved: this.#moved, expired: this.#expired, holding: this.#held.length, queueEmpty: this.#queueEmpty };
  }

  start(): void {
    this.#log.warn({ queue: downlinkQueue(this.gateway) }, 'gateway lost: moving its waiting commands to where their devices are');
    this.#running = this.#run();
  }

  /** Stops taking commands and hands the held ones back to the queue (closing the channel requeues them). */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#running;
    this.#log.info({ moved: this.#moved, expired: this.#expired }, 'evacuation stopped');
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      // basic.get, not a consumer: a consumer would make the lost gateway's queue look consumed, i.e. healthy.
      const channel = await this.deps.connection.acquire().catch(() => undefined);
      try {
        if (channel) await this.#drain(channel);
      } catch (err) {
        this.#log.warn({ err }, 'evacuation interrupted; retrying');
      } finally {
        this.#held = [];
        await channel?.close().catch(() => undefined);
      }
      if (!this.#stopping) await pause(this.deps.retryMs ?? DEFAULT_EVACUATION_RETRY_MS);
    }
  }

  /** Until stopped: take what waits one by one (placing each at once), then look at the held ones again. */
  async #drain(channel: Channel): Promise<void> {
    const queue = downlinkQueue(this.gateway);
    const limit = this.deps.prefetch ?? DEFAULT_EVACUATION_PREFETCH;
    while (!this.#stopping) {
      while (!this.#stopping && this.#held.length < limit) {
        this.#inFlight++;
        try {
          const msg = await channel.basicGet({ queue, noAck: false });
          this.#queueEmpty = !msg;
          if (!msg) break;
          if (await this.#place(msg)) channel.basicAck({ deliveryTag: msg.deliveryTag });
          else this.#held.push(msg);
        } finally {
          this.#inFlight--;
        }
      }
      const waiting: SyncMessage[] = [];
      for (const msg of this.#held) {
        if (this.#stopping) return;
        if (await this.#place(msg)) channel.basicAck({ deliveryTag: msg.deliveryTag });
        else waiting.push(msg);
      }
      this.#held = waiting;
      await pause(this.deps.retryMs ?? DEFAULT_EVACUATION_RETRY_MS);
    }
  }

  /** True when the command left the queue for good: moved to its device's gateway, or dead-lettered. */
  async #place(msg: SyncMessage): Promise<boolean> {
    const key = parseCommandRoutingKey(msg.routingKey);
    if (!key.ok) {
      await this.#deadLetter(msg, key.reason);
      return true;
    }
    const now = Date.now();
    const left = remainingMs({ deadline: deadlineOf(msg), timestamp: msg.timestamp }, now, this.deps.policy.commandTtlMs);
    if (left <= 0) {
      this.#expired++;
      await this.#deadLetter(msg, 'expired');
      return true;
    }
    const location = this.deps.directory.lookup(key.deviceId, now, this.deps.policy.locationTtlMs);
    if (!location || location.gateway === this.gateway.name || !this.deps.isHealthy(location.gateway)) return false;
    await this.#moveTo(msg, location.gateway, left);
    return true;
  }

  /** Republishes the exact bytes to `gateway` and waits for the confirm; a failure requeues (rabbitmq-client). */
  async #moveTo(msg: SyncMessage, gateway: string, left: number): Promise<void> {
    const { body, contentType } = rawBodyOf(msg as unknown as AsyncMessage);
    const headers = { ...msg.headers, [ROUTE_HEADER]: EVACUATED_ROUTE, [GATEWAY_HEADER]: gateway };
    await withTimeout(
      this.deps
        .publisher()
        .send(
          { ...envelopeOf(msg, contentType), exchange: gatewayExchange(gateway), routingKey: msg.routingKey, expiration: expirationProperty(left), headers },
          body,
        ),
      this.deps.publishTimeoutMs,
      'moving a command off a lost gateway',
    );
    this.#moved++;
    this.deps.metrics.routed.inc({ route: EVACUATED_ROUTE, gateway });
  }

  async #deadLetter(msg: SyncMessage, reason: string): Promise<void> {
    const { body, contentType } = rawBodyOf(msg as unknown as AsyncMessage);
    await withTimeout(
      this.deps.publisher().send(
        {
          ...envelopeOf(msg, contentType),
          exchange: DEAD_EXCHANGE,
          routingKey: msg.routingKey || 'invalid',
          headers: { ...msg.headers, [DEAD_REASON_HEADER]: reason },
        },
        body,
      ),
      this.deps.publishTimeoutMs,
      'dead-lettering an evacuated command',
    );
    this.deps.metrics.deadLettered.inc({ reason });
  }
}

/** The deadline the router already checked when it routed the command. */
function deadlineOf(msg: SyncMessage): number | undefined {
  const value = msg.headers?.[DEADLINE_HEADER];
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function envelopeOf(msg: SyncMessage, contentType: string | undefined) {
  return {
    durable: true,
    contentType,
    contentEncoding: msg.contentEncoding,
    messageId: msg.messageId,
    correlationId: msg.correlationId,
    type: msg.type,
    timestamp: msg.timestamp,
  };
}

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ConsumerStatus, type AsyncMessage, type Envelope, type Publisher, type ReturnedMessage } from 'rabbitmq-client';
import type { Logger } from 'pino';
import { BROADCAST_EXCHANGE, DEAD_EXCHANGE, DEAD_REASON_HEADER, GATEWAY_HEADER, HOP_HEADER, ROUTE_HEADER, gatewayExchange } from '@fedgate/topology';
import { inspectCommandHeaders } from './command-headers.ts';
import { expirationProperty } from './command-expiration.ts';
import type { DeviceDirectory } from './device-directory.ts';
import { rawBodyOf } from './raw-bodies.ts';
import { routeCommand, type DeadReason, type RoutingPolicy } from './route-command.ts';
import { RouterError } from './router-error.ts';
import type { RouterMetrics } from './router-metrics.ts';
import { pause, withTimeout } from './with-timeout.ts';

export interface CommandHandlerDeps {
  readonly publisher: () => Publisher;
  /** False once the router is stopping: commands handed over from then on are requeued untouched. */
  readonly accepting: () => boolean;
  readonly directory: DeviceDirectory;
  readonly metrics: RouterMetrics;
  readonly policy: RoutingPolicy;
  /** The header-table bound for this connection's frame size. */
  readonly maxHeaderBytes: number;
  readonly publishTimeoutMs: number;
  /** Unique per router process; prefixes the hop header. */
  readonly instance: string;
  /** The router's logger; this module logs through a child of it. */
  readonly log: Logger;
}

/** What is copied from the command onto its republish or dead letter; short strings already checked. */
interface Forwarded {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly headers: Record<string, unknown>;
}

/**
 * One command from `fedgate.router`: checked, routed, republished with its exact bytes and acked only after
 * the broker confirmed. Every failure path ends in a dead letter with a reason, or a thrown RouterError that
 * makes the consumer requeue it; nothing a sender puts in a command reaches the broker unchecked.
 */
export class CommandHandler {
  readonly #log: Logger;
  readonly #returned = new Set<string>();
  #hop = 0;
  #inFlight = 0;
  #release: () => void = () => undefined;
  readonly #released = new Promise<void>((resolve) => (this.#release = resolve));

  constructor(private readonly deps: CommandHandlerDeps) {
    this.#log = deps.log.child({ module: 'command-handler' });
  }

  /** For the publisher's `onReturn`: a mandatory republish nobody was bound for. */
  onReturn(msg: ReturnedMessage): void {
    const hop = msg.headers?.[HOP_HEADER];
    if (typeof hop === 'string') this.#returned.add(hop);
  }

  /**
   * Resolves once every command taken before the router began stopping is settled (or after `timeoutMs`).
   * Their acks then go out while the consumer is still subscribed: acks sent after basic.cancel were seen lost
   * on RabbitMQ 4.0 quorum queues, and rabbitmq-client's Consumer.close() can even close the channel under a
   * handler it started late. Either way the command would be routed again after a restart.
   */
  async settleInFlight(timeoutMs: number): Promise<boolean> {
    for (const deadline = Date.now() + timeoutMs; this.#inFlight > 0; await pause(5)) {
      if (Date.now() > deadline) return false;
    }
    return true;
  }

  /** Hands back, untouched, every command held since the router began stopping (call while closing the consumer). */
  releaseHeld(): void {
    this.#release();
  }

  async handle(msg: AsyncMessage): Promise<ConsumerStatus | void> {
    if (!this.deps.accepting()) {
      await this.#released; // held, not nacked: a nack now would be redelivered to this very consumer at once
      return ConsumerStatus.REQUEUE;
    }
    this.#inFlight++;
    try {
      await this.#route(msg);
    } finally {
      this.#inFlight--;
    }
  }

  async #route(msg: AsyncMessage): Promise<void> {
    const started = performance.now();
    const { body, contentType } = rawBodyOf(msg);
    const inspected = inspectCommandHeaders({ ...msg, contentType }, this.deps.maxHeaderBytes);
    if (!inspected.ok) {
      this.#log.debug({ routingKey: msg.routingKey, reason: inspected.reason, detail: inspected.detail }, 'refused a command');
      await this.#deadLetter(msg, { body, contentType, headers: inspected.headers }, inspected.reason);
      return;
    }
    for (const header of inspected.stripped) this.deps.metrics.headersStripped.inc({ header });
    const forwarded = { body, contentType, headers: inspected.headers };
    const decision = routeCommand(
      { routingKey: msg.routingKey, bodyBytes: body.length, deadline: inspected.deadline, timestamp: msg.timestamp },
      this.deps.directory,
      this.deps.policy,
      Date.now(),
    );
    if (decision.action === 'dead') {
      await this.#deadLetter(msg, forwarded, decision.reason);
      return;
    }
    const gateway = decision.action === 'direct' ? decision.gateway : undefined;
    const returned = await this.#republish(msg, forwarded, gateway, decision.remainingMs, started);
    if (returned) {
      await this.#deadLetter(msg, forwarded, 'unroutable');
      return;
    }
    this.deps.metrics.routed.inc({ route: decision.action, gateway: gateway ?? '*' });
    this.deps.metrics.routingLatency.observe((performance.now() - started) / 1000);
  }

  /**
   * Publishes toward `gateway` (broadcast when undefined) and waits for the confirm; true when it was returned.
   * Times the router's own work (since `receivedAt`) and the broker's confirm apart.
   */
  async #republish(msg: AsyncMessage, forwarded: Forwarded, gateway: string | undefined, remainingMs: number, receivedAt: number): Promise<boolean> {
    const hop = `${this.deps.instance}:${++this.#hop}`;
    const headers = {
      ...forwarded.headers,
      [ROUTE_HEADER]: gateway ? 'direct' : 'broadcast',
      ...(gateway ? { [GATEWAY_HEADER]: gateway } : {}),
      [HOP_HEADER]: hop,
    };
    const envelope: Envelope = {
      ...properties(msg, forwarded),
      exchange: gateway ? gatewayExchange(gateway) : BROADCAST_EXCHANGE,
      routingKey: msg.routingKey,
      mandatory: true,
      expiration: expirationProperty(remainingMs),
      headers,
    };
    const publishedAt = performance.now();
    this.deps.metrics.routerStage.observe((publishedAt - receivedAt) / 1000);
    await this.#send('republishing a command', envelope, forwarded.body);
    this.deps.metrics.confirmStage.observe((performance.now() - publishedAt) / 1000);
    // The broker sends basic.return before the ack, but rabbitmq-client emits the return on setImmediate while
    // the ack resolves the send at once: give the return its turn before looking for it.
    await yieldToLoop();
    return this.#returned.delete(hop);
  }

  async #deadLetter(msg: AsyncMessage, forwarded: Forwarded, reason: DeadReason): Promise<void> {
    await this.#send(
      'dead-lettering a command',
      {
        ...properties(msg, forwarded),
        exchange: DEAD_EXCHANGE,
        routingKey: msg.routingKey || 'invalid',
        headers: { ...forwarded.headers, [DEAD_REASON_HEADER]: reason },
      },
      forwarded.body,
    );
    this.deps.metrics.deadLettered.inc({ reason });
    this.#log.debug({ routingKey: msg.routingKey, reason }, 'dead-lettered a command');
  }

  async #send(doing: string, envelope: Envelope, body: Buffer): Promise<void> {
    try {
      await withTimeout(this.deps.publisher().send(envelope, body), this.deps.publishTimeoutMs, doing);
    } catch (err) {
      const error = RouterError.from(doing, err);
      this.deps.metrics.requeued.inc({ code: error.code });
      throw error; // the consumer requeues the command
    }
  }
}

/** The sender's properties worth keeping; a short string that no longer fits 255 bytes is left out. */
function properties(msg: AsyncMessage, forwarded: Forwarded): Envelope {
  const short = (value: string | undefined) => (value !== undefined && Buffer.byteLength(value) <= 255 ? value : undefined);
  return {
    durable: true,
    contentType: short(forwarded.contentType),
    contentEncoding: short(msg.contentEncoding),
    messageId: short(msg.messageId),
    correlationId: short(msg.correlationId),
    replyTo: short(msg.replyTo),
    type: short(msg.type),
    timestamp: msg.timestamp,
  };
}

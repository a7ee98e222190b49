import type { Connection } from 'rabbitmq-client';
import type { Logger } from 'pino';
import { federationQueue, gatewayExchange, outboxQueue, type Gateway } from '@fedgate/topology';
import type { RouterMetrics } from './router-metrics.ts';

/** The queue that shows whether a gateway's downlink is consuming: its outbox, or federation's upstream queue. */
export function downlinkQueue(gw: Gateway): string {
  return gw.downlink.kind === 'shovel' ? outboxQueue(gw.name) : federationQueue(gatewayExchange(gw.name), gw.name);
}

/** Which gateways' downlinks consume right now, re-read on demand; a gateway never checked counts as healthy. */
export class DownlinkHealth {
  readonly #log: Logger;
  readonly #healthy = new Map<string, boolean>();
  #checking: Promise<void> | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly gateways: readonly Gateway[],
    private readonly metrics: RouterMetrics,
    log: Logger,
    /**
     * Consumers of a gateway's queue that are this router's own: a quorum queue (4.0.5) counts each unacked
     * `basic.get` delivery (the evacuator's) as a consumer, which must not make a lost gateway look healthy.
     */
    private readonly ownConsumers: (gateway: string) => number = () => 0,
  ) {
    this.#log = log.child({ module: 'downlink-health' });
  }

  isHealthy(gateway: string): boolean {
    return this.#healthy.get(gateway) !== false;
  }

  /** One round of checks; a call while one is running (the backend is slow or away) joins it. */
  check(): Promise<void> {
    this.#checking ??= Promise.all(this.gateways.map((gw) => this.#checkOne(gw)))
      .then(
        () => undefined,
        (err: unknown) => this.#log.warn({ err }, 'gateway health check failed'),
      )
      .finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #checkOne(gw: Gateway): Promise<void> {
    let healthy: boolean;
    // A channel of its own: a missing queue closes the channel it was asked on, and must not fail other checks.
    const channel = await this.connection.acquire().catch(() => undefined);
    try {
      const ok = await channel?.queueDeclare({ queue: downlinkQueue(gw), passive: true });
      healthy = (ok?.consumerCount ?? 0) - this.ownConsumers(gw.name) > 0;
    } catch {
      healthy = false; // the queue is missing: nothing consumes it
    } finally {
      await channel?.close().catch(() => undefined);
    }
    if (this.#healthy.get(gw.name) !== healthy) this.#log.info({ gateway: gw.name, healthy }, 'gateway downlink health changed');
    this.#healthy.set(gw.name, healthy);
    this.metrics.gatewayHealthy.set({ gateway: gw.name }, healthy ? 1 : 0);
  }
}

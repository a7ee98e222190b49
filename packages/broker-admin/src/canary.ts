import { randomUUID } from 'node:crypto';
import {
  DEVICES_EXCHANGE,
  EVENTS_EXCHANGE,
  canaryDevice,
  canaryQueue,
  commandBindingKey,
  commandRoutingKey,
  eventBindingKey,
  eventRoutingKey,
  gatewayExchange,
} from '@fedgate/topology';
import { seg, type ManagementClient } from './management-client.ts';

/** How long a probe may take before the link counts as forwarding nothing. */
export const DEFAULT_CANARY_TIMEOUT_MS = 5_000;

export interface CanaryResult {
  readonly link: 'downlink' | 'uplink';
  readonly delivered: boolean;
  /** Publish-to-arrival time, when delivered. */
  readonly roundTripMs?: number;
}

interface ProbeEnds {
  readonly from: ManagementClient;
  readonly fromExchange: string;
  readonly to: ManagementClient;
  readonly toExchange: string;
  readonly routingKey: string;
  readonly bindingKey: string;
}

/**
 * Sends one probe across a link and waits for it on the far side, so a link that says "running" but forwards
 * nothing is caught. The listening queue expires by itself if this process dies mid-probe.
 */
async function probe(vhost: string, ends: ProbeEnds, timeoutMs: number): Promise<{ delivered: boolean; roundTripMs?: number }> {
  const v = seg(vhost);
  const id = randomUUID();
  const queue = canaryQueue(id);
  // Durable so it is no transient non-exclusive queue (deprecated in 4.0); x-expires still removes a forgotten one.
  await ends.to.put(`/queues/${v}/${seg(queue)}`, { durable: true, auto_delete: false, arguments: { 'x-expires': 60_000 } });
  try {
    await ends.to.post(`/bindings/${v}/e/${seg(ends.toExchange)}/q/${seg(queue)}`, { routing_key: ends.bindingKey, arguments: {} });
    const started = performance.now();
    await ends.from.post(`/exchanges/${v}/${seg(ends.fromExchange)}/publish`, {
      routing_key: ends.routingKey,
      payload: id,
      payload_encoding: 'string',
      properties: { message_id: id, expiration: String(timeoutMs) },
    });
    while (performance.now() - started < timeoutMs) {
      const got = await ends.to.post<{ payload: string }[]>(`/queues/${v}/${seg(queue)}/get`, { count: 10, ackmode: 'ack_requeue_false', encoding: 'auto' });
      if (got.some((m) => m.payload === id)) return { delivered: true, roundTripMs: Math.round(performance.now() - started) };
      await new Promise((r) => setTimeout(r, 100));
    }
    return { delivered: false };
  } finally {
    await ends.to.delete(`/queues/${v}/${seg(queue)}`).catch(() => undefined);
  }
}

/** Probes a gateway's downlink (backend → gateway) and uplink (gateway → backend). */
export async function runCanaries(
  vhost: string,
  gateway: string,
  backend: ManagementClient,
  gatewayClient: ManagementClient,
  timeoutMs = DEFAULT_CANARY_TIMEOUT_MS,
): Promise<CanaryResult[]> {
  const device = canaryDevice(gateway);
  const [down, up] = await Promise.all([
    probe(
      vhost,
      {
        from: backend,
        fromExchange: gatewayExchange(gateway),
        to: gatewayClient,
        toExchange: DEVICES_EXCHANGE,
        routingKey: commandRoutingKey(device, 'probe'),
        bindingKey: commandBindingKey(device),
      },
      timeoutMs,
    ),
    probe(
      vhost,
      {
        from: gatewayClient,
        fromExchange: DEVICES_EXCHANGE,
        to: backend,
        toExchange: EVENTS_EXCHANGE,
        routingKey: eventRoutingKey(device, 'probe'),
        bindingKey: eventBindingKey(device),
      },
      timeoutMs,
    ),
  ]);
  return [
    { link: 'downlink', ...down },
    { link: 'uplink', ...up },
  ];
}

import {
  BINDING_CREATED, BINDING_DELETED, DEVICES_EXCHANGE, deviceOfBindingKey, gatewayOfUplinkUser,
} from '@fedgate/topology';

export interface PresenceEvent {
  readonly type: 'arrived' | 'left';
  readonly deviceId: string;
  readonly gateway: string;
  /** Epoch ms at the gateway when the subscription appeared or went away. */
  readonly at: number;
}

/** What the router needs of a presence message as it arrives on the backend. */
export interface PresenceMessage {
  readonly routingKey: string;
  readonly userId?: string;
  readonly timestamp?: number;
  readonly headers?: Record<string, unknown>;
}

/**
 * Pure: a `binding.created`/`binding.deleted` event from a gateway's event exchange → a presence change, or
 * undefined for bindings that are not device command subscriptions (links, canaries, apps). The gateway comes
 * from the broker-checked `user_id` the presence link stamps, never from the event's content.
 */
export function parsePresenceEvent(message: PresenceMessage): PresenceEvent | undefined {
  const type = message.routingKey === BINDING_CREATED ? 'arrived' : message.routingKey === BINDING_DELETED ? 'left' : undefined;
  if (!type) return undefined;
  const gateway = gatewayOfUplinkUser(message.userId);
  const headers = message.headers ?? {};
  if (!gateway || String(headers.source_name) !== DEVICES_EXCHANGE || String(headers.destination_kind ?? 'queue') !== 'queue') return undefined;
  const deviceId = deviceOfBindingKey(String(headers.routing_key ?? ''));
  if (!deviceId || deviceId.startsWith('fedgate-')) return undefined;
  const at = Number(headers.timestamp_in_ms ?? (message.timestamp ?? 0) * 1000);
  if (!Number.isFinite(at) || at <= 0) return undefined;
  return { type, deviceId, gateway, at };
}

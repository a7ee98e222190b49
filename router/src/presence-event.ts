import {
  BINDING_CREATED,
  BINDING_DELETED,
  DEVICE_USER,
  DEVICES_EXCHANGE,
  commandBindingKey,
  deviceOfBindingKey,
  deviceSessionQueues,
  gatewayOfUplinkUser,
  isOwnQueue,
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

/** Why a binding that names a device's commands does not count as that device's presence. */
export type UntrustedReason = 'not-its-session-queue' | 'not-its-identity';

/**
 * A presence message read: a device's presence, a binding that is no device's presence at all (links, canaries,
 * apps' own queues), or one that claims a device's commands without being that device's — counted, never applied.
 */
export type PresenceReading =
  | { readonly kind: 'presence'; readonly event: PresenceEvent }
  | { readonly kind: 'other' }
  | { readonly kind: 'untrusted'; readonly reason: UntrustedReason; readonly deviceId: string; readonly gateway: string };

const OTHER = { kind: 'other' } as const;

/**
 * Pure: a `binding.created`/`binding.deleted` event from a gateway's event exchange → a presence change. The
 * gateway comes from the broker-checked `user_id` the presence link stamps, never from the event's content. An
 * identity is present only through its *own* queue: one of a device's MQTT session queues, or an app's
 * `fedgate.app.<app>.*` queue, bound by that identity's login (a certificate's or token's name; on a plain
 * gateway the shared device login, whose client-id rule ties the session queue to the device). Anyone binding a
 * queue of theirs to another's commands, which a gateway may allow an app, never moves that identity.
 */
export function readPresenceEvent(message: PresenceMessage): PresenceReading {
  const type = message.routingKey === BINDING_CREATED ? 'arrived' : message.routingKey === BINDING_DELETED ? 'left' : undefined;
  if (!type) return OTHER;
  const gateway = gatewayOfUplinkUser(message.userId);
  const headers = message.headers ?? {};
  if (!gateway || String(headers.source_name) !== DEVICES_EXCHANGE || String(headers.destination_kind ?? 'queue') !== 'queue') return OTHER;
  const deviceId = deviceOfBindingKey(String(headers.routing_key ?? ''));
  if (!deviceId || deviceId.startsWith('fedgate-')) return OTHER;
  if (!isOwnQueue(deviceId, String(headers.destination_name))) return { kind: 'untrusted', reason: 'not-its-session-queue', deviceId, gateway };
  const actor = String(headers.user_who_performed_action ?? '');
  if (actor !== deviceId && actor !== DEVICE_USER) return { kind: 'untrusted', reason: 'not-its-identity', deviceId, gateway };
  const at = Number(headers.timestamp_in_ms ?? (message.timestamp ?? 0) * 1000);
  if (!Number.isFinite(at) || at <= 0) return OTHER;
  return { kind: 'presence', event: { type, deviceId, gateway, at } };
}

/** The presence change a message carries, or undefined (see readPresenceEvent for what does not count). */
export function parsePresenceEvent(message: PresenceMessage): PresenceEvent | undefined {
  const reading = readPresenceEvent(message);
  return reading.kind === 'presence' ? reading.event : undefined;
}

/**
 * The fields of a `binding.created`/`binding.deleted` event that readPresenceEvent reads, as a gateway's event
 * exchange sends them for `deviceId`'s own QoS 1 subscription to its commands: for tools that fill a presence
 * log (benchmarks, tests) without connecting a device per entry.
 */
export function devicePresenceHeaders(deviceId: string, at: number): Record<string, unknown> {
  return {
    source_name: DEVICES_EXCHANGE,
    destination_kind: 'queue',
    destination_name: deviceSessionQueues(deviceId)[1],
    routing_key: commandBindingKey(deviceId),
    user_who_performed_action: deviceId,
    timestamp_in_ms: at,
  };
}

/**
 * The names of DESIGN.md's message flow. Every other package asks here; nothing else spells them.
 * Everything fedgate owns starts with "fedgate" so the reconciler can tell its objects from others'.
 */

export const OWNED_PREFIX = 'fedgate';

// Backend cluster.
export const COMMANDS_EXCHANGE = 'fedgate.commands';
export const ROUTER_QUEUE = 'fedgate.router';
export const ROUTER_BINDING_KEY = 'devices.*.commands.#';
export const BROADCAST_EXCHANGE = 'fedgate.broadcast';
export const EVENTS_EXCHANGE = 'fedgate.events';
export const PRESENCE_EXCHANGE = 'fedgate.presence';
/** Replayable log of presence events the router rebuilds its directory from after a restart. */
export const PRESENCE_STREAM = 'fedgate.presence.log';
/** Where routers publish compacted directory snapshots (fanout to SNAPSHOT_STREAM). */
export const DIRECTORY_EXCHANGE = 'fedgate.directory';
/** Recent directory snapshots: a starting router loads the newest, then replays only the presence log's tail. */
export const SNAPSHOT_STREAM = 'fedgate.directory.snapshots';
/** Exclusive queue a router holds while it is the one writing snapshots; gone with its connection. */
export const SNAPSHOT_WRITER_QUEUE = 'fedgate.directory.writer';
export const DEAD_EXCHANGE = 'fedgate.dead';
export const DEAD_QUEUE = 'fedgate.dead';
/** Where `fedgate status` canaries return. */
export const CANARY_QUEUE_PREFIX = 'fedgate.canary';
/**
 * Routing-key prefix of the marker a starting router publishes to the presence stream (and its snapshot replay) so
 * it knows when it has caught up; every router skips the markers of others.
 */
export const ROUTER_SYNC_PREFIX = 'router.sync.';

// Gateway clusters.
export const DEVICES_EXCHANGE = 'fedgate.devices';
export const UPLINK_QUEUE = 'fedgate.uplink';
export const UPLINK_BINDING_KEY = 'devices.*.events.#';
export const PRESENCE_OUT_QUEUE = 'fedgate.presence.out';
/** The rabbitmq_event_exchange plugin's exchange. */
export const BROKER_EVENT_EXCHANGE = 'amq.rabbitmq.event';
export const BINDING_CREATED = 'binding.created';
export const BINDING_DELETED = 'binding.deleted';

// Headers.
export const ROUTE_HEADER = 'x-fedgate-route';
export const GATEWAY_HEADER = 'x-fedgate-gateway';
export const DEAD_REASON_HEADER = 'x-fedgate-dead-reason';
export const DEADLINE_HEADER = 'x-fedgate-deadline'; // epoch ms a command expires at; the router republishes with the time left
/** Marks each router republish so a broker return can be matched to it; router-owned, never taken from a sender. */
export const HOP_HEADER = 'x-fedgate-hop';

// Users. One per link direction per gateway, an administrator for fedgate itself, a device user.
export const ADMIN_USER = 'fedgate-admin';
export const ROUTER_USER = 'fedgate-router';
export const DEVICE_USER = 'fedgate-device';
/** Microservices on the backend: publish commands, read events and dead letters. */
export const APP_USER = 'fedgate-app';

export function gatewayExchange(gateway: string): string {
  return `fedgate.to.${gateway}`;
}

export function outboxQueue(gateway: string): string {
  return `fedgate.to.${gateway}.outbox`;
}

export function downlinkName(gateway: string): string {
  return `fedgate-down-${gateway}`;
}

export function uplinkName(gateway: string): string {
  return `fedgate-up-${gateway}`;
}

export function presenceLinkName(gateway: string): string {
  return `fedgate-presence-${gateway}`;
}

/** Backend user the downlink of `gateway` authenticates as. */
export function downlinkUser(gateway: string): string {
  return `fedgate-down-${gateway}`;
}

/** Backend user the uplink and presence links of `gateway` authenticate as. */
export function uplinkUser(gateway: string): string {
  return `fedgate-up-${gateway}`;
}

/** The gateway an uplink user speaks for, or undefined for any other user. */
export function gatewayOfUplinkUser(user: string | undefined): string | undefined {
  return user?.startsWith('fedgate-up-') ? user.slice('fedgate-up-'.length) : undefined;
}

/**
 * The queue RabbitMQ creates on the upstream for a federated exchange: `federation: <exchange> -> <downstream cluster>`
 * (checked on 4.0.5). Its name is RabbitMQ's, so permissions and health checks must spell it exactly this way.
 */
export function federationQueue(exchange: string, downstream: string): string {
  return `${federationQueuePrefix(exchange)}${downstream}`;
}

/** What every federation queue of `exchange` starts with, whatever its downstream. */
export function federationQueuePrefix(exchange: string): string {
  return `federation: ${exchange} -> `;
}

/** Name of the federation upstream on `gateway` pointing at the backend. */
export function upstreamName(gateway: string): string {
  return `fedgate-backend-for-${gateway}`;
}

export function policyName(what: string): string {
  return `fedgate-${what}`;
}

/** Device ids become one routing-key word and an MQTT client id. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
export const COMMAND_NAME_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export function commandRoutingKey(deviceId: string, command: string): string {
  return `devices.${deviceId}.commands.${command}`;
}

export function eventRoutingKey(deviceId: string, event: string): string {
  return `devices.${deviceId}.events.${event}`;
}

/** MQTT topic a device subscribes to for its commands. */
export function commandTopicFilter(deviceId: string): string {
  return `devices/${deviceId}/commands/#`;
}

/** Binding key the MQTT plugin creates for `commandTopicFilter(deviceId)`. */
export function commandBindingKey(deviceId: string): string {
  return `devices.${deviceId}.commands.#`;
}

/** Binding key for every event of one device. */
export function eventBindingKey(deviceId: string): string {
  return `devices.${deviceId}.events.#`;
}

/** The pseudo-device `fedgate status` canaries address on `gateway`; real device ids never start with this. */
export function canaryDevice(gateway: string): string {
  return `fedgate-canary-${gateway}`;
}

/** The queue one canary probe waits on, expiring by itself if its prober dies. */
export function canaryQueue(probeId: string): string {
  return `${CANARY_QUEUE_PREFIX}.${probeId}`;
}

export type ParsedCommandKey = { ok: true; deviceId: string; command: string } | { ok: false; reason: 'malformed-routing-key' | 'missing-device-id' };

/** Splits `devices.<id>.commands.<name>`; the router dead-letters what does not parse. */
export function parseCommandRoutingKey(routingKey: string): ParsedCommandKey {
  const words = routingKey.split('.');
  if (words[0] !== 'devices' || words[2] !== 'commands' || words.length < 4) {
    return { ok: false, reason: 'malformed-routing-key' };
  }
  const deviceId = words[1] ?? '';
  if (deviceId === '') return { ok: false, reason: 'missing-device-id' };
  const command = words.slice(3).join('.');
  if (!DEVICE_ID_PATTERN.test(deviceId) || !COMMAND_NAME_PATTERN.test(command)) {
    return { ok: false, reason: 'malformed-routing-key' };
  }
  return { ok: true, deviceId, command };
}

/** The device whose command subscription a binding key is, e.g. `devices.s-42.commands.#` → `s-42`. */
/** An app's STOMP subscription queues are `fedgate.app.<app>.<name>`; the app's token allows no other queue. */
export const APP_QUEUE_PREFIX = 'fedgate.app.';

/** The queues the MQTT plugin declares for a device's session: QoS 0 and QoS 1 subscriptions. */
export function deviceSessionQueues(deviceId: string): readonly string[] {
  return [`mqtt-subscription-${deviceId}qos0`, `mqtt-subscription-${deviceId}qos1`];
}

/** Whether `queue` is one only identity `id` can have: a device's MQTT session queue or an app's own queue. */
export function isOwnQueue(id: string, queue: string): boolean {
  return deviceSessionQueues(id).includes(queue) || queue.startsWith(`${APP_QUEUE_PREFIX}${id}.`);
}

export function deviceOfBindingKey(bindingKey: string): string | undefined {
  const match = /^devices\.([A-Za-z0-9_-]{1,128})\.commands\.(#|\*|.+)$/.exec(bindingKey);
  return match?.[1];
}

import {
  ADMIN_USER,
  APP_QUEUE_PREFIX,
  BINDING_CREATED,
  BROKER_EVENT_EXCHANGE,
  DEVICE_USER,
  DEVICES_EXCHANGE,
  EVENTS_EXCHANGE,
  PRESENCE_EXCHANGE,
  PRESENCE_OUT_QUEUE,
  UPLINK_BINDING_KEY,
  UPLINK_QUEUE,
  downlinkName,
  downlinkUser,
  gatewayExchange,
  outboxQueue,
  policyName,
  presenceLinkName,
  upstreamName,
  uplinkName,
  uplinkUser,
  type Gateway,
  type Secrets,
  type Topology,
} from '@fedgate/topology';
import type { Definitions, ParameterDefinition } from './definitions.ts';
import {
  emptyDefinitions,
  escapeRegex,
  exactly,
  exchange,
  exchangeBinding,
  policy,
  queueBinding,
  quorumQueue,
  sortDefinitions,
} from './definition-builders.ts';
import { linkBackendUri } from './amqp-uri.ts';
import { DEFAULT_TLS_DIR } from './tls-files.ts';
import { user } from './users.ts';

/** Events the uplink may buffer while the backend is unreachable (its byte bound is the topology's `limits.uplinkMaxBytes`). */
export const DEFAULT_UPLINK_MAX_LENGTH = 1_000_000;
/** Seconds a link waits before reconnecting after the other side went away. */
export const DEFAULT_LINK_RECONNECT_DELAY_SECONDS = 5;
/** Matches exactly the event exchange's `binding.created` and `binding.deleted`. */
const PRESENCE_EVENTS_KEY = `${BINDING_CREATED.split('.')[0]}.*`;
/** Local direct connection: links run on the gateway, so their gateway end needs no credentials. */
const LOCAL_URI = 'amqp://';

/** Gateway cluster: the devices exchange, uplink and presence queues, and the links to the backend. */
export function compileGatewayDefinitions(topology: Topology, gw: Gateway, secrets: Secrets, options: { readonly tlsDir?: string } = {}): Definitions {
  const { vhost, backend } = topology;
  const d = emptyDefinitions(vhost);
  const tlsDir = options.tlsDir ?? DEFAULT_TLS_DIR;
  const backendUri = (linkUser: string) =>
    linkBackendUri(
      backend,
      gw,
      vhost,
      backend.tls ? { kind: 'certificate', user: linkUser, tlsDir } : { kind: 'password', user: linkUser, password: secrets.password(backend.name, linkUser) },
    );

  d.exchanges.push(exchange(vhost, DEVICES_EXCHANGE, 'topic'));
  d.queues.push(quorumQueue(vhost, UPLINK_QUEUE), quorumQueue(vhost, PRESENCE_OUT_QUEUE));
  d.bindings.push(
    queueBinding(vhost, DEVICES_EXCHANGE, UPLINK_QUEUE, UPLINK_BINDING_KEY),
    // Subscriptions appearing and disappearing are where devices are; the event exchange reports them. One
    // binding, not one per event: the exchange starts emitting only when told of its *first* binding, and two
    // bindings imported at once at boot each saw the other (4.0.5), so no event was ever emitted.
    queueBinding(vhost, BROKER_EVENT_EXCHANGE, PRESENCE_OUT_QUEUE, PRESENCE_EVENTS_KEY),
  );
  d.policies.push(
    // Full: a new event is refused to the device that sent it (a flooder is refused first and most), never
    // dropped from the head, which would push out the events other devices buffered during a partition.
    policy(vhost, policyName('uplink'), exactly(UPLINK_QUEUE), 'queues', {
      'max-length': DEFAULT_UPLINK_MAX_LENGTH,
      'max-length-bytes': gw.limits.uplinkMaxBytes,
      overflow: 'reject-publish',
    }),
    // The event exchange cannot be refused; its oldest presence events go first, later ones say where devices are now.
    policy(vhost, policyName('presence-out'), exactly(PRESENCE_OUT_QUEUE), 'queues', { 'max-length': DEFAULT_UPLINK_MAX_LENGTH }),
    // Apps' queues and temporary ones: a subscriber that stops reading loses its oldest messages, nobody else's.
    policy(vhost, policyName('app-queues'), `^(amq\\.gen-|${escapeRegex(APP_QUEUE_PREFIX)})`, 'queues', { 'max-length': gw.limits.appQueueMaxLength }),
  );

  // The links stamp what they carry with the gateway: user_id is checked by the backend against the
  // link's login, so neither a device nor another gateway can claim to be this one.
  const stamp = { user_id: uplinkUser(gw.name), app_id: gw.name };
  d.parameters.push(
    shovel(vhost, uplinkName(gw.name), {
      'src-uri': LOCAL_URI,
      'src-queue': UPLINK_QUEUE,
      'dest-uri': backendUri(uplinkUser(gw.name)),
      'dest-exchange': EVENTS_EXCHANGE,
      'dest-publish-properties': stamp,
      'ack-mode': gw.uplink.ackMode,
      'prefetch-count': gw.uplink.prefetch,
    }),
    shovel(vhost, presenceLinkName(gw.name), {
      'src-uri': LOCAL_URI,
      'src-queue': PRESENCE_OUT_QUEUE,
      'dest-uri': backendUri(uplinkUser(gw.name)),
      'dest-exchange': PRESENCE_EXCHANGE,
      'dest-publish-properties': stamp,
      'ack-mode': 'on-confirm',
      'prefetch-count': gw.uplink.prefetch,
    }),
  );

  addDownlink(d, topology, gw, backendUri(downlinkUser(gw.name)));

  // Reconnect-storm guard: past this many connections the node refuses new ones instead of running out of descriptors.
  // A queue count limit only when the topology sets one: with the Mnesia metadata store (RabbitMQ 4.0's default) the
  // node checks it by listing every queue of the vhost on each declaration, so a storm of N devices declaring their
  // session queues costs O(N²) (10,000 certificate devices on one node: 65 ms of node CPU each with it, 19.5 ms
  // without). Devices can only declare their own two session queues, so the certificates issued bound their count.
  const { maxQueues } = gw.limits;
  d.parameters.push({
    component: 'vhost-limits',
    vhost,
    name: 'limits',
    value: { 'max-connections': gw.maxConnections, ...(maxQueues === undefined ? {} : { 'max-queues': maxQueues }) },
  });

  const admin = user(gw.name, vhost, { name: ADMIN_USER, tags: ['administrator'], configure: '.*', write: '.*', read: '.*' }, secrets);
  d.users.push(admin.user);
  d.permissions.push(admin.permission);
  // Over TLS devices log in with their certificates and fedgate's authorisation endpoint answers for each one;
  // no device user exists in the gateway's database.
  if (!gw.tls) addSharedDeviceUser(d, gw, vhost, secrets);
  return sortDefinitions(d);
}

/** Commands reach the gateway by a shovel from its outbox, or by federation of its backend exchange. */
function addDownlink(d: Definitions, topology: Topology, gw: Gateway, backendUri: string): void {
  const { vhost } = topology;
  if (gw.downlink.kind === 'shovel') {
    d.parameters.push(
      shovel(vhost, downlinkName(gw.name), {
        'src-uri': backendUri,
        'src-queue': outboxQueue(gw.name),
        'dest-uri': LOCAL_URI,
        'dest-exchange': DEVICES_EXCHANGE,
        'ack-mode': gw.downlink.ackMode,
        'prefetch-count': gw.downlink.prefetch,
      }),
    );
  } else {
    // The gateway mirrors the backend's per-gateway exchange; binding it to the devices exchange with
    // "#" makes federation pull every command for this gateway.
    d.exchanges.push(exchange(vhost, gatewayExchange(gw.name), 'topic'));
    d.bindings.push(exchangeBinding(vhost, gatewayExchange(gw.name), DEVICES_EXCHANGE, '#'));
    d.parameters.push({
      component: 'federation-upstream',
      vhost,
      name: upstreamName(gw.name),
      value: {
        uri: backendUri,
        exchange: gatewayExchange(gw.name),
        'ack-mode': gw.downlink.ackMode,
        'prefetch-count': gw.downlink.prefetch,
        'max-hops': 1,
        'reconnect-delay': DEFAULT_LINK_RECONNECT_DELAY_SECONDS,
        'message-ttl': topology.routing.commandTtlSeconds * 1000,
        'trust-user-id': false,
        // A quorum upstream queue survives the loss of the backend node that would hold a classic one, so
        // commands for this gateway stay routable while any backend majority is up.
        'queue-type': 'quorum',
      },
    });
    d.policies.push(policy(vhost, policyName('downlink'), exactly(gatewayExchange(gw.name)), 'exchanges', { 'federation-upstream': upstreamName(gw.name) }));
  }
}

/** A plain gateway's one device login: `{client_id}` topic permissions keep each MQTT device to its own topics. */
function addSharedDeviceUser(d: Definitions, gw: Gateway, vhost: string, secrets: Secrets): void {
  // Devices: the MQTT plugin's subscription queues and the devices exchange, nothing else.
  const deviceObjects = `^(${escapeRegex(DEVICES_EXCHANGE)}|mqtt-subscription-.*|stomp-subscription-.*|amq\\.gen-.*)$`;
  const device = user(
    gw.name,
    vhost,
    { name: DEVICE_USER, configure: '^(mqtt-subscription-.*|stomp-subscription-.*|amq\\.gen-.*)$', write: deviceObjects, read: deviceObjects },
    secrets,
  );
  d.users.push(device.user);
  d.permissions.push(device.permission);
  // `{client_id}` is the MQTT client id (RabbitMQ expands it in topic permissions only).
  d.topic_permissions.push({
    user: DEVICE_USER,
    vhost,
    exchange: DEVICES_EXCHANGE,
    write: '^devices\\.{client_id}\\.events\\.',
    read: '^devices\\.{client_id}\\.commands\\.',
  });
}

function shovel(vhost: string, name: string, value: Record<string, unknown>): ParameterDefinition {
  return {
    component: 'shovel',
    vhost,
    name,
    value: { 'src-protocol': 'amqp091', 'dest-protocol': 'amqp091', 'reconnect-delay': DEFAULT_LINK_RECONNECT_DELAY_SECONDS, ...value },
  };
}

import {
  ADMIN_USER,
  APP_USER,
  BROADCAST_EXCHANGE,
  COMMANDS_EXCHANGE,
  DEAD_EXCHANGE,
  DEAD_QUEUE,
  DIRECTORY_EXCHANGE,
  EVENTS_EXCHANGE,
  PRESENCE_EXCHANGE,
  PRESENCE_STREAM,
  ROUTER_BINDING_KEY,
  ROUTER_QUEUE,
  ROUTER_USER,
  SNAPSHOT_STREAM,
  SNAPSHOT_WRITER_QUEUE,
  downlinkUser,
  federationQueuePrefix,
  gatewayExchange,
  outboxQueue,
  policyName,
  uplinkUser,
  type Gateway,
  type Secrets,
  type Topology,
} from '@fedgate/topology';
import type { Definitions } from './definitions.ts';
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
  streamQueue,
} from './definition-builders.ts';
import { user, type UserSpec } from './users.ts';

/** Dead-letter queue bound: beyond this the oldest dead letters are dropped rather than filling the disk. */
export const DEFAULT_DEAD_LETTER_MAX_LENGTH = 1_000_000;
/** Outbox bound per gateway: a gateway cut off for hours must not exhaust the backend. */
export const DEFAULT_OUTBOX_MAX_LENGTH = 1_000_000;
/** A command redelivered this often is poison: dead-letter it instead of looping. */
export const DEFAULT_DELIVERY_LIMIT = 20;
/**
 * Directory snapshots are only read back from the last few minutes (routers write one a minute); keeping 15 min,
 * and never more than 1 GB, leaves room for a writer that falls behind.
 */
export const SNAPSHOT_STREAM_MAX_AGE = '15m';
export const SNAPSHOT_STREAM_MAX_BYTES = 1_000_000_000;
/** Prefix federation gives the queue it declares on the backend for a federated exchange. */
export function federationQueuePattern(gateway: string): string {
  return `^${escapeRegex(federationQueuePrefix(gatewayExchange(gateway)))}`;
}

/** Backend cluster: commands in, per-gateway outboxes, broadcast, events, presence, dead letters. */
export function compileBackendDefinitions(topology: Topology, secrets: Secrets): Definitions {
  const { vhost, backend, gateways, routing } = topology;
  const d = emptyDefinitions(vhost);
  const ttlMs = routing.commandTtlSeconds * 1000;

  d.exchanges.push(
    exchange(vhost, COMMANDS_EXCHANGE, 'topic'),
    exchange(vhost, BROADCAST_EXCHANGE, 'fanout'),
    exchange(vhost, EVENTS_EXCHANGE, 'topic'),
    exchange(vhost, PRESENCE_EXCHANGE, 'topic'),
    exchange(vhost, DEAD_EXCHANGE, 'topic'),
    exchange(vhost, DIRECTORY_EXCHANGE, 'fanout'),
  );
  d.queues.push(quorumQueue(vhost, ROUTER_QUEUE), quorumQueue(vhost, DEAD_QUEUE), streamQueue(vhost, PRESENCE_STREAM), streamQueue(vhost, SNAPSHOT_STREAM));
  d.bindings.push(
    queueBinding(vhost, COMMANDS_EXCHANGE, ROUTER_QUEUE, ROUTER_BINDING_KEY),
    queueBinding(vhost, DEAD_EXCHANGE, DEAD_QUEUE, '#'),
    queueBinding(vhost, PRESENCE_EXCHANGE, PRESENCE_STREAM, '#'),
    queueBinding(vhost, DIRECTORY_EXCHANGE, SNAPSHOT_STREAM, ''),
  );

  for (const gw of gateways) {
    d.exchanges.push(exchange(vhost, gatewayExchange(gw.name), 'topic'));
    d.bindings.push(exchangeBinding(vhost, BROADCAST_EXCHANGE, gatewayExchange(gw.name), ''));
    // A shovel drains a queue we own; federation declares its own upstream queue on this side.
    if (gw.downlink.kind === 'shovel') {
      d.queues.push(quorumQueue(vhost, outboxQueue(gw.name)));
      d.bindings.push(queueBinding(vhost, gatewayExchange(gw.name), outboxQueue(gw.name), '#'));
    }
  }

  const commandQueues = [ROUTER_QUEUE, ...gateways.filter((g) => g.downlink.kind === 'shovel').map((g) => outboxQueue(g.name))];
  d.policies.push(
    // Every command queue: expire after the command TTL, dead-letter with the broker's reason (x-death).
    policy(vhost, policyName('commands'), exactly(...commandQueues), 'queues', {
      'dead-letter-exchange': DEAD_EXCHANGE,
      'message-ttl': ttlMs,
      'delivery-limit': DEFAULT_DELIVERY_LIMIT,
      'max-length': DEFAULT_OUTBOX_MAX_LENGTH,
    }),
    policy(vhost, policyName('dead-letters'), exactly(DEAD_QUEUE), 'queues', { 'max-length': DEFAULT_DEAD_LETTER_MAX_LENGTH }),
    // The router replays this log to rebuild its directory; older entries are stale anyway.
    policy(vhost, policyName('presence-log'), exactly(PRESENCE_STREAM), 'queues', {
      'max-age': `${routing.locationTtlSeconds}s`,
      'max-length-bytes': topology.backend.limits.presenceLogMaxBytes,
      'stream-max-segment-size-bytes': 50_000_000,
    }),
    policy(vhost, policyName('directory-snapshots'), exactly(SNAPSHOT_STREAM), 'queues', {
      'max-age': SNAPSHOT_STREAM_MAX_AGE,
      'max-length-bytes': SNAPSHOT_STREAM_MAX_BYTES,
      'stream-max-segment-size-bytes': 50_000_000,
    }),
  );
  const federated = gateways.filter((g) => g.downlink.kind === 'federation');
  if (federated.length > 0) {
    d.policies.push(
      policy(vhost, policyName('federated-commands'), `^federation: fedgate\\.to\\.(${federated.map((g) => escapeRegex(g.name)).join('|')}) -> `, 'queues', {
        'dead-letter-exchange': DEAD_EXCHANGE,
        'message-ttl': ttlMs,
        'max-length': DEFAULT_OUTBOX_MAX_LENGTH,
      }),
    );
  }

  const specs: UserSpec[] = [
    { name: ADMIN_USER, tags: ['administrator'], configure: '.*', write: '.*', read: '.*' },
    {
      // Reads commands, the presence log and directory snapshots; republishes to one gateway, broadcast or dead
      // letters; writes sync markers to presence and snapshots to know when a replay has caught up, and
      // snapshots while it holds the exclusive writer queue.
      name: ROUTER_USER,
      configure: exactly(SNAPSHOT_WRITER_QUEUE),
      write: `^(fedgate\\.to\\.[^.]+|${escapeRegex(BROADCAST_EXCHANGE)}|${escapeRegex(DEAD_EXCHANGE)}|${escapeRegex(PRESENCE_EXCHANGE)}|${escapeRegex(DIRECTORY_EXCHANGE)})$`,
      read: `^(${escapeRegex(ROUTER_QUEUE)}|${escapeRegex(PRESENCE_STREAM)}|${escapeRegex(SNAPSHOT_STREAM)}|fedgate\\.to\\.[^.]+\\.outbox|federation: fedgate\\.to\\..+)$`,
    },
    // Microservices: publish commands; consume events and dead letters through their own exclusive, server-named
    // queues (no other connection can consume an exclusive queue). One user each; fedgate-app for demo and tools.
    serviceUserSpec(APP_USER),
    ...backend.services.map((svc) => serviceUserSpec(svc.name, svc.maxConnections)),
    // Over TLS the links log in with their certificates (EXTERNAL): their users have no password to steal.
    ...gateways
      .flatMap((gw) => [downlinkUserSpec(gw), uplinkUserSpec(gw)])
      .map((spec): UserSpec => ({ ...spec, login: backend.tls ? 'certificate' : 'password' })),
  ];
  for (const spec of specs) {
    const { user: u, permission } = user(backend.name, vhost, spec, secrets);
    d.users.push(u);
    d.permissions.push(permission);
  }
  return sortDefinitions(d);
}

/** The downlink may read its own outbox (shovel) or run federation's upstream objects for its exchange. */
function downlinkUserSpec(gw: Gateway): UserSpec {
  if (gw.downlink.kind === 'shovel') {
    return { name: downlinkUser(gw.name), configure: '^$', write: '^$', read: exactly(outboxQueue(gw.name)) };
  }
  const own = `${escapeRegex(federationQueuePrefix(gatewayExchange(gw.name)))}.*`;
  return {
    name: downlinkUser(gw.name),
    configure: `^${own}$`,
    write: `^${own}$`,
    read: `^(${escapeRegex(gatewayExchange(gw.name))}|${own})$`,
  };
}

/** The uplink and presence links only publish, to events and presence. */
function uplinkUserSpec(gw: Gateway): UserSpec {
  return { name: uplinkUser(gw.name), configure: '^$', write: exactly(EVENTS_EXCHANGE, PRESENCE_EXCHANGE), read: '^$' };
}

function serviceUserSpec(name: string, maxConnections?: number): UserSpec {
  return {
    name,
    configure: '^amq\\.gen-.*$',
    write: `^(${escapeRegex(COMMANDS_EXCHANGE)}|amq\\.gen-.*)$`,
    read: `^(${escapeRegex(EVENTS_EXCHANGE)}|${escapeRegex(DEAD_EXCHANGE)}|amq\\.gen-.*)$`,
    ...(maxConnections === undefined ? {} : { limits: { 'max-connections': maxConnections } }),
  };
}

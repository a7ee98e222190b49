import type { BindingDefinition, Definitions, ExchangeDefinition, PolicyDefinition, QueueDefinition } from './definitions.ts';
import { RABBITMQ_VERSION } from './definitions.ts';

/** Small constructors so the compilers read like the message flow in DESIGN.md. */

export function emptyDefinitions(vhost: string): Definitions {
  return {
    rabbit_version: RABBITMQ_VERSION,
    users: [],
    vhosts: [{ name: vhost }],
    permissions: [],
    topic_permissions: [],
    parameters: [],
    policies: [],
    queues: [],
    exchanges: [],
    bindings: [],
  };
}

export function exchange(vhost: string, name: string, type: ExchangeDefinition['type'], args: Record<string, unknown> = {}): ExchangeDefinition {
  return { name, vhost, type, durable: true, auto_delete: false, internal: false, arguments: args };
}

/** Quorum queues: replicated, so a lost node loses no command or event. */
export function quorumQueue(vhost: string, name: string): QueueDefinition {
  return { name, vhost, durable: true, auto_delete: false, arguments: { 'x-queue-type': 'quorum' } };
}

export function streamQueue(vhost: string, name: string): QueueDefinition {
  return { name, vhost, durable: true, auto_delete: false, arguments: { 'x-queue-type': 'stream' } };
}

export function queueBinding(vhost: string, source: string, queue: string, routingKey: string): BindingDefinition {
  return { source, vhost, destination: queue, destination_type: 'queue', routing_key: routingKey, arguments: {} };
}

export function exchangeBinding(vhost: string, source: string, destination: string, routingKey: string): BindingDefinition {
  return { source, vhost, destination, destination_type: 'exchange', routing_key: routingKey, arguments: {} };
}

export function policy(
  vhost: string,
  name: string,
  pattern: string,
  applyTo: PolicyDefinition['apply-to'],
  definition: Record<string, unknown>,
  priority = 10,
): PolicyDefinition {
  return { vhost, name, pattern, 'apply-to': applyTo, priority, definition };
}

/** Anchored regex matching exactly the given names, for permissions and policy patterns. */
export function exactly(...names: string[]): string {
  return names.length === 0 ? '^$' : `^(${names.map(escapeRegex).join('|')})$`;
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Definitions sorted by name so output is stable whatever order the compiler emitted. */
export function sortDefinitions(d: Definitions): Definitions {
  const byName = <T extends { name: string }>(xs: T[]) => [...xs].sort((a, b) => a.name.localeCompare(b.name));
  return {
    ...d,
    users: byName(d.users),
    permissions: [...d.permissions].sort((a, b) => a.user.localeCompare(b.user)),
    topic_permissions: [...d.topic_permissions].sort((a, b) => a.user.localeCompare(b.user) || a.exchange.localeCompare(b.exchange)),
    parameters: [...d.parameters].sort((a, b) => a.component.localeCompare(b.component) || a.name.localeCompare(b.name)),
    policies: byName(d.policies),
    queues: byName(d.queues),
    exchanges: byName(d.exchanges),
    bindings: [...d.bindings].sort(
      (a, b) => a.source.localeCompare(b.source) || a.destination.localeCompare(b.destination) || a.routing_key.localeCompare(b.routing_key),
    ),
  };
}

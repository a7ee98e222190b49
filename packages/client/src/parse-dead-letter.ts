// A dead letter from fedgate.dead: which command it was and why it died. Pure.
import type { Message } from 'amqplib';
import { DEAD_REASON_HEADER, parseCommandRoutingKey } from '@fedgate/topology';

/**
 * Set by the router (`x-fedgate-dead-reason`): `expired`, `malformed-routing-key`, `missing-device-id`,
 * `oversized`, `unroutable`, `unknown-device`, `invalid-deadline`, `headers-too-large`, `invalid-header`,
 * `invalid-property`. Set by the broker (`x-death[0].reason`): `expired`, `rejected`, `maxlen`,
 * `delivery_limit`. `unknown` when the message says neither.
 */
export type DeadLetterReason =
  | 'expired'
  | 'malformed-routing-key'
  | 'missing-device-id'
  | 'oversized'
  | 'unroutable'
  | 'unknown-device'
  | 'invalid-deadline'
  | 'headers-too-large'
  | 'invalid-header'
  | 'invalid-property'
  | 'rejected'
  | 'maxlen'
  | 'delivery_limit'
  | 'unknown'
  | (string & {});

export interface DeadLetter {
  /** The device and command, when the routing key (or the broker's record of it) is a command key. */
  readonly deviceId: string | undefined;
  readonly name: string | undefined;
  readonly reason: DeadLetterReason;
  /** Who dead-lettered it: the router (reason header), the broker (x-death), or neither said. */
  readonly source: 'router' | 'broker' | 'unknown';
  /** The queue the broker dead-lettered it from (e.g. `fedgate.router`), for `source: 'broker'`. */
  readonly queue: string | undefined;
  readonly routingKey: string;
  readonly payload: Buffer;
  readonly receivedAt: Date;
  readonly raw: Message;
}

export interface DeadLetterCause {
  readonly reason: DeadLetterReason;
  readonly source: DeadLetter['source'];
  readonly queue: string | undefined;
  /** The routing keys the broker recorded for the message when it died. */
  readonly routingKeys: readonly string[];
}

/** The router's reason header wins; else the broker's latest death (x-death is newest first); else `unknown`. */
export function deadLetterCause(headers: Readonly<Record<string, unknown>> | undefined): DeadLetterCause {
  const death = firstDeath(headers?.['x-death']);
  const routingKeys = death ? asStrings(death['routing-keys']) : [];
  const queue = death ? asString(death.queue) : undefined;
  const routerReason = asString(headers?.[DEAD_REASON_HEADER]);
  if (routerReason) return { reason: routerReason, source: 'router', queue: undefined, routingKeys };
  const brokerReason = asString(death?.reason) ?? asString(headers?.['x-first-death-reason']);
  if (brokerReason) return { reason: brokerReason, source: 'broker', queue: queue ?? asString(headers?.['x-first-death-queue']), routingKeys };
  return { reason: 'unknown', source: 'unknown', queue: undefined, routingKeys };
}

export function parseDeadLetter(message: Message, receivedAt: Date): DeadLetter {
  const routingKey = message.fields.routingKey;
  const cause = deadLetterCause(message.properties.headers);
  // The broker keeps the routing key when it dead-letters, but a queue with x-dead-letter-routing-key replaces it.
  const command = [routingKey, ...cause.routingKeys].map(parseCommandRoutingKey).find((p) => p.ok);
  return {
    deviceId: command?.ok ? command.deviceId : undefined,
    name: command?.ok ? command.command : undefined,
    reason: cause.reason,
    source: cause.source,
    queue: cause.queue,
    routingKey,
    payload: message.content,
    receivedAt,
    raw: message,
  };
}

function firstDeath(xDeath: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(xDeath)) return undefined;
  const first: unknown = xDeath[0];
  return typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : undefined;
}

/** Header strings arrive as strings or, from some clients and shovels, as byte arrays. */
function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (Buffer.isBuffer(value)) return value.length === 0 ? undefined : value.toString('utf8');
  return undefined;
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(asString).filter((s): s is string => s !== undefined) : [];
}

// A device event as a service sees it, read from one delivery of fedgate.events. Pure.
import type { Message } from 'amqplib';
import { DEVICE_ID_PATTERN, gatewayOfUplinkUser } from '@fedgate/topology';
import { InvalidOptionsError, MalformedMessageError } from './errors.ts';

export interface DeviceEvent {
  readonly deviceId: string;
  /** What follows `events.` in the routing key, e.g. `temp` or `battery.low`. */
  readonly name: string;
  /**
   * The gateway the event came in through, from `user_id` = `fedgate-up-<gateway>`: the broker checks `user_id`
   * against the uplink's login, so a device cannot forge it. `undefined` when the event did not come over an
   * uplink (e.g. a backend service published it). Headers such as `x-fedgate-gateway` are never consulted.
   */
  readonly gateway: string | undefined;
  readonly payload: Buffer;
  readonly contentType: string | undefined;
  /** The payload parsed, when the content type says JSON and it parses; otherwise `undefined`. */
  readonly json: unknown;
  readonly receivedAt: Date;
  /** The delivery as amqplib gave it. */
  readonly raw: Message;
}

/** `application/json`, `application/<anything>+json`, with or without parameters. */
export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType.trim());
}

/** Reads `devices.<id>.events.<name>`; throws MalformedMessageError for any other routing key. */
export function parseEvent(message: Message, receivedAt: Date): DeviceEvent {
  const routingKey = message.fields.routingKey;
  const words = routingKey.split('.');
  if (words[0] !== 'devices' || words[2] !== 'events') throw new MalformedMessageError(routingKey, 'is not devices.<id>.events.<name>');
  const deviceId = words[1] ?? '';
  if (!DEVICE_ID_PATTERN.test(deviceId)) throw new MalformedMessageError(routingKey, 'names no valid device id');
  const name = words.slice(3).join('.');
  if (name === '' || words.slice(3).some((w) => w === '')) throw new MalformedMessageError(routingKey, 'names no event');

  const contentType = message.properties.contentType === undefined ? undefined : String(message.properties.contentType);
  let json: unknown;
  if (isJsonContentType(contentType)) {
    try {
      json = JSON.parse(message.content.toString('utf8'));
    } catch {
      // The bytes are still in `payload`; a device's bad JSON is the handler's to judge, not a reason to drop it.
      json = undefined;
    }
  }
  const userId = message.properties.userId === undefined ? undefined : String(message.properties.userId);
  return {
    deviceId,
    name,
    gateway: gatewayOfUplinkUser(userId),
    payload: message.content,
    contentType,
    json,
    receivedAt,
    raw: message,
  };
}

const EVENT_NAME_WORD = /^([A-Za-z0-9_-]+|\*|#)$/;

/**
 * A binding pattern for `onEvent`: `eventPattern()` is every event, `eventPattern({ deviceId: 's-42' })` every event
 * of one device, `eventPattern({ name: 'temp' })` one event of every device. `name` may use `*` and `#` words.
 */
export function eventPattern(filter: { readonly deviceId?: string; readonly name?: string } = {}): string {
  const { deviceId, name } = filter;
  if (deviceId !== undefined && !DEVICE_ID_PATTERN.test(deviceId)) {
    throw new InvalidOptionsError('deviceId', `1 to 128 characters of A-Z a-z 0-9 _ - (${DEVICE_ID_PATTERN})`, deviceId);
  }
  if (name !== undefined && !name.split('.').every((w) => EVENT_NAME_WORD.test(w))) {
    throw new InvalidOptionsError('name', 'dot-separated words of A-Z a-z 0-9 _ -, or * and #', name);
  }
  return `devices.${deviceId ?? '*'}.events.${name ?? '#'}`;
}

/** Checks a topic binding pattern: 1 to 255 bytes, no empty word. Throws InvalidOptionsError. */
export function checkBindingPattern(pattern: unknown): asserts pattern is string {
  if (typeof pattern !== 'string' || pattern === '' || Buffer.byteLength(pattern) > 255 || pattern.split('.').some((w) => w === '')) {
    throw new InvalidOptionsError('pattern', 'a topic pattern of 1 to 255 bytes with no empty word, e.g. devices.*.events.#', pattern);
  }
}

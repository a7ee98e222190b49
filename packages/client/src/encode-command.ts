// A command as it goes on the wire to fedgate.commands: routing key, body and properties. Pure.
import type { Options } from 'amqplib';
import { COMMAND_NAME_PATTERN, DEADLINE_HEADER, DEVICE_ID_PATTERN, commandRoutingKey } from '@fedgate/topology';
import { checkTtlSeconds } from './client-options.ts';
import { InvalidCommandError } from './errors.ts';

export const JSON_CONTENT_TYPE = 'application/json';
export const BINARY_CONTENT_TYPE = 'application/octet-stream';

/** Bytes go as they are; anything else is serialised as JSON (a string too: pass a Buffer for raw text). */
export type CommandPayload = Buffer | Uint8Array | string | number | boolean | null | object;

export interface CommandInput {
  readonly deviceId: string;
  readonly name: string;
  readonly payload: CommandPayload;
  readonly ttlSeconds: number;
  /** Epoch ms the command is sent at. */
  readonly now: number;
  readonly messageId: string;
}

export interface EncodedCommand {
  readonly routingKey: string;
  readonly content: Buffer;
  readonly publishOptions: Options.Publish & { headers: Record<string, unknown>; messageId: string };
  /** Epoch ms after which nobody delivers the command. */
  readonly deadline: number;
}

/** Validates and encodes one command; throws InvalidCommandError, so nothing invalid is ever published. */
export function encodeCommand(input: CommandInput): EncodedCommand {
  const { deviceId, name, payload, ttlSeconds, now, messageId } = input;
  if (typeof deviceId !== 'string' || !DEVICE_ID_PATTERN.test(deviceId)) {
    throw new InvalidCommandError('deviceId', `1 to 128 characters of A-Z a-z 0-9 _ - (${DEVICE_ID_PATTERN})`, deviceId);
  }
  if (typeof name !== 'string' || !COMMAND_NAME_PATTERN.test(name)) {
    throw new InvalidCommandError('name', `dot-separated words of A-Z a-z 0-9 _ - (${COMMAND_NAME_PATTERN})`, name);
  }
  checkTtlSeconds(ttlSeconds, (expected, value) => new InvalidCommandError('ttlSeconds', expected, value));
  const { content, contentType } = encodePayload(payload);
  // Round to whole ms (the broker's unit), never down to 0, which would mean "deliver now or drop".
  const ttlMs = Math.max(1, Math.round(ttlSeconds * 1000));
  const deadline = now + ttlMs;
  return {
    routingKey: commandRoutingKey(deviceId, name),
    content,
    deadline,
    publishOptions: {
      persistent: true,
      // Unroutable means no fedgate.router binding: fail the call instead of losing the command silently.
      mandatory: true,
      contentType,
      messageId,
      timestamp: Math.floor(now / 1000),
      // Expires in fedgate.router even with no router running (the queue dead-letters it as `expired`);
      // the deadline header lets the router republish with only the time that is left.
      expiration: String(ttlMs),
      headers: { [DEADLINE_HEADER]: deadline },
    },
  };
}

function encodePayload(payload: CommandPayload): { content: Buffer; contentType: string } {
  if (Buffer.isBuffer(payload)) return { content: payload, contentType: BINARY_CONTENT_TYPE };
  if (payload instanceof Uint8Array) return { content: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), contentType: BINARY_CONTENT_TYPE };
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (err) {
    throw new InvalidCommandError('payload', 'a Buffer or a JSON-serialisable value', payload, { cause: err });
  }
  if (json === undefined) throw new InvalidCommandError('payload', 'a Buffer or a JSON-serialisable value', payload);
  return { content: Buffer.from(json), contentType: JSON_CONTENT_TYPE };
}

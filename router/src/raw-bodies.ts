/**
 * rabbitmq-client 5 decodes every `application/json` body with JSON.parse and every `text/plain` body as UTF-8,
 * with no option to turn it off. A router must forward the bytes it got: `{"a":1,"a":2}`, 20-digit numbers, the
 * JSON string `"reboot"` and invalid UTF-8 would all change on the way through. So, on the channels of one
 * connection only, the content type is hidden from the decoder as each message header arrives and handed back
 * beside the untouched Buffer. This reaches into one internal method (`Channel._onHeader`); a version without it
 * fails the router's start instead of corrupting commands, and router/test/raw-bodies.test.ts pins the behaviour
 * against the installed rabbitmq-client.
 */
import type { AsyncMessage, Channel, Connection } from 'rabbitmq-client';
import { RouterError } from './router-error.ts';

/** The content types rabbitmq-client decodes when no content encoding is set. */
const DECODED_CONTENT_TYPES: ReadonlySet<string> = new Set(['application/json', 'text/plain']);
const ORIGINAL_CONTENT_TYPE = Symbol('fedgate.originalContentType');

interface HeaderFrame {
  fields: Record<string | symbol, unknown>;
}
interface ChannelInternals {
  _onHeader?: (frame: HeaderFrame) => void;
}

/** Every channel `connection` opens from now on (consumers and publishers included) delivers raw bodies. */
export function keepRawBodies(connection: Connection): void {
  const acquire = connection.acquire.bind(connection);
  connection.acquire = async (opt) => {
    const channel = await acquire(opt);
    try {
      keepRawBodiesOn(channel);
    } catch (err) {
      await channel.close();
      throw err;
    }
    return channel;
  };
}

/** Exported for the test that drives a real rabbitmq-client Channel. */
export function keepRawBodiesOn(channel: Channel): void {
  const internals = channel as unknown as ChannelInternals;
  const onHeader = internals._onHeader;
  if (typeof onHeader !== 'function') {
    throw new RouterError('ROUTER_RAW_BODY_UNAVAILABLE', 'this rabbitmq-client has no Channel._onHeader; the router cannot receive bodies as raw bytes');
  }
  internals._onHeader = function hideDecodedContentType(this: unknown, frame: HeaderFrame) {
    const type = frame.fields.contentType;
    if (typeof type === 'string' && DECODED_CONTENT_TYPES.has(type) && !frame.fields.contentEncoding) {
      frame.fields.contentType = undefined;
      frame.fields[ORIGINAL_CONTENT_TYPE] = type;
    }
    onHeader.call(this, frame);
  };
}

/** The body exactly as the broker delivered it, and the content type the sender set. */
export function rawBodyOf(msg: AsyncMessage): { body: Buffer; contentType: string | undefined } {
  const hidden = (msg as unknown as Record<symbol, unknown>)[ORIGINAL_CONTENT_TYPE];
  const contentType = typeof hidden === 'string' ? hidden : msg.contentType;
  if (!Buffer.isBuffer(msg.body)) {
    throw new RouterError('ROUTER_RAW_BODY_UNAVAILABLE', `a ${contentType ?? 'untyped'} body arrived decoded; refusing to re-serialise it`);
  }
  return { body: msg.body, contentType };
}

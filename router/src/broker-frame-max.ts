/**
 * The frame size the backend negotiates, learnt by a short probe connection before the real one opens.
 * rabbitmq-client sizes its frames from its `frameMax` option (8192 by default), not from what the broker
 * agreed: it splits incoming bodies by the option too, so the option must equal the broker's frame_max exactly.
 * With that, any header frame a sender managed to publish also fits the router's connection, and the router's
 * own republish stays within the bound the header checks keep.
 */
import { Connection, type ConnectionOptions } from 'rabbitmq-client';
import { RouterError } from './router-error.ts';

/** Offered in the probe so the broker's value wins the negotiation (min of both sides). */
const UNLIMITED_FRAME_MAX = 2 ** 32 - 1;
/** AMQP 0-9-1's smallest frame_max; anything less is not a broker answer. */
export const MIN_FRAME_MAX = 4096;

/** Connects once as the router would (same URL and TLS), reads the negotiated frame_max, closes. Throws after `timeoutMs`. */
export async function brokerFrameMax(url: string, timeoutMs: number, tls?: ConnectionOptions['tls']): Promise<number> {
  const probe = new Connection({ url, frameMax: UNLIMITED_FRAME_MAX, connectionName: 'fedgate-router-frame-probe', ...(tls === undefined ? {} : { tls }) });
  probe.on('error', () => undefined); // onConnect reports the failure that matters
  try {
    // No auto-close on timeout: the `finally` closes it, once (a second close of a connection that never
    // opened waits for a socket event that already happened).
    await probe.onConnect(timeoutMs, true);
    const negotiated = (probe as unknown as { _state?: { frameMax?: unknown } })._state?.frameMax;
    if (typeof negotiated !== 'number' || !Number.isInteger(negotiated) || negotiated < MIN_FRAME_MAX) {
      throw new RouterError('ROUTER_FRAME_MAX_UNKNOWN', `could not read the negotiated frame_max (got ${String(negotiated)})`);
    }
    return negotiated;
  } catch (err) {
    throw RouterError.from('probing the backend for its frame_max', err, err instanceof RouterError ? err.code : 'ROUTER_BROKER_ERROR');
  } finally {
    await probe.close().catch(() => undefined);
  }
}

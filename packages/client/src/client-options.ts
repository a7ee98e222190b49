// createClient's options, checked and completed by one pure function before any socket opens.
import type { ChannelModel } from 'amqplib';
import { FedgateClientError, InvalidOptionsError } from './errors.ts';

/** Command TTL when neither the call, the options nor a topology say otherwise (the topology's own default). */
export const DEFAULT_COMMAND_TTL_SECONDS = 60;
/** Longest TTL a command may ask for; the topology schema allows the same for `routing.commandTtlSeconds`. */
export const MAX_COMMAND_TTL_SECONDS = 86_400;
/** Shortest TTL: the broker's per-message expiration has millisecond resolution. */
export const MIN_COMMAND_TTL_SECONDS = 0.001;
/** Unacknowledged deliveries a subscription holds at once (and so handlers running at once). */
export const DEFAULT_PREFETCH = 100;
/** How long a command may wait for the broker's confirm before sendCommand gives up on it. */
export const DEFAULT_CONFIRM_TIMEOUT_MS = 30_000;
/** How long close() waits for running handlers and outstanding confirms before closing anyway. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;
/** Shown as the connection's name in the management UI (connections the client opens itself). */
export const DEFAULT_CONNECTION_NAME = 'fedgate-client';

export interface CommonOptions {
  /** The topology the backend runs; only `routing.commandTtlSeconds` is used, as the default command TTL. */
  readonly topology?: { readonly routing: { readonly commandTtlSeconds: number } };
  /**
   * Default TTL of a command, in seconds (fractions allowed down to 1 ms).
   * @default topology.routing.commandTtlSeconds, else DEFAULT_COMMAND_TTL_SECONDS (60)
   */
  readonly commandTtlSeconds?: number;
  /** Unacknowledged deliveries per subscription, 1–65535. @default DEFAULT_PREFETCH (100) */
  readonly prefetch?: number;
  /** Milliseconds sendCommand waits for the broker's confirm. @default DEFAULT_CONFIRM_TIMEOUT_MS (30 s) */
  readonly confirmTimeoutMs?: number;
  /** Milliseconds close() waits for running handlers and outstanding confirms. @default DEFAULT_CLOSE_TIMEOUT_MS (5 s) */
  readonly closeTimeoutMs?: number;
  /** Connection name in the management UI, for a connection the client opens. @default DEFAULT_CONNECTION_NAME */
  readonly connectionName?: string;
  /**
   * Failures no caller awaits: a handler that threw, a delivery that does not parse, the connection lost.
   * @default process.emitWarning
   */
  readonly onError?: (error: FedgateClientError) => void;
}

/** The client opens the connection itself and closes it in close(). */
export interface ConnectWithUrl {
  /** e.g. `amqps://fedgate-app:<password>@core.internal:5671/`; the password never appears in an error. */
  readonly url: string;
  /**
   * TLS for an amqps URL: the fleet CA to trust (PEM), and a client certificate where the broker asks for one.
   * @default the process's trust store (NODE_EXTRA_CA_CERTS included), no client certificate
   */
  readonly tls?: ClientTlsOptions;
  readonly connection?: undefined;
}

/** What an amqps connection needs from the caller; passed to node:tls. */
export interface ClientTlsOptions {
  readonly ca?: string | readonly string[];
  readonly cert?: string;
  readonly key?: string;
  /** The name the broker's certificate must carry, when the URL names an address that it does not. */
  readonly servername?: string;
}

/** The client opens its own channels on a connection the service already has, and never closes that connection. */
export interface ConnectWithConnection {
  /** What `amqplib.connect()` resolved to. */
  readonly connection: ChannelModel;
  readonly url?: undefined;
}

export type ClientOptions = CommonOptions & (ConnectWithUrl | ConnectWithConnection);

export interface NormalizedClientOptions {
  readonly connect:
    | { readonly kind: 'url'; readonly url: string; readonly tls: ClientTlsOptions | undefined }
    | { readonly kind: 'connection'; readonly connection: ChannelModel };
  readonly commandTtlSeconds: number;
  readonly prefetch: number;
  readonly confirmTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly connectionName: string;
  readonly onError: (error: FedgateClientError) => void;
}

const TTL_RANGE = `a number of seconds from ${MIN_COMMAND_TTL_SECONDS} to ${MAX_COMMAND_TTL_SECONDS}`;

/** Checks and completes createClient's options; throws InvalidOptionsError naming the field. No I/O. */
export function normalizeClientOptions(options: ClientOptions): NormalizedClientOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionsError('options', 'an object with url or connection', options);
  const { url, connection } = options as { url?: unknown; connection?: unknown };
  if (url !== undefined && connection !== undefined) throw new InvalidOptionsError('url', 'absent when connection is given', url);
  let connect: NormalizedClientOptions['connect'];
  if (connection !== undefined) {
    if (!isChannelModel(connection)) throw new InvalidOptionsError('connection', 'an amqplib connection (from amqplib.connect)', connection);
    connect = { kind: 'connection', connection };
  } else {
    if (typeof url !== 'string' || !/^amqps?:\/\/[^\s]+$/i.test(url)) throw new InvalidOptionsError('url', 'an amqp:// or amqps:// URI', url);
    const tls = (options as ConnectWithUrl).tls;
    if (tls !== undefined && (typeof tls !== 'object' || tls === null)) throw new InvalidOptionsError('tls', 'an object with ca, cert, key or servername', tls);
    if (tls !== undefined && !/^amqps:/i.test(url)) throw new InvalidOptionsError('tls', 'absent for an amqp:// URI (TLS needs amqps://)', tls);
    connect = { kind: 'url', url, tls };
  }

  const topologyTtl = options.topology?.routing.commandTtlSeconds;
  const commandTtlSeconds = options.commandTtlSeconds ?? topologyTtl ?? DEFAULT_COMMAND_TTL_SECONDS;
  const ttlField = options.commandTtlSeconds !== undefined ? 'commandTtlSeconds' : 'topology.routing.commandTtlSeconds';
  checkTtlSeconds(commandTtlSeconds, (expected, value) => new InvalidOptionsError(ttlField, expected, value));

  const prefetch = options.prefetch ?? DEFAULT_PREFETCH;
  if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65_535) throw new InvalidOptionsError('prefetch', 'an integer from 1 to 65535', prefetch);
  const confirmTimeoutMs = positiveMs('confirmTimeoutMs', options.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS);
  const closeTimeoutMs = positiveMs('closeTimeoutMs', options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);

  const connectionName = options.connectionName ?? DEFAULT_CONNECTION_NAME;
  if (typeof connectionName !== 'string' || connectionName === '' || connectionName.length > 255) {
    throw new InvalidOptionsError('connectionName', 'a string of 1 to 255 characters', connectionName);
  }
  const onError = options.onError ?? ((error: FedgateClientError) => process.emitWarning(error));
  if (typeof onError !== 'function') throw new InvalidOptionsError('onError', 'a function', onError);

  return { connect, commandTtlSeconds, prefetch, confirmTimeoutMs, closeTimeoutMs, connectionName, onError };
}

/** Throws what `fail` builds unless `value` is a TTL a command may carry. Shared by the options and sendCommand. */
export function checkTtlSeconds(value: unknown, fail: (expected: string, value: unknown) => Error): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < MIN_COMMAND_TTL_SECONDS || value > MAX_COMMAND_TTL_SECONDS) {
    throw fail(TTL_RANGE, value);
  }
}

function positiveMs(field: string, value: unknown): number {
  // 2^31-1 is setTimeout's ceiling; a larger delay fires at once.
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 2_147_483_647) {
    throw new InvalidOptionsError(field, 'an integer number of milliseconds from 1 to 2147483647', value);
  }
  return value as number;
}

function isChannelModel(value: unknown): value is ChannelModel {
  const candidate = value as Partial<ChannelModel> | null;
  return (
    typeof candidate === 'object' && candidate !== null && typeof candidate.createConfirmChannel === 'function' && typeof candidate.createChannel === 'function'
  );
}

// The client's errors: one base with a stable `code`, the cause chained, and no password in any message.
import { FedgateError, maskSecrets, type ErrorKind } from '@fedgate/topology';

export type ClientErrorCode =
  | 'CLIENT_ERROR'
  | 'INVALID_OPTIONS'
  | 'INVALID_COMMAND'
  | 'COMMAND_NACKED'
  | 'COMMAND_UNROUTABLE'
  | 'COMMAND_TIMEOUT'
  | 'CONNECT_FAILED'
  | 'CONNECTION_CLOSED'
  | 'BROKER_ERROR'
  | 'MALFORMED_MESSAGE'
  | 'HANDLER_FAILED';

// The one maskSecrets is topology's; re-exported because the SDK has always offered it to its users.
export { maskSecrets };

const KIND: Record<ClientErrorCode, ErrorKind> = {
  CLIENT_ERROR: 'runtime',
  INVALID_OPTIONS: 'input',
  INVALID_COMMAND: 'input',
  COMMAND_NACKED: 'runtime',
  COMMAND_UNROUTABLE: 'runtime',
  COMMAND_TIMEOUT: 'runtime',
  CONNECT_FAILED: 'runtime',
  CONNECTION_CLOSED: 'runtime',
  BROKER_ERROR: 'runtime',
  MALFORMED_MESSAGE: 'runtime',
  HANDLER_FAILED: 'runtime',
};

/** Base of every error the client throws or reports. */
export class FedgateClientError extends FedgateError {
  override readonly name: string = 'FedgateClientError';
  readonly code: ClientErrorCode;
  readonly kind: ErrorKind;

  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(maskSecrets(message), options);
    this.code = code;
    this.kind = KIND[code];
  }

  /**
   * Turns what amqplib throws or emits into a typed error: a channel or connection the broker closed with a
   * reply code becomes a BrokerError (or ConnectionClosedError for a forced close), an operation on a closed
   * channel or connection a ConnectionClosedError. Typed errors pass through unchanged.
   */
  static from(err: unknown): FedgateClientError {
    if (err instanceof FedgateClientError) return err;
    const message = err instanceof Error ? err.message : String(err);
    const replyCode = (err as { code?: unknown } | null)?.code;
    if (typeof replyCode === 'number') {
      // 320 CONNECTION_FORCED: an operator or a node shutdown closed the connection, nothing was refused.
      if (replyCode === 320) return new ConnectionClosedError(message, { cause: err });
      return new BrokerError(replyCode, message, { cause: err });
    }
    if ((err as Error | null)?.name === 'IllegalOperationError' || /\b(channel|connection) (closed|ended|closing)\b/i.test(message)) {
      return new ConnectionClosedError(message, { cause: err });
    }
    return new FedgateClientError('CLIENT_ERROR', message, { cause: err });
  }
}

/** An option of `createClient` or of a subscription is out of range; names the field, the range and the value. */
export class InvalidOptionsError extends FedgateClientError {
  override readonly name = 'InvalidOptionsError';
  constructor(
    readonly field: string,
    expected: string,
    readonly value: unknown,
  ) {
    super('INVALID_OPTIONS', `${field} must be ${expected}, got ${describe(value)}`);
  }
}

/** A command that cannot be sent as given (device id, name, payload or TTL); nothing was published. */
export class InvalidCommandError extends FedgateClientError {
  override readonly name = 'InvalidCommandError';
  constructor(
    readonly field: 'deviceId' | 'name' | 'payload' | 'ttlSeconds',
    expected: string,
    readonly value: unknown,
    options?: { cause?: unknown },
  ) {
    super('INVALID_COMMAND', `command ${field} must be ${expected}, got ${describe(value)}`, options);
  }
}

/** The broker refused to take responsibility for a command (basic.nack); it may be sent again. */
export class CommandNackedError extends FedgateClientError {
  override readonly name = 'CommandNackedError';
  constructor(
    readonly messageId: string,
    readonly routingKey: string,
  ) {
    super('COMMAND_NACKED', `the broker nacked command ${messageId} (${routingKey})`);
  }
}

/** No queue took the command (basic.return of a mandatory publish): nothing consumes `fedgate.commands` for it. */
export class CommandUnroutableError extends FedgateClientError {
  override readonly name = 'CommandUnroutableError';
  constructor(
    readonly messageId: string,
    readonly routingKey: string,
    readonly replyCode: number,
    readonly replyText: string,
  ) {
    super('COMMAND_UNROUTABLE', `command ${messageId} (${routingKey}) was returned unroutable: ${replyCode} ${replyText}`);
  }
}

/** No confirm within the timeout: the broker may still deliver the command (e.g. publishers blocked by an alarm). */
export class CommandTimeoutError extends FedgateClientError {
  override readonly name = 'CommandTimeoutError';
  constructor(
    readonly messageId: string,
    readonly routingKey: string,
    readonly timeoutMs: number,
  ) {
    super('COMMAND_TIMEOUT', `command ${messageId} (${routingKey}) was not confirmed within ${timeoutMs} ms; it may still be delivered`);
  }
}

/** The broker could not be reached or refused the login. The URI in the message has its password masked. */
export class ConnectFailedError extends FedgateClientError {
  override readonly name = 'ConnectFailedError';
  constructor(url: string, options: { cause?: unknown } = {}) {
    const cause = options.cause instanceof Error ? sanitized(options.cause, url) : options.cause;
    const reason = cause instanceof Error ? `: ${cause.message}` : '';
    super('CONNECT_FAILED', `could not connect to ${maskSecrets(url)}${reason}`, { cause });
  }
}

/** The connection or channel is gone (closed by the client, the broker or the network); the operation did not complete. */
export class ConnectionClosedError extends FedgateClientError {
  override readonly name = 'ConnectionClosedError';
  constructor(message = 'the connection is closed', options?: { cause?: unknown }) {
    super('CONNECTION_CLOSED', message, options);
  }
}

/** The broker closed a channel with an AMQP reply code, e.g. 403 ACCESS_REFUSED or 404 NOT_FOUND. */
export class BrokerError extends FedgateClientError {
  override readonly name = 'BrokerError';
  constructor(
    readonly replyCode: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('BROKER_ERROR', message, options);
  }
}

/** A delivery that is not what its subscription promises, e.g. an event whose routing key names no device. */
export class MalformedMessageError extends FedgateClientError {
  override readonly name = 'MalformedMessageError';
  constructor(
    readonly routingKey: string,
    reason: string,
  ) {
    super('MALFORMED_MESSAGE', `message with routing key ${JSON.stringify(routingKey)} ${reason}`);
  }
}

/** An event or dead-letter handler threw or rejected; the delivery was dropped (see `onEvent`). */
export class HandlerError extends FedgateClientError {
  override readonly name = 'HandlerError';
  constructor(
    readonly routingKey: string,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super('HANDLER_FAILED', `handler failed for ${routingKey}: ${reason}`, options);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(maskSecrets(value));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  return typeof value;
}

/** A copy of `err` without the URI's password in its message, when some library put it there. */
function sanitized(err: Error, url: string): Error {
  let message = maskSecrets(err.message);
  const password = passwordOf(url);
  if (password) {
    for (const form of new Set([password, safeDecode(password)])) message = message.split(form).join('***');
  }
  if (message === err.message) return err;
  const copy = new Error(message);
  copy.name = err.name;
  Object.assign(copy, { code: (err as { code?: unknown }).code });
  return copy;
}

function passwordOf(url: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^@/]*)@/i.exec(url);
  return match?.[1] || undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

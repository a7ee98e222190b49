// The router's errors: one base with a stable `code` and the cause chained. Only the CLI decides how to exit.
import { FedgateError, type ErrorKind } from '@fedgate/topology';

export type RouterErrorCode =
  | 'ROUTER_INVALID_OPTIONS'
  | 'ROUTER_TIMEOUT'
  | 'ROUTER_FRAME_MAX_UNKNOWN'
  | 'ROUTER_RAW_BODY_UNAVAILABLE'
  | 'ROUTER_SNAPSHOT_CORRUPT'
  | 'ROUTER_STOPPED'
  | 'ROUTER_BROKER_ERROR'
  | 'ROUTER_NOT_STARTED';

/** Base of every error the router throws or logs as its own. */
export class RouterError extends FedgateError {
  override readonly name: string = 'RouterError';
  readonly kind: ErrorKind;

  constructor(
    readonly code: RouterErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.kind = code === 'ROUTER_INVALID_OPTIONS' ? 'input' : 'runtime';
  }

  /** Wraps an outside failure (the broker, the AMQP client) with what the router was doing; typed errors pass through. */
  static from(doing: string, cause: unknown, code: RouterErrorCode = 'ROUTER_BROKER_ERROR'): RouterError {
    if (cause instanceof RouterError) return cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new RouterError(code, `${doing}: ${reason}`, { cause });
  }
}

/** An option or topology field is out of range; names the field, the range and the value. */
export class RouterOptionsError extends RouterError {
  override readonly name = 'RouterOptionsError';
  constructor(message: string) {
    super('ROUTER_INVALID_OPTIONS', message);
  }
}

/** A directory snapshot part that cannot be decoded; the router falls back to the presence log. */
export class SnapshotCorruptError extends RouterError {
  override readonly name = 'SnapshotCorruptError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ROUTER_SNAPSHOT_CORRUPT', `directory snapshot: ${message}`, options);
  }
}

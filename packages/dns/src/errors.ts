import { FedgateError, type ErrorKind } from '@fedgate/topology';

/** Stable codes of every failure `@fedgate/dns` throws; scripts and `--json` output match on these. */
export type DnsErrorCode = DnsConfigErrorCode | HostedZoneErrorCode | DnsStateErrorCode | Route53ErrorCode;

/** The topology or the arguments ask for something fedgate cannot do: fix the input. */
export type DnsConfigErrorCode =
  'DNS_NOT_CONFIGURED' | 'DNS_UNKNOWN_GATEWAY' | 'DNS_INVALID_TARGET' | 'DNS_DUPLICATE_REGION' | 'DNS_INVALID_SUBNET' | 'DNS_INVALID_OPTION';

export type HostedZoneErrorCode = 'DNS_ZONE_NOT_FOUND' | 'DNS_ZONE_AMBIGUOUS';

/** What the hosted zone holds stops fedgate from going on safely. */
export type DnsStateErrorCode = 'DNS_NOT_APPLIED' | 'DNS_DRAIN_WOULD_FAIL_OPEN';

export type Route53ErrorCode = 'DNS_AWS_REQUEST_FAILED' | 'DNS_AWS_CREDENTIALS' | 'DNS_AWS_REGION';

/** Base of every error this package throws; only a DnsConfigError is the caller's input. */
export abstract class DnsError extends FedgateError {
  abstract override readonly code: DnsErrorCode;
  readonly kind: ErrorKind = 'runtime';

  /**
   * Turns whatever a Route53 call threw into a DnsError. Errors that already are one pass through, so
   * a caller can wrap a whole operation without double wrapping.
   */
  static from(err: unknown, operation: string, attempts = 1): DnsError {
    if (err instanceof DnsError) return err;
    return Route53Error.fromAws(err, operation, attempts);
  }
}

export class DnsConfigError extends DnsError {
  override readonly name = 'DnsConfigError';
  override readonly kind = 'input';
  readonly code: DnsConfigErrorCode;

  constructor(code: DnsConfigErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.code = code;
  }
}

export class HostedZoneNotFoundError extends DnsError {
  override readonly name = 'HostedZoneNotFoundError';
  readonly code: HostedZoneErrorCode;
  readonly zone: string;

  constructor(zone: string, code: HostedZoneErrorCode, message: string) {
    super(message);
    this.zone = zone;
    this.code = code;
  }
}

export class DnsStateError extends DnsError {
  override readonly name = 'DnsStateError';
  readonly code: DnsStateErrorCode;

  constructor(code: DnsStateErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.code = code;
  }
}

/** A Route53 request failed. `awsCode` is Route53's own error code (InvalidChangeBatch, AccessDenied, …). */
export class Route53Error extends DnsError {
  override readonly name = 'Route53Error';
  readonly code: Route53ErrorCode;
  readonly operation: string;
  readonly awsCode: string;
  readonly httpStatusCode: number | undefined;
  readonly requestId: string | undefined;
  readonly attempts: number;

  constructor(
    code: Route53ErrorCode,
    message: string,
    details: { operation: string; awsCode: string; httpStatusCode?: number; requestId?: string; attempts: number; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.code = code;
    this.operation = details.operation;
    this.awsCode = details.awsCode;
    this.httpStatusCode = details.httpStatusCode;
    this.requestId = details.requestId;
    this.attempts = details.attempts;
  }

  /** Keeps the AWS error code and Route53's own message, and says what to do for the common setup mistakes. */
  static fromAws(err: unknown, operation: string, attempts = 1): Route53Error {
    const e = (typeof err === 'object' && err !== null ? err : {}) as AwsErrorShape;
    const awsCode = awsErrorCode(err) ?? 'UnknownError';
    const detail = e.message ?? String(err);
    const metadata = e.$metadata ?? {};
    const base = { operation, awsCode, httpStatusCode: metadata.httpStatusCode, requestId: metadata.requestId, attempts, cause: err };
    if (awsCode === 'CredentialsProviderError') {
      return new Route53Error(
        'DNS_AWS_CREDENTIALS',
        `Route53 ${operation}: no AWS credentials found (${detail}). fedgate uses the standard AWS SDK chain: ` +
          'AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, or an instance role',
        base,
      );
    }
    if (/region is missing/i.test(detail)) {
      return new Route53Error(
        'DNS_AWS_REGION',
        `Route53 ${operation}: no AWS region configured (${detail}). Route53 is global, any region selects its endpoint: ` +
          'set AWS_REGION (e.g. us-east-1) or a region in your AWS profile',
        base,
      );
    }
    // InvalidChangeBatch carries one message per rejected change.
    const messages = Array.isArray(e.messages) && e.messages.length > 0 ? ` [${e.messages.join('; ')}]` : '';
    const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    const request = metadata.requestId ? ` (request ${metadata.requestId})` : '';
    return new Route53Error('DNS_AWS_REQUEST_FAILED', `Route53 ${operation} failed${tries}: ${awsCode}: ${detail}${messages}${request}`, base);
  }
}

interface AwsErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  messages?: string[];
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** The AWS error code of an SDK v3 error (its `name`), or of a network error (`code`, e.g. ECONNRESET). */
export function awsErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as AwsErrorShape;
  // Unmodelled service errors arrive as plain `Error` with the code in `Code`; modelled ones name their class.
  if (typeof e.Code === 'string' && e.Code !== '') return e.Code;
  if (typeof e.name === 'string' && e.name !== '' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string' && e.code !== '') return e.code;
  return e.name;
}

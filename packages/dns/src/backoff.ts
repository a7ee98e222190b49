import { awsErrorCode } from './errors.ts';

export interface RetryPolicy {
  /** Tries per request, the first included. @default 8 */
  readonly maxAttempts: number;
  /** Ceiling of the delay before the first retry, in milliseconds; doubles per retry. @default 500 */
  readonly baseDelayMs: number;
  /** Largest delay between two tries, in milliseconds. @default 20000 */
  readonly maxDelayMs: number;
}

/**
 * Route53 allows 5 requests per second per account and rejects a change to a zone while the previous one is
 * still being processed (PriorRequestNotComplete). 8 tries spread over about 40 s ride out both.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 20_000 };

/**
 * Delay before retry number `retry` (1 = the first retry), "equal jitter": half of the exponential ceiling
 * plus a random share of the other half. Never zero, so a throttled request does not come straight back,
 * yet two fedgate runs hitting the same limit drift apart. Pure: `random` returns a number in [0, 1).
 */
export function backoffDelayMs(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Route53 refused the request before acting on it: always safe to send again. */
const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'PriorRequestNotComplete',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

/** The request may or may not have reached Route53: only safe to repeat when repeating changes nothing. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'TimeoutError',
  'RequestTimeout',
  'InternalFailure',
  'ServiceUnavailable',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * Why `err` deserves another try, or undefined when it does not. Throttling is retried for every call;
 * server and network failures only for `idempotent` calls, because a CREATE change whose response was lost
 * would fail as "already exists" when sent again.
 */
export function retryReason(err: unknown, { idempotent }: { idempotent: boolean }): string | undefined {
  const code = awsErrorCode(err);
  if (code !== undefined && THROTTLING_CODES.has(code)) return code;
  if (!idempotent) return undefined;
  if (code !== undefined && TRANSIENT_CODES.has(code)) return code;
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return `${code ?? 'HTTP'} ${status}`;
  return undefined;
}

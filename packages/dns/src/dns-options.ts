import { Route53Client } from '@aws-sdk/client-route-53';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.ts';
import { DnsConfigError } from './errors.ts';

/** Something long-running happened; the CLI prints these as progress. */
export type DnsProgressEvent =
  | {
      readonly type: 'retry';
      readonly operation: string;
      readonly reason: string;
      readonly attempt: number;
      readonly maxAttempts: number;
      readonly delayMs: number;
    }
  | { readonly type: 'health-check-updated'; readonly gateway: string; readonly healthCheckId: string; readonly fields: readonly string[] };

export interface DnsOptions {
  /** Route53 client. @default createRoute53Client(): credentials and region from the standard AWS SDK chain */
  readonly client?: Route53Client;
  /** Retries of throttled and transient failures. @default DEFAULT_RETRY_POLICY */
  readonly retry?: Partial<RetryPolicy>;
  readonly onProgress?: (event: DnsProgressEvent) => void;
  /** Injected by tests. @default a real timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected by tests. @default Math.random */
  readonly random?: () => number;
}

export interface NormalizedDnsOptions {
  readonly client: Route53Client;
  readonly retry: RetryPolicy;
  readonly onProgress: (event: DnsProgressEvent) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

/**
 * A Route53 client whose own retries are off: fedgate retries with its policy (backoff.ts), which reports each
 * retry as progress, and two stacked retry loops would multiply the attempts.
 */
export function createRoute53Client(): Route53Client {
  return new Route53Client({ maxAttempts: 1 });
}

/** Fills defaults and checks ranges before any request. Pure apart from creating the default client. */
export function normalizeDnsOptions(options: DnsOptions = {}): NormalizedDnsOptions {
  const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  checkInt('retry.maxAttempts', retry.maxAttempts, 1, 20);
  checkInt('retry.baseDelayMs', retry.baseDelayMs, 1, 60_000);
  checkInt('retry.maxDelayMs', retry.maxDelayMs, retry.baseDelayMs, 300_000);
  return {
    client: options.client ?? createRoute53Client(),
    retry,
    onProgress: options.onProgress ?? (() => {}),
    sleep: options.sleep ?? sleep,
    random: options.random ?? Math.random,
  };
}

function checkInt(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DnsConfigError('DNS_INVALID_OPTION', `${field} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

// Not unref()'d on purpose: while fedgate waits to retry, this timer is the only thing keeping the CLI alive.
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

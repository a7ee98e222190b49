import { Route53Client } from '@aws-sdk/client-route-53';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.ts';
import { DnsConfigError } from './errors.ts';

/** Something long-running happened; the CLI prints these as progress. */
export type DnsProgressEvent =
  | { readonly type: 'retry'; readonly operation: string; readonly reason: string; readonly attempt: number; readonly maxAttempts: number; readonly delayMs: number }
  | { readonly type: 'health-check-created'; readonly gateway: string; readonly healthCheckId: string }
  | { readonly type: 'health-check-updated'; readonly gateway: string; readonly healthCheckId: string; readonly fields: readonly string[] }
  | { readonly type: 'health-check-deleted'; readonly gateway: string; readonly healthCheckId: string }
  | { readonly type: 'change-submitted'; readonly changeId: string; readonly batch: number; readonly batches: number; readonly changes: number }
  | { readonly type: 'change-pending'; readonly changeId: string; readonly elapsedMs: number }
  | { readonly type: 'change-insync'; readonly changeId: string; readonly elapsedMs: number };

export interface DnsOptions {
  /** Route53 client. @default createRoute53Client(): credentials and region from the standard AWS SDK chain */
  readonly client?: Route53Client;
  /** Retries of throttled and transient failures. @default DEFAULT_RETRY_POLICY */
  readonly retry?: Partial<RetryPolicy>;
  /** Milliseconds between two GetChange polls while a change is PENDING. @default 5000 */
  readonly changePollIntervalMs?: number;
  /** Milliseconds to wait for a change to be INSYNC before giving up (the change itself still completes). @default 300000 */
  readonly changeTimeoutMs?: number;
  readonly onProgress?: (event: DnsProgressEvent) => void;
  /** Injected by tests. @default a real timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected by tests. @default Math.random */
  readonly random?: () => number;
  /** Injected by tests. @default Date.now */
  readonly now?: () => number;
}

export interface NormalizedDnsOptions {
  readonly client: Route53Client;
  readonly retry: RetryPolicy;
  readonly changePollIntervalMs: number;
  readonly changeTimeoutMs: number;
  readonly onProgress: (event: DnsProgressEvent) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly now: () => number;
}

export const DEFAULT_CHANGE_POLL_INTERVAL_MS = 5_000;
/** Route53 syncs a change to all its name servers within about 60 s; five minutes means something is wrong. */
export const DEFAULT_CHANGE_TIMEOUT_MS = 300_000;

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
  const changePollIntervalMs = options.changePollIntervalMs ?? DEFAULT_CHANGE_POLL_INTERVAL_MS;
  checkInt('changePollIntervalMs', changePollIntervalMs, 1, 60_000);
  const changeTimeoutMs = options.changeTimeoutMs ?? DEFAULT_CHANGE_TIMEOUT_MS;
  checkInt('changeTimeoutMs', changeTimeoutMs, changePollIntervalMs, 3_600_000);
  return {
    client: options.client ?? createRoute53Client(),
    retry,
    changePollIntervalMs,
    changeTimeoutMs,
    onProgress: options.onProgress ?? (() => {}),
    sleep: options.sleep ?? sleep,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
}

function checkInt(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DnsConfigError('DNS_INVALID_OPTION', `${field} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

// Not unref()'d on purpose: while fedgate waits for Route53 this timer is the only thing keeping the CLI alive.
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

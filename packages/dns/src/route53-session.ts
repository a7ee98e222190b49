import type { Route53Client } from '@aws-sdk/client-route-53';
import { backoffDelayMs, retryReason } from './backoff.ts';
import { DnsError } from './errors.ts';
import { normalizeDnsOptions, type DnsOptions, type NormalizedDnsOptions } from './dns-options.ts';

/** The I/O edge: every Route53 request goes through `call`, which retries and types its failures. */
export class Route53Session {
  readonly options: NormalizedDnsOptions;

  constructor(options: DnsOptions = {}) {
    this.options = normalizeDnsOptions(options);
  }

  /**
   * Sends one request, retrying throttling (and, for `idempotent` requests, transient failures) with
   * backoff and jitter. Throws a DnsError that names the operation and keeps Route53's error code.
   */
  async call<T>(operation: string, send: (client: Route53Client) => Promise<T>, { idempotent }: { idempotent: boolean }): Promise<T> {
    const { retry, random, sleep, onProgress, client } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        return await send(client);
      } catch (err) {
        const reason = retryReason(err, { idempotent });
        if (reason === undefined || attempt >= retry.maxAttempts) throw DnsError.from(err, operation, attempt);
        const delayMs = backoffDelayMs(attempt, retry, random);
        onProgress({ type: 'retry', operation, reason, attempt: attempt + 1, maxAttempts: retry.maxAttempts, delayMs });
        await sleep(delayMs);
      }
    }
  }
}

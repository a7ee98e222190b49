import { RouterError } from './router-error.ts';

/**
 * Settles with `work`, or rejects with ROUTER_TIMEOUT after `ms`. The router bounds every broker round trip a
 * command handler waits on: rabbitmq-client re-creates a lost consumer only after its in-flight handlers settled.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RouterError('ROUTER_TIMEOUT', `${what} took longer than ${ms} ms`)), ms).unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Waits `ms` without keeping the process alive. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

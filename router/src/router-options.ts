import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Topology } from '@fedgate/topology';
import type { RoutingPolicy } from './route-command.ts';

/** Commands worked at once per instance; confirms are awaited per message, so this bounds in-flight republishes. @default 256 */
export const DEFAULT_PREFETCH = 256;
/** How often gateway health (is its downlink consuming?) is re-read. @default 5000 ms */
export const DEFAULT_HEALTH_INTERVAL_MS = 5_000;
/** HTTP port for /metrics, /healthz, /readyz. @default 9464 */
export const DEFAULT_HTTP_PORT = 9464;
/** Longest a graceful shutdown waits for in-flight commands before closing anyway. @default 10000 ms */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export interface RouterOptions {
  readonly amqpUrl: string;
  /** node:tls options for an amqps URL, e.g. the fleet CA. @default the process's trust store (NODE_EXTRA_CA_CERTS included) */
  readonly tls?: TlsOptions;
  readonly topology: Topology;
  readonly prefetch?: number;
  readonly healthIntervalMs?: number;
  /** 0 picks a free port (tests). */
  readonly httpPort?: number;
  readonly httpHost?: string;
  readonly shutdownTimeoutMs?: number;
}

export interface NormalizedRouterOptions {
  readonly amqpUrl: string;
  readonly tls: TlsOptions | undefined;
  readonly topology: Topology;
  readonly prefetch: number;
  readonly healthIntervalMs: number;
  readonly httpPort: number;
  readonly httpHost: string;
  readonly shutdownTimeoutMs: number;
  readonly policy: RoutingPolicy;
}

export class RouterOptionsError extends Error {
  override readonly name = 'RouterOptionsError';
  readonly code = 'ROUTER_INVALID_OPTIONS';
}

function int(field: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw new RouterOptionsError(`${field} must be an integer from ${min} to ${max}, got ${value}`);
  return v;
}

/** Pure: fills defaults and checks ranges before any connection is opened. */
export function normalizeRouterOptions(options: RouterOptions): NormalizedRouterOptions {
  const { routing } = options.topology;
  return {
    amqpUrl: options.amqpUrl,
    tls: options.tls,
    topology: options.topology,
    prefetch: int('prefetch', options.prefetch, DEFAULT_PREFETCH, 1, 65_535),
    healthIntervalMs: int('healthIntervalMs', options.healthIntervalMs, DEFAULT_HEALTH_INTERVAL_MS, 100, 600_000),
    httpPort: int('httpPort', options.httpPort, DEFAULT_HTTP_PORT, 0, 65_535),
    httpHost: options.httpHost ?? '0.0.0.0',
    shutdownTimeoutMs: int('shutdownTimeoutMs', options.shutdownTimeoutMs, DEFAULT_SHUTDOWN_TIMEOUT_MS, 0, 600_000),
    policy: {
      commandTtlMs: routing.commandTtlSeconds * 1000,
      locationTtlMs: routing.locationTtlSeconds * 1000,
      maxCommandBytes: routing.maxCommandBytes,
      onUnknown: routing.onUnknown,
    },
  };
}

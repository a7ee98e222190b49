import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Topology } from '@fedgate/topology';
import { DEFAULT_MAX_HEADER_BYTES } from './command-headers.ts';
import { DEFAULT_MAX_PART_BYTES } from './directory-snapshot.ts';
import type { RoutingPolicy } from './route-command.ts';
import { RouterOptionsError } from './router-error.ts';

/** Commands worked at once per instance; confirms are awaited per message, so this bounds in-flight republishes. @default 256 */
export const DEFAULT_PREFETCH = 256;
/** How often gateway health (is its downlink consuming?) is re-read. @default 5000 ms */
export const DEFAULT_HEALTH_INTERVAL_MS = 5_000;
/** HTTP port for /metrics, /healthz, /readyz. @default 9464 */
export const DEFAULT_HTTP_PORT = 9464;
/** Longest a graceful shutdown waits for in-flight commands before closing anyway. @default 10000 ms */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/**
 * Longest a command handler waits for the broker's confirm of one republish or dead letter; then the command is
 * requeued. Keeps every handler finite, which rabbitmq-client needs before it re-creates a lost consumer. @default 15000 ms
 */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 15_000;
/** Longest start waits for the backend to accept a connection. @default 60000 ms */
export const DEFAULT_CONNECT_TIMEOUT_MS = 60_000;
/** How often the router holding the writer lock publishes a directory snapshot (0: never). @default 60000 ms */
export const DEFAULT_SNAPSHOT_INTERVAL_MS = 60_000;
/** Longest start spends reading the snapshot stream before falling back to the whole presence log. @default 15000 ms */
export const DEFAULT_SNAPSHOT_LOAD_TIMEOUT_MS = 15_000;
/**
 * A starting router looks this many snapshot intervals back for the newest complete snapshot: a live writer
 * (jitter ±10 %, a write taking seconds) always finished one within two intervals, and each interval read back
 * is one more directory's worth of bytes to fetch.
 */
export const SNAPSHOT_WINDOW_INTERVALS = 2;

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
  readonly publishTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** A gateway unhealthy this long is evacuated. @default the topology's routing.evacuateAfterSeconds */
  readonly evacuateAfterMs?: number;
  /** false: rebuild the directory and follow presence, but route no command (`fedgate gateway evacuate`). @default true */
  readonly routeCommands?: boolean;
  /** 0 never writes snapshots (a reader still loads others'). */
  readonly snapshotIntervalMs?: number;
  readonly snapshotLoadTimeoutMs?: number;
  /** Largest sender header table forwarded, encoded; capped further by the broker's frame size. @default 4096 bytes */
  readonly maxHeaderBytes?: number;
  /** Largest snapshot part. @default 1 MiB */
  readonly snapshotPartBytes?: number;
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
  readonly publishTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly evacuateAfterMs: number;
  readonly routeCommands: boolean;
  readonly snapshotIntervalMs: number;
  readonly snapshotLoadTimeoutMs: number;
  readonly maxHeaderBytes: number;
  readonly snapshotPartBytes: number;
  readonly policy: RoutingPolicy;
}

function int(field: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw new RouterOptionsError(`${field} must be an integer from ${min} to ${max}, got ${value}`);
  return v;
}

/** Pure: fills defaults and checks ranges before any connection is opened. */
export function normalizeRouterOptions(options: RouterOptions): NormalizedRouterOptions {
  const { routing } = options.topology;
  const snapshotIntervalMs = int('snapshotIntervalMs', options.snapshotIntervalMs, DEFAULT_SNAPSHOT_INTERVAL_MS, 0, 3_600_000);
  if (snapshotIntervalMs > 0 && snapshotIntervalMs < 1_000)
    throw new RouterOptionsError(`snapshotIntervalMs must be 0 or from 1000 to 3600000, got ${snapshotIntervalMs}`);
  return {
    amqpUrl: options.amqpUrl,
    tls: options.tls,
    topology: options.topology,
    prefetch: int('prefetch', options.prefetch, DEFAULT_PREFETCH, 1, 65_535),
    healthIntervalMs: int('healthIntervalMs', options.healthIntervalMs, DEFAULT_HEALTH_INTERVAL_MS, 100, 600_000),
    httpPort: int('httpPort', options.httpPort, DEFAULT_HTTP_PORT, 0, 65_535),
    httpHost: options.httpHost ?? '0.0.0.0',
    shutdownTimeoutMs: int('shutdownTimeoutMs', options.shutdownTimeoutMs, DEFAULT_SHUTDOWN_TIMEOUT_MS, 0, 600_000),
    publishTimeoutMs: int('publishTimeoutMs', options.publishTimeoutMs, DEFAULT_PUBLISH_TIMEOUT_MS, 100, 600_000),
    connectTimeoutMs: int('connectTimeoutMs', options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, 100, 3_600_000),
    routeCommands: options.routeCommands ?? true,
    evacuateAfterMs: int('evacuateAfterMs', options.evacuateAfterMs, routing.evacuateAfterSeconds * 1000, 100, 86_400_000),
    snapshotIntervalMs,
    snapshotLoadTimeoutMs: int('snapshotLoadTimeoutMs', options.snapshotLoadTimeoutMs, DEFAULT_SNAPSHOT_LOAD_TIMEOUT_MS, 100, 600_000),
    maxHeaderBytes: int('maxHeaderBytes', options.maxHeaderBytes, DEFAULT_MAX_HEADER_BYTES, 0, 1_048_576),
    snapshotPartBytes: int('snapshotPartBytes', options.snapshotPartBytes, DEFAULT_MAX_PART_BYTES, 4096, 64 * 1024 * 1024),
    policy: {
      commandTtlMs: routing.commandTtlSeconds * 1000,
      locationTtlMs: routing.locationTtlSeconds * 1000,
      maxCommandBytes: routing.maxCommandBytes,
      onUnknown: routing.onUnknown,
    },
  };
}

/** How far back a starting router reads the snapshot stream, as RabbitMQ's `x-stream-offset` interval (e.g. "180s"). */
export function snapshotWindow(snapshotIntervalMs: number): string {
  const intervalMs = snapshotIntervalMs > 0 ? snapshotIntervalMs : 60_000;
  return `${Math.ceil((SNAPSHOT_WINDOW_INTERVALS * intervalMs) / 1000)}s`;
}

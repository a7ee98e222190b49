import { LocalClusterError } from './local-cluster-error.ts';

/**
 * What the WAN simulator does to the traffic between a gateway and the backend. Pure: the proxy asks here,
 * the CLI and the control endpoint validate here before anything changes.
 */

/**
 * How a partition behaves.
 * - `reset`: existing connections are reset (RST) and new ones are reset on accept, as when a tunnel or a
 *   stateful firewall drops its state. Both ends notice at once.
 * - `blackhole`: nothing passes either way and new connections hang, as when packets are silently dropped. Ends
 *   notice only through their own heartbeats or timeouts; a connection that survives resumes at heal.
 */
export type PartitionMode = 'reset' | 'blackhole';

export const PARTITION_MODES: readonly PartitionMode[] = ['reset', 'blackhole'];

export interface WanConditions {
  /** Delay added to every chunk in each direction, in milliseconds. */
  readonly latencyMs: number;
  /** Up to this many milliseconds more per chunk, uniformly random. */
  readonly jitterMs: number;
  /** `null` when the link is whole. */
  readonly partition: PartitionMode | null;
}

/** Longest delay the simulator accepts, in milliseconds; more than a minute is an outage, not latency. */
export const MAX_DELAY_MS = 60_000;

export const WHOLE_LINK: WanConditions = { latencyMs: 0, jitterMs: 0, partition: null };

export class WanConditionsError extends LocalClusterError {
  override readonly name = 'WanConditionsError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('WAN_CONDITIONS_INVALID', message, options);
  }
}

/** Merges a change into the current conditions; throws naming the field, the allowed range and the value. */
export function applyWanChange(current: WanConditions, change: Partial<Record<keyof WanConditions, unknown>>): WanConditions {
  return {
    latencyMs: change.latencyMs === undefined ? current.latencyMs : delay('latencyMs', change.latencyMs),
    jitterMs: change.jitterMs === undefined ? current.jitterMs : delay('jitterMs', change.jitterMs),
    partition: change.partition === undefined ? current.partition : partition(change.partition),
  };
}

function delay(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_DELAY_MS) {
    throw new WanConditionsError(`${field} must be an integer from 0 to ${MAX_DELAY_MS} ms, got ${JSON.stringify(value)}`);
  }
  return value;
}

function partition(value: unknown): PartitionMode | null {
  if (value === null || (typeof value === 'string' && (PARTITION_MODES as readonly string[]).includes(value))) {
    return value as PartitionMode | null;
  }
  throw new WanConditionsError(`partition must be ${PARTITION_MODES.map((m) => `"${m}"`).join(', ')} or null, got ${JSON.stringify(value)}`);
}

/**
 * When a chunk read at `now` may be written on: after the latency plus a random share of the jitter, but never
 * before the chunk ahead of it (`previous`), because TCP delivers bytes in order. `random` is in [0, 1).
 */
export function releaseTime(now: number, previous: number, conditions: Pick<WanConditions, 'latencyMs' | 'jitterMs'>, random: number): number {
  return Math.max(previous, now + conditions.latencyMs + Math.floor(random * (conditions.jitterMs + 1)));
}

/** When a command must have reached its device, as the sender said it. */
export interface CommandTiming {
  /** Epoch ms from `x-fedgate-deadline`, already checked to be a positive safe integer. */
  readonly deadline?: number;
  /** Epoch seconds the sender stamped (AMQP `timestamp`), if any. */
  readonly timestamp?: number;
}

/**
 * Pure: the whole milliseconds a command has left at `now`, never more than the command TTL, so the republish's
 * `expiration` is always a small integer string the broker accepts. Zero or less means expired. Without a
 * deadline the sender's timestamp plus the TTL counts, and without either the TTL from now.
 */
export function remainingMs(timing: CommandTiming, now: number, commandTtlMs: number): number {
  const sentAt = timing.timestamp !== undefined && Number.isFinite(timing.timestamp) && timing.timestamp > 0 ? timing.timestamp * 1000 : now;
  const deadline = timing.deadline ?? sentAt + commandTtlMs;
  return Math.min(Math.floor(deadline - now), commandTtlMs);
}

/** The AMQP `expiration` property for a command with `ms` left (ms ≥ 1). */
export function expirationProperty(ms: number): string {
  return String(Math.max(1, Math.floor(ms)));
}

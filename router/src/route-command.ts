import { parseCommandRoutingKey } from '@fedgate/topology';
import type { HeaderProblem } from './command-headers.ts';
import { remainingMs } from './command-expiration.ts';
import type { DeviceDirectory } from './device-directory.ts';

/** The `x-fedgate-dead-reason` values the router sets; stable strings that dead-letter consumers match on. */
export type DeadReason = 'expired' | 'malformed-routing-key' | 'missing-device-id' | 'oversized' | 'unroutable' | 'unknown-device' | HeaderProblem;

export type RouteDecision =
  | { readonly action: 'direct'; readonly gateway: string; readonly deviceId: string; readonly remainingMs: number }
  | { readonly action: 'broadcast'; readonly deviceId: string; readonly remainingMs: number }
  | { readonly action: 'dead'; readonly reason: DeadReason };

export interface RoutingPolicy {
  readonly commandTtlMs: number;
  readonly locationTtlMs: number;
  readonly maxCommandBytes: number;
  readonly onUnknown: 'broadcast' | 'dead-letter';
}

export interface CommandFacts {
  readonly routingKey: string;
  readonly bodyBytes: number;
  /** Epoch ms the command expires at (header `x-fedgate-deadline`, already validated), if the sender set it. */
  readonly deadline?: number;
  /** Epoch seconds the sender stamped, if any. */
  readonly timestamp?: number;
}

/**
 * Pure: where one command goes. Direct whenever the location is known and fresh, even while that gateway is
 * unhealthy: the command then waits in its outbox, and if the gateway stays lost the evacuator moves it to where
 * the device turns up (one copy; a broadcast would leave one in every outbox).
 */
export function routeCommand(command: CommandFacts, directory: DeviceDirectory, policy: RoutingPolicy, now: number): RouteDecision {
  const key = parseCommandRoutingKey(command.routingKey);
  if (!key.ok) return { action: 'dead', reason: key.reason };
  if (command.bodyBytes > policy.maxCommandBytes) return { action: 'dead', reason: 'oversized' };
  const left = remainingMs(command, now, policy.commandTtlMs);
  if (left <= 0) return { action: 'dead', reason: 'expired' };
  const location = directory.lookup(key.deviceId, now, policy.locationTtlMs);
  if (location) return { action: 'direct', gateway: location.gateway, deviceId: key.deviceId, remainingMs: left };
  if (policy.onUnknown === 'dead-letter') return { action: 'dead', reason: 'unknown-device' };
  return { action: 'broadcast', deviceId: key.deviceId, remainingMs: left };
}

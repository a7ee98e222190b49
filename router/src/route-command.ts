import { parseCommandRoutingKey } from '@fedgate/topology';
import type { DeviceDirectory } from './device-directory.ts';

export type DeadReason = 'expired' | 'malformed-routing-key' | 'missing-device-id' | 'oversized' | 'unroutable' | 'unknown-device';

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
  /** Epoch ms the command expires at (header `x-fedgate-deadline`), if the sender set it. */
  readonly deadline?: number;
  /** Epoch seconds the sender stamped, if any. */
  readonly timestamp?: number;
}

/** Pure: where one command goes. Direct only when the location is known, fresh and its gateway healthy. */
export function routeCommand(
  command: CommandFacts,
  directory: DeviceDirectory,
  isHealthy: (gateway: string) => boolean,
  policy: RoutingPolicy,
  now: number,
): RouteDecision {
  const key = parseCommandRoutingKey(command.routingKey);
  if (!key.ok) return { action: 'dead', reason: key.reason };
  if (command.bodyBytes > policy.maxCommandBytes) return { action: 'dead', reason: 'oversized' };
  const deadline = command.deadline ?? (command.timestamp ? command.timestamp * 1000 : now) + policy.commandTtlMs;
  const remainingMs = Math.floor(deadline - now);
  if (remainingMs <= 0) return { action: 'dead', reason: 'expired' };
  const location = directory.lookup(key.deviceId, now, policy.locationTtlMs);
  if (location && isHealthy(location.gateway)) return { action: 'direct', gateway: location.gateway, deviceId: key.deviceId, remainingMs };
  if (policy.onUnknown === 'dead-letter') return { action: 'dead', reason: 'unknown-device' };
  return { action: 'broadcast', deviceId: key.deviceId, remainingMs };
}

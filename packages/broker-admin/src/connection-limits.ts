import { DEVICE_USER } from '@fedgate/topology';
import { BrokerAdminError } from './errors.ts';
import { seg, type ManagementClient } from './management-client.ts';

/**
 * Which connections a limit counts.
 * - `devices`: connections of the device user (`fedgate-device`), as a user limit. It survives a node restart
 *   (definitions import leaves user limits alone) and never counts fedgate's own links, so a limit of 0 keeps
 *   every device out while the links still reconnect. What on-call uses during a storm or a drain.
 * - `vhost`: every connection to the vhost, links included, as a vhost limit: the topology's `maxConnections`.
 *   It is reset from the definitions when the node boots, and at 0 it also refuses the links' own connections.
 */
export type LimitScope = 'devices' | 'vhost';
export const LIMIT_SCOPES: readonly LimitScope[] = ['devices', 'vhost'];

/** The largest limit accepted; RabbitMQ stores it as an integer and no gateway holds more connections. */
export const MAX_CONNECTION_LIMIT = 10_000_000;

export class ConnectionLimitError extends BrokerAdminError {
  override readonly name = 'ConnectionLimitError';
}

/** Pure: a limit as typed (`N`, or -1 for none) → the number to set, or null to remove it. */
export function normalizeConnectionLimit(value: unknown): number | null {
  if (value === -1 || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_CONNECTION_LIMIT) {
    throw new ConnectionLimitError(
      'INVALID_LIMIT',
      `max-connections must be an integer from 0 to ${MAX_CONNECTION_LIMIT} (or -1 for no limit), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export interface ConnectionLimits {
  /** The device user's limit; null when it has none. */
  readonly devices: number | null;
  /** The vhost's limit; null when it has none. */
  readonly vhost: number | null;
  /** Device connections open now (the broker's own tracking, current to the moment). */
  readonly deviceConnections: number;
}

interface LimitEntry {
  readonly value?: Record<string, number>;
}

export async function readConnectionLimits(client: ManagementClient, vhost: string): Promise<ConnectionLimits> {
  const [user, host, devices] = await Promise.all([
    client.get<LimitEntry[]>(`/user-limits/${seg(DEVICE_USER)}`),
    client.get<LimitEntry[]>(`/vhost-limits/${seg(vhost)}`),
    listDeviceConnections(client),
  ]);
  return { devices: maxConnections(user), vhost: maxConnections(host), deviceConnections: devices.length };
}

function maxConnections(entries: readonly LimitEntry[]): number | null {
  const value = entries[0]?.value?.['max-connections'];
  return value === undefined || value < 0 ? null : value;
}

/** Sets (or with `null` removes) the limit of one scope; returns the limits before and after. */
export async function setConnectionLimit(
  client: ManagementClient,
  vhost: string,
  scope: LimitScope,
  limit: number | null,
  options: { dryRun?: boolean } = {},
): Promise<{ before: ConnectionLimits; after: ConnectionLimits }> {
  const before = await readConnectionLimits(client, vhost);
  if (options.dryRun) return { before, after: { ...before, [scope]: limit } };
  const path = scope === 'devices' ? `/user-limits/${seg(DEVICE_USER)}/max-connections` : `/vhost-limits/${seg(vhost)}/max-connections`;
  if (limit === null) {
    if (before[scope] !== null) await client.delete(path);
  } else {
    await client.put(path, { value: limit });
  }
  return { before, after: await readConnectionLimits(client, vhost) };
}

export interface TrackedConnection {
  readonly name: string;
  readonly user: string;
  readonly node: string;
}

/**
 * The device user's connections from the broker's connection tracking, which limits are enforced with: current to
 * the moment, unlike `/connections`, where an MQTT connection appears only with its first statistics.
 */
export function listDeviceConnections(client: ManagementClient): Promise<TrackedConnection[]> {
  return client.get<TrackedConnection[]>(`/connections/username/${seg(DEVICE_USER)}`);
}

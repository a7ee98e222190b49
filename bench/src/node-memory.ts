// Where a node's memory goes, by RabbitMQ's own accounting (the management API's memory breakdown): the storm
// reports what each device adds per use (connection processes, queue processes, metrics, allocator slack, …).
import type { ManagementClient } from '@fedgate/broker-admin';

/** Bytes by use, as the node counts them; empty when the node did not answer. */
export type MemoryByUse = Readonly<Record<string, number>>;

interface MemoryAnswer {
  readonly memory?: Readonly<Record<string, number | Readonly<Record<string, number>>>>;
}

/** Tries before giving up: once, after a storm of 10,000 WebSocket clients, the breakdown came back empty. */
const ATTEMPTS = 3;

/** The cluster's memory breakdown now: each use summed over its nodes. */
export async function memoryByUse(admin: ManagementClient): Promise<MemoryByUse> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const nodes = await admin.get<{ name: string }[]>('/nodes?columns=name');
      const answers = await Promise.all(nodes.map((n) => admin.get<MemoryAnswer>(`/nodes/${encodeURIComponent(n.name)}/memory`)));
      const sum: Record<string, number> = {};
      for (const { memory } of answers) {
        // `total` holds the node's own totals (rss, allocated, erlang), not a use.
        for (const [use, bytes] of Object.entries(memory ?? {})) if (typeof bytes === 'number') sum[use] = (sum[use] ?? 0) + bytes;
      }
      return sum;
    } catch {
      if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, 5_000));
    }
  }
  return {};
}

/** What each device added per use between two breakdowns, largest first; uses that moved less than 1 KiB per device are left out. */
export function perDeviceByUse(before: MemoryByUse, after: MemoryByUse, devices: number): MemoryByUse {
  if (devices <= 0) return {};
  return Object.fromEntries(
    Object.entries(after)
      .map(([use, bytes]): [string, number] => [use, (bytes - (before[use] ?? 0)) / devices])
      .filter(([, perDevice]) => Math.abs(perDevice) >= 1024)
      .sort((a, b) => b[1] - a[1]),
  );
}

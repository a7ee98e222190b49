// The router the command drills publish through: in-process, on the drill fleet, so every drilled command takes
// the production path (fedgate.commands → fedgate.router → router → gateway) and the drill can read its directory.
import { pino } from 'pino';
import { ROUTER_USER } from '@fedgate/topology';
import type { ClusterNode, RunningFleet } from '@fedgate/local-cluster';
import { RouterService } from '@fedgate/router';
import { pollUntil } from '@fedgate/device-kit';

/** Starts a router connected to `node` of the backend (default: the cluster's first node). */
export async function startDrillRouter(fleet: RunningFleet, node?: ClusterNode, options: { evacuateAfterMs?: number } = {}): Promise<RouterService> {
  const router = new RouterService(
    {
      amqpUrl: node ? fleet.nodeAmqpUri(node, ROUTER_USER) : fleet.amqpUri('core', ROUTER_USER),
      topology: fleet.topology,
      httpPort: 0,
      httpHost: '127.0.0.1',
      healthIntervalMs: 1_000,
      snapshotIntervalMs: 0,
      ...options,
    },
    pino({ level: 'warn' }),
  );
  await router.start();
  return router;
}

/** Waits until the router places every device at `gateway`, so the drill's commands are routed directly. */
export async function waitPlaced(router: RouterService, ids: readonly string[], gateway: string): Promise<void> {
  await pollUntil(
    () => ids.every((id) => router.directory.lookup(id, Date.now(), 86_400_000)?.gateway === gateway),
    60_000,
    () => `the router to place ${ids.length} devices at ${gateway}`,
  );
}

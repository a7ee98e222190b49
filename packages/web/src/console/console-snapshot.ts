import { PRESENCE_OUT_QUEUE, UPLINK_QUEUE, maskSecrets, outboxQueue, type Cluster, type Gateway, type Topology } from '@fedgate/topology';
import { countDeviceConnections, fleetStatus, type FleetStatusReport, type LinkEndpoint, type ManagementClient } from '@fedgate/broker-admin';
import type { RouterRates } from './router-rates.ts';

/** One row of the console's cluster table. */
export interface ClusterRow {
  readonly name: string;
  readonly role: 'backend' | 'gateway';
  readonly region: string;
  readonly reachable: boolean;
  /** Reachable, and for a gateway: every link running and every canary back. */
  readonly healthy: boolean;
  readonly version?: string;
  readonly error?: string;
  /** Gateways: connections on device listeners (MQTT, STOMP, their WebSocket forms). */
  readonly devices?: number;
  readonly protocols?: readonly string[];
}

/** One row of the console's link table. */
export interface LinkRow {
  readonly gateway: string;
  readonly direction: 'downlink' | 'uplink' | 'presence';
  readonly kind: 'shovel' | 'federation';
  readonly name: string;
  readonly state: string;
  readonly reason?: string;
  /** The canary across this link: its round trip, or lost. Presence links carry none. */
  readonly canary?: { readonly delivered: boolean; readonly roundTripMs?: number };
  /** Messages waiting for the link: the backend outbox (shovel downlink), the gateway's uplink or presence queue. */
  readonly depth?: number;
}

export interface ConsoleSnapshot {
  readonly topology: string;
  readonly at: string;
  /** How long collecting took, in ms. */
  readonly tookMs: number;
  readonly ok: boolean;
  readonly clusters: readonly ClusterRow[];
  readonly links: readonly LinkRow[];
  readonly router?: RouterRates;
}

export interface SnapshotSources {
  readonly topology: Topology;
  adminFor(cluster: Cluster): ManagementClient;
  /** Where a gateway's links connect over TLS, to explain a link that does not run (as `fedgate status`). */
  linkEndpoint?(gw: Gateway): LinkEndpoint | undefined;
  /** A router's rates, when the console was given its metrics URL. */
  routerRates?(): Promise<RouterRates>;
  /** @default 5000 */
  readonly canaryTimeoutMs?: number;
}

/**
 * The fleet as the console shows it: `fedgate status`'s report (reachability, versions, link states, depths and a
 * canary across every link) plus device connections per gateway and, if given, a router's rates.
 */
export async function collectConsoleSnapshot(sources: SnapshotSources): Promise<ConsoleSnapshot> {
  const started = Date.now();
  const { topology } = sources;
  const byName = new Map<string, Cluster>([topology.backend, ...topology.gateways].map((c) => [c.name, c]));
  const [report, devices, router] = await Promise.all([
    fleetStatus(topology, (name) => sources.adminFor(byName.get(name)!), {
      canaries: true,
      canaryTimeoutMs: sources.canaryTimeoutMs ?? 5_000,
      ...(sources.linkEndpoint ? { linkEndpoint: (gw: Gateway) => sources.linkEndpoint!(gw) } : {}),
    }),
    Promise.all(topology.gateways.map((gw) => countDeviceConnections(sources.adminFor(gw), gw).catch(() => undefined))),
    sources.routerRates?.(),
  ]);
  const links = linkRows(topology, report);
  const clusters = report.clusters.map((c): ClusterRow => {
    const cluster = byName.get(c.name)!;
    const gw = topology.gateways.find((g) => g.name === c.name);
    const own = links.filter((l) => l.gateway === c.name);
    const healthy = c.reachable && own.every((l) => l.state === 'running' && (l.canary?.delivered ?? true));
    const count = gw ? devices[topology.gateways.indexOf(gw)] : undefined;
    return {
      name: c.name,
      role: gw ? 'gateway' : 'backend',
      region: cluster.region,
      reachable: c.reachable,
      healthy,
      ...(c.version ? { version: c.version } : {}),
      ...(c.error ? { error: maskSecrets(c.error) } : {}),
      ...(count === undefined ? {} : { devices: count }),
      ...(gw ? { protocols: gw.protocols } : {}),
    };
  });
  return {
    topology: topology.name,
    at: new Date().toISOString(),
    tookMs: Date.now() - started,
    ok: report.ok,
    clusters,
    links,
    ...(router ? { router } : {}),
  };
}

function linkRows(topology: Topology, report: FleetStatusReport): LinkRow[] {
  const depth = (cluster: string, queue: string) => report.queues.find((q) => q.cluster === cluster && q.name === queue && !q.missing)?.messages;
  return report.links.map((l): LinkRow => {
    const canary = l.direction === 'presence' ? undefined : report.canaries.find((c) => c.gateway === l.gateway && c.link === l.direction);
    const queue =
      l.direction === 'downlink'
        ? l.kind === 'shovel'
          ? depth(topology.backend.name, outboxQueue(l.gateway))
          : undefined
        : depth(l.gateway, l.direction === 'uplink' ? UPLINK_QUEUE : PRESENCE_OUT_QUEUE);
    return {
      gateway: l.gateway,
      direction: l.direction,
      kind: l.kind,
      name: l.name,
      state: l.state,
      ...(l.reason ? { reason: maskSecrets(l.reason) } : {}), // as `fedgate status`: a URI's password never shows
      ...(canary ? { canary: { delivered: canary.delivered, ...(canary.roundTripMs === undefined ? {} : { roundTripMs: canary.roundTripMs }) } } : {}),
      ...(queue === undefined ? {} : { depth: queue }),
    };
  });
}

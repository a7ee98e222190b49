import {
  DEAD_QUEUE,
  PRESENCE_OUT_QUEUE,
  ROUTER_QUEUE,
  UPLINK_QUEUE,
  downlinkName,
  outboxQueue,
  presenceLinkName,
  upstreamName,
  uplinkName,
  type Gateway,
  type Topology,
} from '@fedgate/topology';
import { seg, type ManagementClient } from './management-client.ts';
import { queueTotals } from './queue-totals.ts';
import { runCanaries, type CanaryResult } from './canary.ts';
import { probeLinkEndpoint, type LinkEndpoint } from './link-endpoint-probe.ts';

export interface LinkStatus {
  readonly gateway: string;
  readonly name: string;
  readonly direction: 'downlink' | 'uplink' | 'presence';
  readonly kind: 'shovel' | 'federation';
  /** `running` is the only healthy state; `missing` means the link is not defined on the gateway. */
  readonly state: string;
  readonly reason?: string;
}

export interface QueueStatus {
  readonly cluster: string;
  readonly name: string;
  /** Ready and unacknowledged; absent when the queue exists but did not say (e.g. a quorum queue without a leader). */
  readonly messages?: number;
  /** Absent where the cluster keeps no management statistics (gateways): the queue's link is its consumer. */
  readonly consumers?: number;
  readonly missing?: boolean;
}

export interface FleetStatusReport {
  readonly ok: boolean;
  readonly clusters: { name: string; reachable: boolean; error?: string; version?: string; erlangVersion?: string }[];
  readonly links: LinkStatus[];
  readonly queues: QueueStatus[];
  readonly canaries: (CanaryResult & { gateway: string })[];
}

interface ShovelInfo {
  name: string;
  state: string;
  reason?: string;
}
interface FederationLinkInfo {
  upstream: string;
  status: string;
  error?: string;
}
interface QueueInfo {
  messages?: number;
  consumers?: number;
}

/** Reachability, link states, key queue depths and a canary per link, for `fedgate status` and gateway health. */
export async function fleetStatus(
  topology: Topology,
  adminFor: (cluster: string) => ManagementClient,
  options: {
    canaries?: boolean;
    canaryTimeoutMs?: number;
    /** Where a gateway's links connect over TLS: probed for the reason when one is not running and says none. */
    linkEndpoint?: (gw: Gateway) => LinkEndpoint | undefined;
  } = {},
): Promise<FleetStatusReport> {
  const clusters = await Promise.all(
    [topology.backend, ...topology.gateways].map(async (c) => {
      try {
        const overview = await adminFor(c.name).get<{ rabbitmq_version?: string; erlang_version?: string }>('/overview');
        return { name: c.name, reachable: true, version: overview.rabbitmq_version, erlangVersion: overview.erlang_version };
      } catch (err) {
        return { name: c.name, reachable: false, error: (err as Error).message };
      }
    }),
  );
  const reachable = new Set(clusters.filter((c) => c.reachable).map((c) => c.name));
  const links = (
    await Promise.all(
      topology.gateways.map(async (gw) => explainLinks(await gatewayLinks(gw, adminFor(gw.name), reachable.has(gw.name)), options.linkEndpoint?.(gw))),
    )
  ).flat();

  const wanted: [string, string][] = [
    [topology.backend.name, ROUTER_QUEUE],
    [topology.backend.name, DEAD_QUEUE],
    ...topology.gateways.filter((g) => g.downlink.kind === 'shovel').map((g): [string, string] => [topology.backend.name, outboxQueue(g.name)]),
    ...topology.gateways.flatMap((g): [string, string][] => [
      [g.name, UPLINK_QUEUE],
      [g.name, PRESENCE_OUT_QUEUE],
    ]),
  ];
  const queues = await queueStatuses(
    topology,
    adminFor,
    wanted.filter(([cluster]) => reachable.has(cluster)),
  );

  const canaries =
    options.canaries === false || !reachable.has(topology.backend.name)
      ? []
      : (
          await Promise.all(
            topology.gateways
              .filter((g) => reachable.has(g.name))
              .map(async (g) =>
                (await runCanaries(topology.vhost, g.name, adminFor(topology.backend.name), adminFor(g.name), options.canaryTimeoutMs)).map((r) => ({
                  gateway: g.name,
                  ...r,
                })),
              ),
          )
        ).flat();

  const ok =
    clusters.every((c) => c.reachable) && links.every((l) => l.state === 'running') && canaries.every((c) => c.delivered) && queues.every((q) => !q.missing);
  return { ok, clusters, links, queues, canaries };
}

/**
 * Each queue's depth and consumers from the management API's statistics or, on a cluster that runs without them
 * (gateways do), its depth from the queue itself and no consumer count (a gateway queue's consumer is its link,
 * whose state the report has).
 */
async function queueStatuses(
  topology: Topology,
  adminFor: (cluster: string) => ManagementClient,
  wanted: readonly (readonly [string, string])[],
): Promise<QueueStatus[]> {
  const v = seg(topology.vhost);
  const found = await Promise.all(
    wanted.map(async ([cluster, name]) => ({ cluster, name, info: await adminFor(cluster).find<QueueInfo>(`/queues/${v}/${seg(name)}`) })),
  );
  const withoutStats = found.filter((q) => q.info !== undefined && (q.info.messages === undefined || q.info.consumers === undefined));
  const totals = new Map<string, Map<string, number>>();
  await Promise.all(
    [...new Set(withoutStats.map((q) => q.cluster))].map(async (cluster) => {
      const names = withoutStats.filter((q) => q.cluster === cluster).map((q) => q.name);
      totals.set(cluster, await queueTotals(adminFor(cluster), topology.vhost, names));
    }),
  );
  return found.map(({ cluster, name, info }): QueueStatus => {
    if (info === undefined) return { cluster, name, missing: true };
    if (info.messages !== undefined && info.consumers !== undefined) return { cluster, name, messages: info.messages, consumers: info.consumers };
    const messages = totals.get(cluster)?.get(name);
    // A queue that exists but gave no total (a quorum queue without a leader) has no depth to report.
    return messages === undefined ? { cluster, name } : { cluster, name, messages };
  });
}

/** Links that do not run and give no reason get the one a probe of their endpoint finds (one probe per gateway). */
async function explainLinks(links: LinkStatus[], endpoint: LinkEndpoint | undefined): Promise<LinkStatus[]> {
  const silent = links.filter((l) => l.state !== 'running' && l.reason === undefined && l.state !== 'unknown');
  if (endpoint === undefined || silent.length === 0) return links;
  const reason = await probeLinkEndpoint(endpoint);
  return reason === undefined ? links : links.map((l) => (silent.includes(l) ? { ...l, reason } : l));
}

/** The expected links of one gateway and their state as its management API reports them. */
export async function gatewayLinks(gw: Gateway, client: ManagementClient, reachable: boolean): Promise<LinkStatus[]> {
  const expected: Omit<LinkStatus, 'state'>[] = [
    gw.downlink.kind === 'shovel'
      ? { gateway: gw.name, name: downlinkName(gw.name), direction: 'downlink', kind: 'shovel' }
      : { gateway: gw.name, name: upstreamName(gw.name), direction: 'downlink', kind: 'federation' },
    { gateway: gw.name, name: uplinkName(gw.name), direction: 'uplink', kind: 'shovel' },
    { gateway: gw.name, name: presenceLinkName(gw.name), direction: 'presence', kind: 'shovel' },
  ];
  if (!reachable) return expected.map((l) => ({ ...l, state: 'unknown', reason: 'gateway unreachable' }));
  const [shovels, federation] = await Promise.all([
    client.get<ShovelInfo[]>('/shovels'),
    gw.downlink.kind === 'federation' ? client.get<FederationLinkInfo[]>('/federation-links') : Promise.resolve([]),
  ]);
  return expected.map((l) => {
    if (l.kind === 'federation') {
      const link = federation.find((f) => f.upstream === l.name);
      return link ? { ...l, state: link.status, ...(link.error ? { reason: link.error } : {}) } : { ...l, state: 'missing' };
    }
    const shovel = shovels.find((s) => s.name === l.name);
    return shovel ? { ...l, state: shovel.state, ...(shovel.reason ? { reason: shovel.reason } : {}) } : { ...l, state: 'missing' };
  });
}

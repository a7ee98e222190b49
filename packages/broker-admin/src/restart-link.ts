import { policyName, type Gateway, type Topology } from '@fedgate/topology';
import type { Definitions } from '@fedgate/broker-config';
import { BrokerAdminError } from './errors.ts';
import { gatewayLinks, type LinkStatus } from './fleet-status.ts';
import { seg, type ManagementClient } from './management-client.ts';

export type LinkDirection = LinkStatus['direction'];
export const LINK_DIRECTIONS: readonly LinkDirection[] = ['downlink', 'uplink', 'presence'];

/** How long a restarted link may take to report `running` again. Links reconnect within about a second. @default 30000 ms */
export const DEFAULT_LINK_RESTART_WAIT_MS = 30_000;

export interface RestartLinksOptions {
  /** Which links; all three when omitted. */
  readonly directions?: readonly LinkDirection[];
  /**
   * Re-create the link's runtime parameter (and, for federation, its policy) from these compiled gateway
   * definitions instead of restarting the running link: for a link that is missing, or whose parameter drifted.
   */
  readonly recreateFrom?: Definitions;
  readonly dryRun?: boolean;
  /** Wait until every restarted link reports `running`; 0 does not wait. @default DEFAULT_LINK_RESTART_WAIT_MS */
  readonly waitMs?: number;
  readonly onProgress?: (line: string) => void;
}

export interface LinkRestartResult {
  readonly gateway: string;
  readonly name: string;
  readonly direction: LinkDirection;
  readonly kind: LinkStatus['kind'];
  readonly action: 'restart' | 'recreate';
  /** State before, as the management API reported it. */
  readonly before: string;
  /** State after the wait; absent in a dry run or without waiting. */
  readonly after?: string;
  readonly reason?: string;
}

export class LinkRestartError extends BrokerAdminError {
  override readonly name = 'LinkRestartError';
}

interface FederationLinkInfo {
  readonly upstream: string;
  readonly id: string;
  readonly node: string;
}

/**
 * Restarts a gateway's links through the management API: a shovel by its restart endpoint, a federation link by
 * restarting each of its upstream's links. With `recreateFrom`, deletes and re-declares the link's definition
 * instead. Links run on the gateway, so `client` is the gateway's management API.
 */
export async function restartLinks(topology: Topology, gw: Gateway, client: ManagementClient, options: RestartLinksOptions = {}): Promise<LinkRestartResult[]> {
  const directions = options.directions ?? LINK_DIRECTIONS;
  const progress = options.onProgress ?? (() => {});
  const v = seg(topology.vhost);
  const links = (await gatewayLinks(gw, client, true)).filter((l) => directions.includes(l.direction));
  const action = options.recreateFrom ? 'recreate' : 'restart';
  const results: LinkRestartResult[] = [];

  for (const link of links) {
    const base = { gateway: gw.name, name: link.name, direction: link.direction, kind: link.kind, action, before: link.state } as const;
    if (options.dryRun) {
      results.push(base);
      continue;
    }
    if (options.recreateFrom) {
      await recreate(client, v, link, gw, options.recreateFrom);
    } else if (link.state === 'missing') {
      throw new LinkRestartError(
        'LINK_NOT_FOUND',
        `${link.kind} ${link.name} is not defined on ${gw.name}; re-create it with --recreate or \`fedgate apply --cluster ${gw.name}\``,
      );
    } else if (link.kind === 'shovel') {
      await client.delete(`/shovels/vhost/${v}/${seg(link.name)}/restart`);
    } else {
      const federation = (await client.get<FederationLinkInfo[]>('/federation-links')).filter((f) => f.upstream === link.name);
      for (const f of federation) await client.delete(`/federation-links/vhost/${v}/${seg(f.id)}/${seg(f.node)}/restart`);
    }
    progress(`${gw.name}: ${action === 'restart' ? 'restarted' : 're-created'} ${link.direction} ${link.kind} ${link.name} (was ${link.state})`);
    results.push(base);
  }

  const waitMs = options.waitMs ?? DEFAULT_LINK_RESTART_WAIT_MS;
  if (options.dryRun || waitMs === 0 || results.length === 0) return results;
  const settled = await waitUntilRunning(
    gw,
    client,
    results.map((r) => r.name),
    waitMs,
  );
  return results.map((r) => {
    const now = settled.get(r.name);
    return { ...r, after: now?.state ?? 'missing', ...(now?.reason ? { reason: now.reason } : {}) };
  });
}

async function recreate(client: ManagementClient, v: string, link: LinkStatus, gw: Gateway, desired: Definitions): Promise<void> {
  const component = link.kind === 'shovel' ? 'shovel' : 'federation-upstream';
  const parameter = desired.parameters.find((p) => p.component === component && p.name === link.name);
  if (!parameter) throw new LinkRestartError('LINK_NOT_FOUND', `the compiled definitions of ${gw.name} have no ${component} ${link.name}`);
  const path = `/parameters/${component}/${v}/${seg(link.name)}`;
  if (link.kind === 'shovel') {
    // Deleting the parameter stops the shovel; declaring it again starts a fresh one.
    if (await client.find(path)) await client.delete(path);
    await client.put(path, { value: parameter.value });
    return;
  }
  // Federation: the policy ties the exchange to its upstream; both go, then both come back, upstream first.
  const policy = desired.policies.find((p) => p.name === policyName('downlink'));
  if (!policy) throw new LinkRestartError('LINK_NOT_FOUND', `the compiled definitions of ${gw.name} have no policy ${policyName('downlink')}`);
  const policyPath = `/policies/${v}/${seg(policy.name)}`;
  if (await client.find(policyPath)) await client.delete(policyPath);
  if (await client.find(path)) await client.delete(path);
  await client.put(path, { value: parameter.value });
  await client.put(policyPath, { pattern: policy.pattern, definition: policy.definition, priority: policy.priority, 'apply-to': policy['apply-to'] });
}

async function waitUntilRunning(gw: Gateway, client: ManagementClient, names: string[], timeoutMs: number): Promise<Map<string, LinkStatus>> {
  const deadline = Date.now() + timeoutMs;
  // A restart first reports the old state for a moment; give it time to begin before trusting `running`.
  await new Promise((r) => setTimeout(r, 500));
  for (;;) {
    const now = new Map((await gatewayLinks(gw, client, true)).filter((l) => names.includes(l.name)).map((l) => [l.name, l]));
    const allRunning = names.every((n) => now.get(n)?.state === 'running');
    if (allRunning || Date.now() > deadline) return now;
    await new Promise((r) => setTimeout(r, 250));
  }
}

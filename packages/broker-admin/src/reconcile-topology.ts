import { ADMIN_USER, type Cluster, type Secrets, type Topology } from '@fedgate/topology';
import { clusterManagementUrl, compileCluster, type RenderConfOptions } from '@fedgate/broker-config';
import { ManagementClient } from './management-client.ts';
import { applyPlan, planCluster } from './apply-plan.ts';
import type { Change, ClusterPlan } from './plan-changes.ts';

export interface ClusterOutcome {
  readonly cluster: string;
  readonly plan?: ClusterPlan;
  /** Changes carried out (apply only). */
  readonly applied?: readonly Change[];
  /** Why this cluster could not be planned or applied; the others still ran. */
  readonly error?: Error;
}

/**
 * Plans (and with `apply`, converges) each selected cluster independently: one failing cluster is reported
 * with its cause and does not stop the others. Re-running after a failure finishes the job.
 */
export async function reconcileTopology(
  topology: Topology,
  secrets: Secrets,
  options: {
    apply: boolean;
    prune?: boolean;
    cluster?: string;
    onProgress?: (line: string) => void;
    adminFor?: (c: Cluster) => ManagementClient;
    /** How the fleet's nodes were compiled (local mode's TLS paths differ from a deployed node's). @default the deployed layout */
    compileOptions?: (c: Cluster) => RenderConfOptions;
  },
): Promise<ClusterOutcome[]> {
  const clusters = [topology.backend, ...topology.gateways].filter((c) => options.cluster === undefined || c.name === options.cluster);
  const adminFor =
    options.adminFor ??
    ((c: Cluster) => new ManagementClient({ baseUrl: clusterManagementUrl(c), user: ADMIN_USER, password: secrets.password(c.name, ADMIN_USER) }));
  return Promise.all(
    clusters.map(async (cluster): Promise<ClusterOutcome> => {
      const client = adminFor(cluster);
      let plan: ClusterPlan | undefined;
      try {
        plan = await planCluster(cluster.name, client, compileCluster(topology, cluster, secrets, options.compileOptions?.(cluster)).definitions);
        if (!options.apply) return { cluster: cluster.name, plan };
        options.onProgress?.(`${cluster.name}: applying ${plan.changes.length + (options.prune ? plan.extra.length : 0)} change(s)`);
        const applied = await applyPlan(client, plan, { prune: options.prune });
        return { cluster: cluster.name, plan, applied };
      } catch (err) {
        return { cluster: cluster.name, ...(plan ? { plan } : {}), error: err instanceof Error ? err : new Error(String(err)) };
      }
    }),
  );
}

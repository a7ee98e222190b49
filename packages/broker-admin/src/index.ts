export * from './errors.ts';
export { ManagementClient, seg, DEFAULT_REQUEST_TIMEOUT_MS, type ManagementClientOptions } from './management-client.ts';
export * from './plan-changes.ts';
export { applyPlan, exportDefinitions, planCluster } from './apply-plan.ts';
export { reconcileTopology, type ClusterOutcome } from './reconcile-topology.ts';

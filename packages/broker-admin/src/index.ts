export * from './errors.ts';
export { ManagementClient, seg, DEFAULT_REQUEST_TIMEOUT_MS, type ManagementClientOptions } from './management-client.ts';
export * from './plan-changes.ts';
export { applyPlan, exportDefinitions, planCluster } from './apply-plan.ts';
export { reconcileTopology, type ClusterOutcome } from './reconcile-topology.ts';
export { fleetStatus, type FleetStatusReport, type LinkStatus, type QueueStatus } from './fleet-status.ts';
export { runCanaries, canaryDevice, DEFAULT_CANARY_TIMEOUT_MS, type CanaryResult } from './canary.ts';
export { checkGatewayHealth, startGatewayHealthService, DEFAULT_HEALTH_CHECK_INTERVAL_MS, type GatewayHealth, type GatewayHealthService } from './gateway-health.ts';

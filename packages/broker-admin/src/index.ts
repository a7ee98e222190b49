export * from './errors.ts';
export { ManagementClient, seg, DEFAULT_REQUEST_TIMEOUT_MS, type ManagementClientOptions } from './management-client.ts';
export * from './plan-changes.ts';
export { applyPlan, exportDefinitions, planCluster } from './apply-plan.ts';
export { reconcileTopology, type ClusterOutcome } from './reconcile-topology.ts';
export { fleetStatus, type FleetStatusReport, type LinkStatus, type QueueStatus } from './fleet-status.ts';
export { probeLinkEndpoint, DEFAULT_PROBE_TIMEOUT_MS, type LinkEndpoint } from './link-endpoint-probe.ts';
export { runCanaries, DEFAULT_CANARY_TIMEOUT_MS, type CanaryResult } from './canary.ts';
export {
  checkGatewayHealth,
  startGatewayHealthService,
  DEFAULT_HEALTH_CHECK_INTERVAL_MS,
  type GatewayHealth,
  type GatewayHealthService,
} from './gateway-health.ts';
export {
  restartLinks,
  LinkRestartError,
  LINK_DIRECTIONS,
  DEFAULT_LINK_RESTART_WAIT_MS,
  type LinkDirection,
  type LinkRestartResult,
  type RestartLinksOptions,
} from './restart-link.ts';
export {
  readConnectionLimits,
  setConnectionLimit,
  listDeviceConnections,
  normalizeConnectionLimit,
  ConnectionLimitError,
  LIMIT_SCOPES,
  MAX_CONNECTION_LIMIT,
  type ConnectionLimits,
  type LimitScope,
  type TrackedConnection,
} from './connection-limits.ts';
export {
  drainDevices,
  normalizeDrainOptions,
  DrainError,
  DEFAULT_DRAIN_BATCH_SIZE,
  DEFAULT_DRAIN_PAUSE_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DRAIN_REASON,
  type DrainOptions,
  type DrainProgress,
  type DrainReport,
} from './drain-devices.ts';
export { countDeviceConnections } from './device-connection-count.ts';
export { queueTotals } from './queue-totals.ts';

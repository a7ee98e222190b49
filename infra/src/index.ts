export { synthFleet, buildFleet, type Fleet, type SynthReport, type StackSummary, type SynthOptions } from './synth-fleet.ts';
export {
  planFleet,
  normalizeInfraOptions,
  DEFAULT_AZ_COUNT,
  DEFAULT_ROUTER_NODES,
  DEFAULT_ROUTER_INSTANCE_TYPE,
  DEFAULT_ROOT_VOLUME_GIB,
  type FleetPlan,
  type ClusterPlan,
  type GatewayPlan,
  type InfraOptions,
} from './fleet-plan.ts';
export { InfraError, InfraConfigError, type InfraProblem } from './errors.ts';
export { backendStackId, gatewayStackId, dnsStackId, definitionsSecretName, runtimeSecretName, routerSecretName } from './aws-names.ts';
export {
  gatewayInstanceType,
  connectionsPerNode,
  architectureOf,
  memoryPerDevice,
  MEMORY_PER_DEVICE_BYTES,
  BACKEND_INSTANCE_TYPE,
  GATEWAY_FAMILY,
  type DeviceLogin,
} from './instance-type.ts';

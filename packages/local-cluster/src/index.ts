export * from './local-fleet.ts';
export { ensureLocalSecrets } from './local-secrets.ts';
export { killNode, launchNode, localNode, clusterNodes, nodeCluster, nodePid, stopNode, fdLimitFor, type ClusterNode, type LocalNode } from './local-node.ts';
export { formCluster } from './form-cluster.ts';
export { rabbitmqCli, RabbitmqCliError, type RabbitmqTool } from './rabbitmq-cli.ts';
export { TcpProxy, TcpProxyError, DEFAULT_CONNECT_TIMEOUT_MS, type ProxyTarget, type TcpProxyOptions, type TcpProxyStats } from './tcp-proxy.ts';
export * from './wan-conditions.ts';
export {
  changeWanProxy,
  readWanProxy,
  startWanProxy,
  stopWanProxy,
  wanProxyFiles,
  wanProxySpecs,
  WanProxyError,
  DEFAULT_WAN_START_TIMEOUT_MS,
  type WanProxySpec,
  type WanProxyState,
  type WanProxyErrorCode,
} from './wan-proxy.ts';
export { processAlive } from './process-alive.ts';
export {
  brokerRuntime,
  runtimeCommand,
  mountForFleet,
  unmountForFleet,
  versionAtLeast,
  BrokerRuntimeError,
  MIN_RABBITMQ_VERSION,
  DEFAULT_BROKER_ROOT,
  type BrokerRuntime,
  type RuntimeCommand,
} from './broker-runtime.ts';
export { waitForLinks, whatIsNotReady, LinksNotReadyError, DEFAULT_LINKS_TIMEOUT_MS } from './wait-for-links.ts';
export { ensureFleetTls, loadFleetTls, installNodeTls, needsTlsFiles, fleetPkiDir, TOOLS_CERTIFICATE_NAME, type FleetTls } from './fleet-tls.ts';
export {
  deviceAuthzSpecs,
  deviceAuthzFiles,
  startDeviceAuthz,
  stopDeviceAuthz,
  DeviceAuthzProcessError,
  DEFAULT_AUTHZ_START_TIMEOUT_MS,
  type DeviceAuthzSpec,
} from './device-authz-process.ts';
export { localAppToken, localDeviceTls, localDevicesDir, type DeviceTls } from './local-identities.ts';
export * from './local-cluster-error.ts';

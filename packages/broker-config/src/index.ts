export * from './definitions.ts';
export * from './compile-topology.ts';
export { compileBackendDefinitions, federationQueuePattern } from './compile-backend-definitions.ts';
export { compileGatewayDefinitions } from './compile-gateway-definitions.ts';
export { renderRabbitmqConf, DEFAULT_DEFINITIONS_FILE, type RenderConfOptions } from './render-rabbitmq-conf.ts';
export { renderEnabledPlugins } from './render-enabled-plugins.ts';
export { clusterAmqpUri, clusterManagementUrl, linkBackendUri, maskSecrets } from './amqp-uri.ts';
export { rabbitPasswordHash } from './password-hash.ts';

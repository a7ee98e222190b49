export * from './definitions.ts';
export * from './compile-topology.ts';
export { compileBackendDefinitions, federationQueuePattern } from './compile-backend-definitions.ts';
export { compileGatewayDefinitions } from './compile-gateway-definitions.ts';
export { renderRabbitmqConf, DEFAULT_AUTH_CACHE_TTL_MS, DEFAULT_DEFINITIONS_FILE, type RenderConfOptions } from './render-rabbitmq-conf.ts';
export { DEFAULT_TLS_DIR, linkTlsFiles, nodeTlsFiles, tokenKeyFile } from './tls-files.ts';
export { renderEnabledPlugins } from './render-enabled-plugins.ts';
export { clusterAmqpUri, clusterManagementUrl, linkBackendEndpoint, linkBackendUri, type LinkLogin } from './amqp-uri.ts';
export { rabbitPasswordHash } from './password-hash.ts';

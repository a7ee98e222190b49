import { isGateway, speaksMqtt, speaksStomp, type Cluster } from '@fedgate/topology';

/** `enabled_plugins` (an Erlang term) for one cluster. */
export function renderEnabledPlugins(cluster: Cluster): string {
  const plugins = ['rabbitmq_management', 'rabbitmq_prometheus'];
  if (isGateway(cluster)) {
    // Links run on the gateway; the event exchange reports device subscriptions for presence.
    plugins.push('rabbitmq_shovel', 'rabbitmq_shovel_management', 'rabbitmq_federation', 'rabbitmq_federation_management', 'rabbitmq_event_exchange');
    if (speaksMqtt(cluster)) plugins.push('rabbitmq_mqtt');
    if (speaksStomp(cluster)) plugins.push('rabbitmq_stomp');
    // Over WebSockets, for browsers; each is built on the plugin above.
    if (cluster.protocols.includes('web-mqtt')) plugins.push('rabbitmq_web_mqtt');
    if (cluster.protocols.includes('web-stomp')) plugins.push('rabbitmq_web_stomp');
    // Over TLS: devices are answered by fedgate's endpoint through the cache; apps log in with signed tokens.
    // (A gateway without raw MQTT has no device logins, so no endpoint in its chain: see hasDeviceLogins.)
    if (cluster.tls && cluster.protocols.includes('mqtt')) plugins.push('rabbitmq_auth_backend_cache', 'rabbitmq_auth_backend_http');
    if (cluster.tls) plugins.push('rabbitmq_auth_backend_oauth2');
  } else {
    // Federation upstream objects live here; shovel management lets status read link state from either side.
    plugins.push('rabbitmq_federation', 'rabbitmq_shovel', 'rabbitmq_consistent_hash_exchange');
    // Over TLS, links log in with their client certificates (SASL EXTERNAL).
    if (cluster.tls) plugins.push('rabbitmq_auth_mechanism_ssl');
  }
  return `[${plugins.sort().join(',')}].\n`;
}

// Simulated MQTT devices on a gateway of a local fleet. On a TLS gateway a device presents its own certificate
// (issued from the fleet CA on first use); on a plain one it logs in with the shared device password.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { DEVICE_USER, commandTopicFilter } from '@fedgate/topology';
import type { RunningFleet } from '@fedgate/local-cluster';
import { gatewayOf } from './gateway-of.ts';

/** URL and login of device `clientId` at `gateway`. */
export async function mqttDeviceLogin(fleet: RunningFleet, gateway: string, clientId: string): Promise<{ url: string; options: IClientOptions }> {
  const gw = gatewayOf(fleet, gateway);
  if (!gw.tls) {
    return { url: `mqtt://${gw.host}:${gw.ports.mqtt}`, options: { clientId, username: DEVICE_USER, password: fleet.secrets.password(gateway, DEVICE_USER) } };
  }
  const identity = await fleet.deviceTls(clientId);
  return { url: `mqtts://${gw.host}:${gw.ports.mqtt}`, options: { clientId, ca: identity.ca, cert: identity.cert, key: identity.key } };
}

/** A connected device that does not reconnect by itself (a test decides when it comes back). */
export async function mqttDevice(fleet: RunningFleet, gateway: string, clientId: string, options: { clean?: boolean } = {}): Promise<MqttClient> {
  const { url, options: login } = await mqttDeviceLogin(fleet, gateway, clientId);
  return mqtt.connectAsync(url, { ...login, clean: options.clean ?? true, reconnectPeriod: 0 });
}

/** A device subscribed to its own commands with QoS 1; `got` collects the topics of what arrived. */
export async function subscribedDevice(fleet: RunningFleet, gateway: string, clientId: string): Promise<{ client: MqttClient; got: string[] }> {
  const client = await mqttDevice(fleet, gateway, clientId);
  const got: string[] = [];
  client.on('message', (topic) => got.push(topic));
  await client.subscribeAsync(commandTopicFilter(clientId), { qos: 1 });
  return { client, got };
}

// A device placed at a gateway the way the router believes: the device's own MQTT session subscribes to its
// commands (the router trusts only a binding on the device's session queue, made by its login). The session
// outlives the connection, so its QoS 1 queue keeps the binding and the bench can consume from it at AMQP speed.
import mqtt from 'mqtt';
import { commandTopicFilter, deviceSessionQueues } from '@fedgate/topology';

/** Long enough for any scenario; the bench deletes the queue when it is done. */
const SESSION_EXPIRY_SECONDS = 3_600;

/** Subscribes as `deviceId` (QoS 1, a persistent MQTT 5 session), disconnects, and returns the session queue's name. */
export async function leaveDeviceSession(mqttUrl: string, deviceId: string, username: string, password: string): Promise<string> {
  const client = await mqtt.connectAsync(mqttUrl, {
    clientId: deviceId,
    username,
    password,
    protocolVersion: 5,
    clean: false,
    properties: { sessionExpiryInterval: SESSION_EXPIRY_SECONDS },
    reconnectPeriod: 0,
  });
  try {
    await client.subscribeAsync(commandTopicFilter(deviceId), { qos: 1 });
  } finally {
    await client.endAsync();
  }
  return deviceSessionQueues(deviceId)[1]!;
}

// fedgate's device kit: simulated MQTT devices and STOMP apps on a local fleet, taps on what crosses it, and one
// way to wait for what is expected. The demo, the tests and the drills all use it.
export { pollUntil, sleep, waitUntil } from './poll-until.ts';
export { mqttDevice, mqttDeviceLogin, subscribedDevice } from './mqtt-device.ts';
export { connectStomp, stompApp, stompCollect, stompSocket } from './stomp-app.ts';
export { tlsStompSocket } from './tls-stomp-socket.ts';
export { deviceSwarm, type DeviceSwarm, type DeviceSwarmOptions } from './device-swarm.ts';
export { ConfirmedPublisher, DeadLetters, gatewayTap } from './taps.ts';
export { gatewayOf } from './gateway-of.ts';

// A gateway node's device authorisation endpoint as a background process: `fedgate local up` starts one per TLS
// gateway node, so it outlives the command; `local down` stops it. Denials are logged (they are attacks or bugs).
import { startDeviceAuthzServer } from '@fedgate/device-authz';
import type { DeviceAuthzSpec } from './device-authz-process.ts';

const spec = JSON.parse(process.argv[2] ?? '') as DeviceAuthzSpec;
const log = (fields: Record<string, unknown>) =>
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), gateway: spec.gateway, node: spec.node, ...fields })}\n`);

const server = await startDeviceAuthzServer({
  policy: { vhost: spec.vhost },
  host: spec.host,
  port: spec.port,
  onDecision: (question, user, decision) => {
    if (!decision.allow) log({ msg: 'denied', question, user, reason: decision.reason });
  },
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) process.exit(1); // a second signal: exit at once
  stopping = true;
  log({ msg: `${signal}: closing` });
  await server.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
log({ msg: `listening on ${spec.host}:${server.port}`, vhost: spec.vhost });

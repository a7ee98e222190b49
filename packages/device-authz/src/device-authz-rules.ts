import { DEVICES_EXCHANGE, deviceSessionQueues } from '@fedgate/topology';
import { isDeviceId } from '@fedgate/pki';
import type { AuthzRequest } from './authz-request.ts';

/** What a gateway's devices may do; everything else is refused. */
export interface DevicePolicy {
  /** The fleet's vhost, the only one devices use. */
  readonly vhost: string;
}

export type AuthzDecision = { readonly allow: true } | { readonly allow: false; readonly reason: string };

const ALLOW: AuthzDecision = { allow: true };
const deny = (reason: string): AuthzDecision => ({ allow: false, reason });

/**
 * What an MQTT certificate login looks like to this endpoint (RabbitMQ 4.0.5, seen on the wire): `username` = the
 * certificate's CN, `client_id` = its DNS SAN (the broker refuses any other client id at CONNECT), `vhost`, and
 * `password=none`. A client that sends the word "none" as the password of another name looks the same except that
 * `username` then differs from `client_id`; STOMP and AMQP logins carry no `client_id` at all.
 */
const LOGIN_FIELDS = new Set(['username', 'password', 'vhost', 'client_id']);

/**
 * Pure: RabbitMQ's question about a device → allow or deny with the reason, by exact names and prefixes built from
 * the authenticated user name (never a pattern from what the client sent):
 *
 * - every question: a valid device id in the fleet's vhost, and where the broker names the MQTT client id (which
 *   comes from the certificate), that id;
 * - user: an MQTT login by certificate (no password);
 * - resource: its own MQTT session queues `mqtt-subscription-<id>qos0|qos1` (configure, write, read) and
 *   `fedgate.devices` (write to publish, read to bind);
 * - topic on `fedgate.devices`: read (subscribe) only `devices.<id>.commands.…`, write only `devices.<id>.events.…`.
 */
export function decideAuthz(request: AuthzRequest, policy: DevicePolicy): AuthzDecision {
  const { fields } = request;
  const id = fields.username;
  if (!isDeviceId(id)) return deny(`not a device id: ${JSON.stringify(id ?? null)}`);
  if (fields.vhost !== policy.vhost) return deny(`vhost ${JSON.stringify(fields.vhost ?? null)} is not the fleet's`);
  // The client id the broker names is the certificate's; a user name that is not it was chosen by the client.
  for (const clientId of [fields.client_id, fields['variable_map.client_id']]) {
    if (clientId !== undefined && clientId !== id) return deny(`user ${JSON.stringify(id)} is not the certificate's client id ${JSON.stringify(clientId)}`);
  }
  switch (request.question) {
    case 'user':
      return decideLogin(id, fields);
    case 'vhost':
      return ALLOW;
    case 'resource':
      return decideResource(id, fields);
    case 'topic':
      return decideTopic(id, fields);
  }
}

function decideLogin(id: string, fields: Readonly<Record<string, string>>): AuthzDecision {
  const extra = Object.keys(fields).filter((k) => !LOGIN_FIELDS.has(k));
  if (extra.length > 0) return deny(`unexpected login fields ${extra.sort().join(', ')}`);
  if (fields.client_id !== id) return deny('no MQTT client id from a certificate: devices log in over MQTT with certificates only');
  if (fields.password !== undefined && fields.password !== 'none') return deny('a password was given: devices log in with certificates only');
  return ALLOW;
}

function decideResource(id: string, fields: Readonly<Record<string, string>>): AuthzDecision {
  const { resource, name, permission } = fields;
  if (resource === 'queue' && name !== undefined && deviceSessionQueues(id).includes(name)) {
    return ['configure', 'write', 'read'].includes(permission ?? '') ? ALLOW : deny(`permission ${JSON.stringify(permission ?? null)} on its queue`);
  }
  if (resource === 'exchange' && name === DEVICES_EXCHANGE) {
    return permission === 'write' || permission === 'read' ? ALLOW : deny(`${permission ?? 'no permission'} on ${DEVICES_EXCHANGE}`);
  }
  return deny(`${resource ?? 'resource'} ${JSON.stringify(name ?? null)} is not the device's own`);
}

function decideTopic(id: string, fields: Readonly<Record<string, string>>): AuthzDecision {
  const { resource, name, permission, routing_key: key } = fields;
  if (resource !== 'topic' || name !== DEVICES_EXCHANGE) return deny(`topic on ${JSON.stringify(name ?? null)}`);
  if (key === undefined) return deny('no routing key');
  if (permission === 'read') return key.startsWith(`devices.${id}.commands.`) ? ALLOW : deny(`subscribe to ${JSON.stringify(key)}`);
  if (permission === 'write') return key.startsWith(`devices.${id}.events.`) ? ALLOW : deny(`publish to ${JSON.stringify(key)}`);
  return deny(`topic permission ${JSON.stringify(permission ?? null)}`);
}

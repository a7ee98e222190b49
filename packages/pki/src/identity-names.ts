import { DEVICE_ID_PATTERN } from '@fedgate/topology';
import { PkiError, type PkiErrorCode } from './errors.ts';

/**
 * What a certificate may name: at most 64 characters, the X.509 upper bound of a common name
 * (RFC 5280 ub-common-name), from a set that is safe in a file name, an openssl subject and a
 * DNS-type SAN.
 */
export const CERTIFICATE_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;
export const CERTIFICATE_NAME_RULE = '1 to 64 characters of letters, digits, ".", "_" and "-", not starting with "." or "-"';

/**
 * Device ids and app names must also be what the fleet routes: one routing-key word
 * (`devices.<id>.commands.<name>`, `DEVICE_ID_PATTERN` of `@fedgate/topology`), so no ".": RabbitMQ's
 * MQTT plugin maps a "." in a topic to "/" in the routing key, and the router and `@fedgate/client`
 * refuse such ids, so a certificate for one would authenticate a device nobody can send a command to.
 */
export const DEVICE_ID_RULE =
  '1 to 64 characters of letters, digits, "_" and "-", not starting with "-" nor with "fedgate" (no ".": the id is one routing-key word)';

/**
 * fedgate's own users (`fedgate-admin`, link users) and canaries start with this. A certificate for such a name
 * would log in as that user wherever it exists without a password (a certificate login asks for none), so no
 * device or app may be named so.
 */
export const RESERVED_NAME_PREFIX = 'fedgate';

/** Checks a device id before anything is issued for it; the error names the id and the rule. */
export function validateDeviceId(deviceId: unknown): string {
  return checkRoutable(deviceId, 'device id', 'PKI_INVALID_DEVICE_ID');
}

/** Whether `name` is a device id fedgate would issue a certificate for: the same rule as validateDeviceId. */
export function isDeviceId(name: unknown): name is string {
  return typeof name === 'string' && CERTIFICATE_NAME_PATTERN.test(name) && DEVICE_ID_PATTERN.test(name) && !isReserved(name);
}

function isReserved(name: string): boolean {
  return name.toLowerCase().startsWith(RESERVED_NAME_PREFIX);
}

/** App names become the device-like id an app's STOMP topics and token scopes are built from. */
export function validateAppName(app: unknown): string {
  return checkRoutable(app, 'app name', 'PKI_INVALID_APP_NAME');
}

/** A broker user a link logs in as with its certificate (e.g. `fedgate-down-eu`). */
export function validateBrokerUser(user: unknown): string {
  return checkName(user, 'broker user name', 'PKI_INVALID_USER');
}

/** A cluster name becomes a directory under the CA's; the topology allows less than this. */
export function validateClusterName(cluster: unknown): string {
  if (typeof cluster !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(cluster)) {
    throw new PkiError(
      'PKI_INVALID_CLUSTER',
      `invalid cluster name ${JSON.stringify(cluster)}: expected lowercase letters, digits and "-", at most 63 characters`,
    );
  }
  return cluster;
}

function checkName(value: unknown, what: string, code: PkiErrorCode): string {
  if (typeof value !== 'string' || !CERTIFICATE_NAME_PATTERN.test(value)) {
    throw new PkiError(code, `invalid ${what} ${JSON.stringify(value)}: expected ${CERTIFICATE_NAME_RULE}`);
  }
  return value;
}

function checkRoutable(value: unknown, what: string, code: PkiErrorCode): string {
  if (!isDeviceId(value)) {
    throw new PkiError(code, `invalid ${what} ${JSON.stringify(value)}: expected ${DEVICE_ID_RULE}`);
  }
  return value;
}

/** A one-attribute subject for `openssl -subj`, with the characters openssl's parser treats specially escaped. */
export function subjectOf(commonName: string): string {
  return `/CN=${commonName.replace(/[\\/+=,]/g, (c) => `\\${c}`)}`;
}

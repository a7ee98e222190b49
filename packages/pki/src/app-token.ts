import { randomUUID } from 'node:crypto';
// jose rather than a hand-rolled JWS over node:crypto: it is zero-dependency, widely reviewed and kept
// current with the JOSE RFCs, and it gets the details a hand-rolled signer gets wrong (base64url
// without padding, the ES256 signature encoding, claim types) right for whoever changes the algorithm later.
import { SignJWT } from 'jose';
import { APP_QUEUE_PREFIX, DEVICES_EXCHANGE, commandBindingKey, deviceSessionQueues } from '@fedgate/topology';
import { PkiError } from './errors.ts';
import { validateAppName } from './identity-names.ts';
import type { TokenSigningKey } from './token-signing-key.ts';

/** The broker's OAuth 2 resource server id: the token audience and the scope prefix (`fedgate.read:…`). */
export const DEFAULT_RESOURCE_SERVER_ID = 'fedgate';
/** @default 1 hour */
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
/** Longest a token may live: 30 days. A token cannot be revoked before it expires, so keep them short. */
export const MAX_TOKEN_TTL_SECONDS = 30 * 86_400;

/**
 * The queue an app names in its SUBSCRIBE frame's `x-queue-name` header. The STOMP plugin's default,
 * `stomp-subscription-<md5 of destination and subscription id>`, is predictable and shared by every
 * client, so an app's token grants no such queue and the app must name its own.
 */
export function appSubscriptionQueue(app: string, subscription = 'commands'): string {
  validateAppName(app);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(subscription)) {
    throw new PkiError('PKI_INVALID_OPTION', `invalid subscription name ${JSON.stringify(subscription)}: expected 1 to 64 letters, digits, "_" or "-"`);
  }
  return `${APP_QUEUE_PREFIX}${app}.${subscription}`;
}

/**
 * The scopes (RabbitMQ's `<resource_server_id>.<permission>:<vhost>/<name>[/<routing key>]`) that let
 * app NAME subscribe to `/topic/devices.NAME.commands.#` and publish to `/topic/devices.NAME.events.*`
 * on `fedgate.devices` (the STOMP plugin's default topic exchange on gateways), and nothing else:
 *
 * - configure, write, read on its own queues `fedgate.app.NAME.*`: declare, bind, consume;
 * - configure, write, read on exactly `mqtt-subscription-NAMEqos0` and `mqtt-subscription-NAMEqos1`: the session
 *   queues RabbitMQ's MQTT plugin declares for client id NAME, so a browser app over MQTT (web-mqtt) subscribes with
 *   its own name as client id (another id's session queue is refused at SUBSCRIBE). Exact names, no wildcard:
 *   `mqtt-subscription-NAMEqos*` would also match device `NAMEqos`'s queues;
 * - read on `fedgate.devices` for routing keys `devices.NAME.commands.*`: binding to the exchange and
 *   the topic check of the binding key `devices.NAME.commands.#`;
 * - write on `fedgate.devices` for routing keys `devices.NAME.events.*`: publishing its events.
 *
 * Patterns are wildcard patterns (`*` is any string, `%`-escapes are decoded), so the literal parts are
 * escaped: vhost `/` becomes `%2F`. App names cannot contain "." or "*", so `devices.NAME.` and
 * `fedgate.app.NAME.` never match another app's names.
 */
export function appScopes(app: string, vhost = '/', resourceServerId = DEFAULT_RESOURCE_SERVER_ID): string[] {
  validateAppName(app);
  if (typeof vhost !== 'string' || vhost === '') throw new PkiError('PKI_INVALID_OPTION', `invalid vhost ${JSON.stringify(vhost)}: expected a non-empty name`);
  const prefix = scopePrefix(resourceServerId);
  const v = scopeLiteral(vhost);
  const queues = `${scopeLiteral(APP_QUEUE_PREFIX + app)}.*`;
  const exchange = scopeLiteral(DEVICES_EXCHANGE);
  // `devices.NAME.commands.#` is what the app binds; its prefix before `#` is the pattern's literal part.
  const commands = `${scopeLiteral(commandBindingKey(app).slice(0, -1))}*`;
  const events = `${scopeLiteral(`devices.${app}.events.`)}*`;
  const sessions = deviceSessionQueues(app).map(scopeLiteral);
  return [
    `${prefix}configure:${v}/${queues}`,
    `${prefix}write:${v}/${queues}`,
    `${prefix}read:${v}/${queues}`,
    ...sessions.flatMap((q) => [`${prefix}configure:${v}/${q}`, `${prefix}write:${v}/${q}`, `${prefix}read:${v}/${q}`]),
    `${prefix}read:${v}/${exchange}/${commands}`,
    `${prefix}write:${v}/${exchange}/${events}`,
  ];
}

export interface AppTokenOptions {
  readonly app: string;
  /** Usually `appScopes(app, vhost, audience)`; each must carry the `<audience>.` prefix or RabbitMQ ignores it. */
  readonly scopes: readonly string[];
  /** @default DEFAULT_TOKEN_TTL_SECONDS; at most MAX_TOKEN_TTL_SECONDS. */
  readonly ttlSeconds?: number;
  /** The broker's `auth_oauth2.resource_server_id`. @default DEFAULT_RESOURCE_SERVER_ID */
  readonly audience?: string;
  /** @default 'fedgate' */
  readonly issuer?: string;
  /** For tests. @default new Date() */
  readonly now?: Date;
}

export interface AppToken {
  /** The compact JWT; STOMP apps send it as the CONNECT `passcode` (the login is ignored). */
  readonly token: string;
  readonly app: string;
  readonly kid: string;
  readonly scopes: readonly string[];
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

/**
 * Signs an app's access token for RabbitMQ's OAuth 2 backend: header `alg` RS256 and `kid`; claims
 * `sub` and `client_id` = the app (the broker's user name for it), `aud` = the resource server id,
 * `scope` space-separated, `iat`, `exp`, `jti`.
 */
export async function signAppToken(key: TokenSigningKey, options: AppTokenOptions): Promise<AppToken> {
  const app = validateAppName(options.app);
  const audience = options.audience ?? DEFAULT_RESOURCE_SERVER_ID;
  const prefix = scopePrefix(audience);
  const ttl = checkTtlSeconds(options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS);
  if (!Array.isArray(options.scopes) || options.scopes.length === 0) {
    throw new PkiError('PKI_INVALID_OPTION', `a token for app "${app}" needs at least one scope`);
  }
  for (const scope of options.scopes) {
    if (typeof scope !== 'string' || !scope.startsWith(prefix) || /\s/.test(scope)) {
      throw new PkiError(
        'PKI_INVALID_OPTION',
        `invalid scope ${JSON.stringify(scope)}: expected no spaces and the prefix "${prefix}" (the audience), or the broker ignores it`,
      );
    }
  }
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const expiresAt = issuedAt + ttl;
  const token = await new SignJWT({ scope: options.scopes.join(' '), client_id: app })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(options.issuer ?? 'fedgate')
    .setSubject(app)
    .setAudience(audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .setJti(randomUUID())
    .sign(key.privateKey);
  return { token, app, kid: key.kid, scopes: [...options.scopes], issuedAt: new Date(issuedAt * 1000), expiresAt: new Date(expiresAt * 1000) };
}

const TTL_UNITS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** `90s`, `15m`, `1h`, `7d` → seconds, from 1 second to 30 days; anything else is refused with the rule. */
export function parseTtl(text: string): number {
  const match = /^([0-9]{1,9})([smhd])$/.exec(typeof text === 'string' ? text.trim() : '');
  if (!match) {
    throw new PkiError(
      'PKI_INVALID_TTL',
      `invalid ttl ${JSON.stringify(text)}: expected a whole number with a unit s, m, h or d (e.g. 90s, 15m, 1h, 7d), at most 30d`,
    );
  }
  return checkTtlSeconds(Number(match[1]) * TTL_UNITS[match[2] as keyof typeof TTL_UNITS], text);
}

function checkTtlSeconds(seconds: number, text: string = `${seconds}s`): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_TOKEN_TTL_SECONDS) {
    throw new PkiError('PKI_INVALID_TTL', `invalid ttl ${JSON.stringify(text)}: a token lives from 1 second to 30 days (${MAX_TOKEN_TTL_SECONDS} s)`);
  }
  return seconds;
}

function scopePrefix(resourceServerId: string): string {
  if (typeof resourceServerId !== 'string' || !/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(resourceServerId)) {
    throw new PkiError('PKI_INVALID_OPTION', `invalid resource server id ${JSON.stringify(resourceServerId)}: expected letters, digits, ".", "_" and "-"`);
  }
  return `${resourceServerId}.`;
}

/**
 * A literal inside a scope pattern. RabbitMQ splits the scope on "/" and the pattern on "*", then
 * percent-decodes each part (decoding "+" as a space), so those characters must be escaped.
 */
export function scopeLiteral(text: string): string {
  return encodeURIComponent(text).replace(/[*!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

import { DEFAULT_RESOURCE_SERVER_ID } from './app-token.ts';
import { PkiError } from './errors.ts';
import type { TokenSigningKey } from './token-signing-key.ts';

/** rabbitmq.conf keys and values, in the order they should be written. */
export type BrokerSettings = Readonly<Record<string, string>>;

/**
 * What a gateway's rabbitmq.conf needs to verify app tokens with the fleet signing key
 * (`rabbitmq_auth_backend_oauth2`, key names as in RabbitMQ 4.0's schema for the plugin):
 *
 * - `auth_oauth2.resource_server_id`: the audience tokens must carry and the scope prefix;
 * - `auth_oauth2.verify_aud = true` (the default, said so it stays so);
 * - `auth_oauth2.preferred_username_claims.1 = sub`: the app name is the broker user;
 * - `auth_oauth2.default_key` and `auth_oauth2.signing_keys.<kid> = <public key file>`: a static
 *   key, so the broker fetches nothing (the file must be readable by the broker);
 * - `auth_oauth2.algorithms.1`: only the fleet's algorithm is accepted.
 *
 * Not included, because their numbering depends on the other backends: `auth_backends.N = oauth2`
 * (with the plugin in enabled_plugins).
 */
export function oauthBrokerSettings(options: {
  readonly signingKey: Pick<TokenSigningKey, 'kid' | 'alg' | 'publicKeyFile'>;
  /** @default DEFAULT_RESOURCE_SERVER_ID */
  readonly resourceServerId?: string;
}): BrokerSettings {
  const { kid, alg, publicKeyFile } = options.signingKey;
  const resourceServerId = options.resourceServerId ?? DEFAULT_RESOURCE_SERVER_ID;
  // A kid is one segment of a rabbitmq.conf key; a "." would split it.
  if (!/^[A-Za-z0-9_-]+$/.test(kid)) throw new PkiError('PKI_INVALID_OPTION', `invalid key id ${JSON.stringify(kid)}: expected letters, digits, "_" and "-"`);
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(resourceServerId)) {
    throw new PkiError('PKI_INVALID_OPTION', `invalid resource server id ${JSON.stringify(resourceServerId)}: expected letters, digits, ".", "_" and "-"`);
  }
  if (publicKeyFile === '' || /[\r\n]/.test(publicKeyFile))
    throw new PkiError('PKI_INVALID_OPTION', `invalid signing key file ${JSON.stringify(publicKeyFile)}`);
  return {
    'auth_oauth2.resource_server_id': resourceServerId,
    'auth_oauth2.verify_aud': 'true',
    'auth_oauth2.preferred_username_claims.1': 'sub',
    'auth_oauth2.default_key': kid,
    [`auth_oauth2.signing_keys.${kid}`]: publicKeyFile,
    'auth_oauth2.algorithms.1': alg,
  };
}

/**
 * What a broker needs to log clients in by certificate (names as in RabbitMQ 4.0's `rabbit` and
 * `rabbitmq_mqtt` schemas):
 *
 * - `ssl_cert_login_from = common_name`: EXTERNAL logins (links, with `rabbitmq_auth_mechanism_ssl`)
 *   and MQTT certificate logins are the certificate's CN;
 * - `mqtt.ssl_cert_login = true`: MQTT clients with a certificate log in without a password;
 * - `mqtt.ssl_cert_client_id_from = subject_alternative_name`, `mqtt.ssl_cert_login_san_type = dns`,
 *   `mqtt.ssl_cert_login_san_index = 0`: the MQTT client id is the certificate's first DNS SAN.
 *
 * RabbitMQ takes no name from a certificate unless `ssl_options.verify = verify_peer` (it logs a
 * warning and refuses), and `auth_mechanisms.N = EXTERNAL` must be listed on brokers that links log
 * in to: both belong with the listener's TLS settings, so they are not repeated here.
 */
export function certificateLoginSettings(options: { readonly mqtt: boolean }): BrokerSettings {
  return {
    ssl_cert_login_from: 'common_name',
    ...(options.mqtt
      ? {
          'mqtt.ssl_cert_login': 'true',
          'mqtt.ssl_cert_client_id_from': 'subject_alternative_name',
          'mqtt.ssl_cert_login_san_type': 'dns',
          'mqtt.ssl_cert_login_san_index': '0',
        }
      : {}),
  };
}

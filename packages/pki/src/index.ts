export { PkiError, type PkiErrorCode, type PkiErrorKind } from './errors.ts';
export {
  CERTIFICATE_NAME_PATTERN,
  CERTIFICATE_NAME_RULE,
  DEVICE_ID_RULE,
  RESERVED_NAME_PREFIX,
  isDeviceId,
  validateAppName,
  validateBrokerUser,
  validateClusterName,
  validateDeviceId,
} from './identity-names.ts';
export { EXTENSIONS_SECTION, nodeSubjectAltNames, opensslConfig, type CertificateProfile } from './certificate-profile.ts';
export {
  DEFAULT_CA_CREATION_WAIT_MS,
  DEFAULT_CA_VALIDITY_DAYS,
  DEFAULT_CERTIFICATE_VALIDITY_DAYS,
  ensureFleetCa,
  issueDeviceCertificate,
  issueLinkCertificate,
  issueNodeCertificate,
  type FleetCa,
  type IssueOptions,
  type IssuedCertificate,
} from './fleet-ca.ts';
export { TOKEN_ALGORITHM, ensureTokenSigningKey, type TokenSigningKey } from './token-signing-key.ts';
export {
  DEFAULT_RESOURCE_SERVER_ID,
  DEFAULT_TOKEN_TTL_SECONDS,
  MAX_TOKEN_TTL_SECONDS,
  appScopes,
  appSubscriptionQueue,
  parseTtl,
  scopeLiteral,
  signAppToken,
  type AppToken,
  type AppTokenOptions,
} from './app-token.ts';
export { certificateLoginSettings, oauthBrokerSettings, type BrokerSettings } from './broker-settings.ts';
export { keyMatchesCertificate } from './key-matches.ts';

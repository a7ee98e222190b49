/** `@fedgate/infra/secrets`: the Secrets Manager side of a fleet, without loading cdktf. */
export { pushFleetSecrets, type PushFleetSecretsOptions, type SecretsPushReport, type SecretPushOutcome, type SecretAction } from './push-fleet-secrets.ts';
export { fleetSecretValues, gzipDeterministic, type SecretValue, type OperatorSecrets } from './fleet-secret-values.ts';
export {
  certificatesFromDirectory,
  certificatesFromFleetPki,
  checkCertificate,
  type FleetCertificates,
  type FleetPkiOptions,
  type LinkTlsPems,
  type NodeTlsFiles,
  type TlsFiles,
} from './fleet-certificates.ts';
export { brokerTlsFileNames, routerTlsFileNames, checkTlsFileNames, linkUsers, linkFileNames, type InstanceTlsFileNames } from '../tls-material.ts';
export { SecretsPushError, type SecretsPushErrorCode } from './secrets-push-error.ts';
export { operatorSecretName, definitionsSecretName, runtimeSecretName, routerSecretName } from '../aws-names.ts';

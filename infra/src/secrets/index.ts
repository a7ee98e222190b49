/** `@fedgate/infra/secrets`: the Secrets Manager side of a fleet, without loading cdktf. */
export { pushFleetSecrets, type PushFleetSecretsOptions, type SecretsPushReport, type SecretPushOutcome, type SecretAction } from './push-fleet-secrets.ts';
export { fleetSecretValues, gzipDeterministic, type SecretValue, type OperatorSecrets } from './fleet-secret-values.ts';
export { certificatesFromDirectory, type FleetCertificates, type NodeTlsFiles } from './fleet-certificates.ts';
export { SecretsPushError, type SecretsPushErrorCode } from './secrets-push-error.ts';
export { operatorSecretName, definitionsSecretName, runtimeSecretName, routerSecretName } from '../aws-names.ts';

import type { Construct } from 'constructs';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret/index.js';

export interface EmptySecretConfig {
  readonly name: string;
  /** What the value must be and how to put it; shown in the console. */
  readonly description: string;
  readonly tags?: Record<string, string>;
}

/**
 * A Secrets Manager secret without a value. Terraform owns the secret (its name, its lifetime with the region and
 * the instance role's access to it) but never its value, which would otherwise sit in plain text in the state.
 * The operator puts the value; nodes wait for it at boot.
 */
export function emptySecret(scope: Construct, id: string, config: EmptySecretConfig): SecretsmanagerSecret {
  return new SecretsmanagerSecret(scope, id, {
    name: config.name,
    description: config.description,
    // The value is reproducible (rendered from the topology and the operator's passwords), and a region removed and
    // added again must be able to take the same name at once rather than after a recovery window.
    recoveryWindowInDays: 0,
    tags: config.tags,
  });
}

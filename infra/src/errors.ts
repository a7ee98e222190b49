import { FedgateError, type ErrorKind } from '@fedgate/topology/fedgate-error';
import type { BootHelperErrorCode } from './boot/boot-helper-error.ts';
import type { ReleaseErrorCode } from './release/release-error.ts';
import type { SecretsPushErrorCode } from './secrets/secrets-push-error.ts';

/** Every code of the infra package's errors; each has a stable `code` and a kind. */
export type InfraErrorCode = 'INFRA_CONFIG' | 'INFRA_SYNTH' | ReleaseErrorCode | SecretsPushErrorCode | BootHelperErrorCode;

const KIND: Record<InfraErrorCode, ErrorKind> = {
  INFRA_CONFIG: 'input',
  INFRA_SYNTH: 'runtime',
  RELEASE_BUILD_FAILED: 'runtime',
  RELEASE_BUNDLE_MISSING: 'input',
  RELEASE_BUNDLE_INVALID: 'input',
  RELEASE_AWS_REQUEST_FAILED: 'runtime',
  SECRETS_TLS_MISSING: 'input',
  SECRETS_TLS_INVALID: 'input',
  SECRETS_NOT_CREATED: 'runtime',
  SECRETS_AWS_REQUEST_FAILED: 'runtime',
  SECRETS_UNREADABLE: 'runtime',
  BOOT_USAGE: 'input',
  BOOT_SECRET_EMPTY: 'runtime',
  BOOT_AWS_REQUEST_FAILED: 'runtime',
};

/** Base of the infra package's errors (synth, release, secrets push, the boot helper). */
export class InfraError extends FedgateError {
  override readonly name: string = 'InfraError';
  readonly kind: ErrorKind;
  constructor(
    readonly code: InfraErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.kind = KIND[code];
  }

  /** Wraps a failure of cdktf's synthesis (an invalid construct tree, a write error) with what was being done. */
  static synthFailure(err: unknown, doing: string): InfraError {
    if (err instanceof InfraError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new InfraError('INFRA_SYNTH', `${doing}: ${message}`, { cause: err });
  }
}

/** One thing in the topology or the options that the AWS deployment cannot take, with where it is. */
export interface InfraProblem {
  /** Path in the topology (`gateways[1].host`) or the option name (`options.azCount`). */
  readonly path: string;
  readonly message: string;
}

/** The topology validates, but cannot be deployed as given; lists every problem at once. */
export class InfraConfigError extends InfraError {
  override readonly name = 'InfraConfigError';
  constructor(
    readonly problems: readonly InfraProblem[],
    options?: { cause?: unknown },
  ) {
    super('INFRA_CONFIG', problems.map((p) => `${p.path}: ${p.message}`).join('\n'), options);
  }
}

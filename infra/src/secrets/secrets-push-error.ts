import { InfraError } from '../errors.ts';
/** Errors of `fedgate secrets push`; their kind (input: fix what you gave; runtime) is in ../errors.ts. */
export type SecretsPushErrorCode = 'SECRETS_TLS_MISSING' | 'SECRETS_TLS_INVALID' | 'SECRETS_NOT_CREATED' | 'SECRETS_AWS_REQUEST_FAILED' | 'SECRETS_UNREADABLE';

export class SecretsPushError extends InfraError {
  override readonly name = 'SecretsPushError';
  declare readonly code: SecretsPushErrorCode;
  constructor(code: SecretsPushErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }

  /** An AWS SDK failure of `operation` on `secret`, keeping the AWS error name. */
  static from(err: unknown, operation: string, secret: string): SecretsPushError {
    if (err instanceof SecretsPushError) return err;
    const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: string; message?: string };
    const awsCode = e.name ?? 'Error';
    if (awsCode === 'ResourceNotFoundException' && operation === 'PutSecretValue') {
      return new SecretsPushError(
        'SECRETS_NOT_CREATED',
        `secret ${secret} does not exist: apply the stack that creates it first (fedgate synth, terraform apply)`,
        { cause: err },
      );
    }
    return new SecretsPushError('SECRETS_AWS_REQUEST_FAILED', `Secrets Manager ${operation} ${secret} failed: ${awsCode}: ${e.message ?? String(err)}`, {
      cause: err,
    });
  }
}

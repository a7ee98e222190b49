import { InfraError } from '../errors.ts';
/**
 * Errors of building and pushing a release. RELEASE_BUNDLE_MISSING and RELEASE_BUNDLE_INVALID are the operator's
 * input (exit 2); a failed build or an AWS failure exits 1.
 */
export type ReleaseErrorCode = 'RELEASE_BUILD_FAILED' | 'RELEASE_BUNDLE_MISSING' | 'RELEASE_BUNDLE_INVALID' | 'RELEASE_AWS_REQUEST_FAILED';

export class ReleaseError extends InfraError {
  override readonly name = 'ReleaseError';
  declare readonly code: ReleaseErrorCode;
  constructor(code: ReleaseErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }

  /** An AWS SDK failure of `operation` on `target` (s3://bucket/key), keeping the AWS error name. */
  static from(err: unknown, operation: string, target: string): ReleaseError {
    if (err instanceof ReleaseError) return err;
    const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    // HEAD answers carry no body, so the SDK can only say "UnknownError"; the status says what happened (403: no access).
    const status = e.$metadata?.httpStatusCode === undefined ? '' : ` (HTTP ${e.$metadata.httpStatusCode})`;
    return new ReleaseError('RELEASE_AWS_REQUEST_FAILED', `S3 ${operation} ${target} failed: ${e.name ?? 'Error'}${status}: ${e.message ?? String(err)}`, {
      cause: err,
    });
  }
}

import { InfraError } from '../errors.ts';
/** Errors of the boot helper (`fedgate boot …` on an instance). BOOT_USAGE exits 2, the others 1. */
export type BootHelperErrorCode = 'BOOT_USAGE' | 'BOOT_SECRET_EMPTY' | 'BOOT_AWS_REQUEST_FAILED';

export class BootHelperError extends InfraError {
  override readonly name = 'BootHelperError';
  declare readonly code: BootHelperErrorCode;
  constructor(code: BootHelperErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }

  /** An AWS SDK failure of `operation` on `target`, keeping the AWS error name (never a value). */
  static from(err: unknown, operation: string, target: string): BootHelperError {
    if (err instanceof BootHelperError) return err;
    const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: string; message?: string };
    return new BootHelperError('BOOT_AWS_REQUEST_FAILED', `${operation} ${target} failed: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`, { cause: err });
  }
}

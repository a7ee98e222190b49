import { FedgateError, type ErrorKind } from '@fedgate/topology';

/** Stable codes of every failure `@fedgate/pki` throws; scripts and `--json` output match on these. */
export type PkiErrorCode =
  // The caller asked for something the fleet PKI refuses: fix the input.
  | 'PKI_INVALID_DEVICE_ID'
  | 'PKI_INVALID_APP_NAME'
  | 'PKI_INVALID_USER'
  | 'PKI_INVALID_CLUSTER'
  | 'PKI_INVALID_HOST'
  | 'PKI_INVALID_TTL'
  | 'PKI_INVALID_OPTION'
  // Something on this machine failed or is not as fedgate left it.
  | 'PKI_OPENSSL_MISSING'
  | 'PKI_OPENSSL_FAILED'
  | 'PKI_CA_INCOMPLETE'
  | 'PKI_CA_MISMATCH'
  | 'PKI_SIGNING_KEY_INVALID'
  | 'PKI_FILE_FAILED';

/** The contract's kind (kept under its old name for callers of this package). */
export type PkiErrorKind = ErrorKind;

const KIND: Record<PkiErrorCode, PkiErrorKind> = {
  PKI_INVALID_DEVICE_ID: 'input',
  PKI_INVALID_APP_NAME: 'input',
  PKI_INVALID_USER: 'input',
  PKI_INVALID_CLUSTER: 'input',
  PKI_INVALID_HOST: 'input',
  PKI_INVALID_TTL: 'input',
  PKI_INVALID_OPTION: 'input',
  PKI_OPENSSL_MISSING: 'runtime',
  PKI_OPENSSL_FAILED: 'runtime',
  PKI_CA_INCOMPLETE: 'runtime',
  PKI_CA_MISMATCH: 'runtime',
  PKI_SIGNING_KEY_INVALID: 'runtime',
  PKI_FILE_FAILED: 'runtime',
};

/** The one error `@fedgate/pki` throws. */
export class PkiError extends FedgateError {
  override readonly name = 'PkiError';
  readonly code: PkiErrorCode;
  readonly kind: PkiErrorKind;

  constructor(code: PkiErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.code = code;
    this.kind = KIND[code];
  }

  /**
   * Turns a failed file operation into a PkiError naming what fedgate was doing. Errors that already
   * are one pass through, so a caller can wrap a whole step without double wrapping.
   */
  static from(err: unknown, doing: string): PkiError {
    if (err instanceof PkiError) return err;
    const detail = err instanceof Error ? err.message : String(err);
    return new PkiError('PKI_FILE_FAILED', `${doing}: ${detail}`, { cause: err });
  }
}

import { FedgateError, type ErrorKind } from '@fedgate/topology';

/** Codes a bench failure carries, stable for scripts that read `--json` output. */
export type BenchErrorCode = 'BENCH_INVALID_OPTIONS' | 'BENCH_FLEET_FAILED' | 'BENCH_TIMEOUT' | 'BENCH_PROCESS_FAILED';

/** Any failure of the performance lab; only BENCH_INVALID_OPTIONS is the caller's input. */
export class BenchError extends FedgateError {
  override readonly name = 'BenchError';
  readonly kind: ErrorKind;
  constructor(
    readonly code: BenchErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.kind = code === 'BENCH_INVALID_OPTIONS' ? 'input' : 'runtime';
  }

  /** Wraps an outside failure (a broker, a child process) with what the bench was doing. */
  static from(code: BenchErrorCode, doing: string, cause: unknown): BenchError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new BenchError(code, `${doing}: ${reason}`, { cause });
  }
}

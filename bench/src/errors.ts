/** Codes a bench failure carries, stable for scripts that read `--json` output. */
export type BenchErrorCode = 'BENCH_INVALID_OPTIONS' | 'BENCH_FLEET_FAILED' | 'BENCH_TIMEOUT' | 'BENCH_PROCESS_FAILED';

/** Any failure of the performance lab; the CLI maps BENCH_INVALID_OPTIONS to exit 2 and the rest to exit 1. */
export class BenchError extends Error {
  override readonly name = 'BenchError';
  constructor(readonly code: BenchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** Wraps an outside failure (a broker, a child process) with what the bench was doing. */
  static from(code: BenchErrorCode, doing: string, cause: unknown): BenchError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new BenchError(code, `${doing}: ${reason}`, { cause });
  }
}

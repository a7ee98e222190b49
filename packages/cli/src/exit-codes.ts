import type { ErrorKind } from '@fedgate/topology';

/** Exit codes of every fedgate command (README, Commands). */
export const EXIT_OK = 0;
/** A runtime failure: a broker unreachable, an apply that failed, a link down. */
export const EXIT_FAILURE = 1;
/** Invalid input or usage. */
export const EXIT_USAGE = 2;

/** The only mapping from an error to an exit code: who can fix it. */
export function exitCodeOf(kind: ErrorKind): number {
  return kind === 'input' ? EXIT_USAGE : EXIT_FAILURE;
}

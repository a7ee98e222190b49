/** Exit codes of every fedgate command (DESIGN.md, Conventions). */
export const EXIT_OK = 0;
/** A runtime failure: a broker unreachable, an apply that failed, a link down. */
export const EXIT_FAILURE = 1;
/** Invalid input or usage. */
export const EXIT_USAGE = 2;

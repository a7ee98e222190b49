/**
 * The error contract every fedgate package follows: one base error per package, each with a stable `code` that
 * scripts match on and a `kind` that says who can fix it. The CLI maps the kind to the exit code and nothing else.
 */

/** `input`: the caller can fix it by asking differently (the CLI exits 2); `runtime`: something failed (exit 1). */
export type ErrorKind = 'input' | 'runtime';

/** What every package's base error extends. */
export abstract class FedgateError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ErrorKind;
}

/**
 * True for an error that carries the contract. Checked by shape, not `instanceof`, so an error from a second copy
 * of a package (a bundle, a duplicated dependency) still counts.
 */
export function isFedgateError(err: unknown): err is FedgateError {
  if (!(err instanceof Error)) return false;
  const { code, kind } = err as Partial<FedgateError>;
  return typeof code === 'string' && (kind === 'input' || kind === 'runtime');
}

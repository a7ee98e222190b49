import { FedgateError, type ErrorKind } from '@fedgate/topology';

export type CliErrorCode = 'USAGE' | 'INTERRUPTED' | 'NOT_RUNNING';

/** Base of the errors the CLI itself raises; libraries raise their own, each with its kind. */
export abstract class CliError extends FedgateError {
  abstract override readonly code: CliErrorCode;
}

/** What the user typed cannot work (an unknown gateway, a bad option value, a yargs parse failure); exits 2. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
  readonly kind: ErrorKind = 'input';
  /** A line for people only (e.g. where help is); never part of --json output. */
  readonly hint: string | undefined;

  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, { cause: options.cause });
    this.hint = options.hint;
  }
}

/** A long-running command got a second signal and stops without finishing its shutdown; exits 1. */
export class InterruptedError extends CliError {
  override readonly name = 'InterruptedError';
  readonly code = 'INTERRUPTED';
  readonly kind: ErrorKind = 'runtime';
}

/** A local process the command talks to (a WAN proxy, a node) is not running; exits 1 and says how to start it. */
export class NotRunningError extends CliError {
  override readonly name = 'NotRunningError';
  readonly code = 'NOT_RUNNING';
  readonly kind: ErrorKind = 'runtime';
}

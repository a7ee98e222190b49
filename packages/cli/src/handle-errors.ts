import { MissingCredentialsError, TopologyValidationError } from '@fedgate/topology';
import { maskSecrets } from '@fedgate/broker-config';
import { EXIT_FAILURE, EXIT_USAGE } from './exit-codes.ts';

/** An error the user caused by what they typed; exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}

/** Errors that mean "fix your input" rather than "something failed". */
const USAGE_ERRORS: readonly (abstract new (...args: never[]) => Error)[] = [TopologyValidationError, MissingCredentialsError, UsageError];

/** Maps an error to its exit code and prints it once, masked, to stderr (or as JSON to stdout with --json). */
export function handleErrors(err: unknown, io: CliIo, json: boolean): number {
  const error = err instanceof Error ? err : new Error(String(err));
  const usage = USAGE_ERRORS.some((type) => error instanceof type) || (error as { exitCode?: number }).exitCode === EXIT_USAGE;
  const code = (error as { code?: unknown }).code;
  if (json) {
    io.stdout(JSON.stringify({ ok: false, error: { name: error.name, code: typeof code === 'string' ? code : undefined, message: maskSecrets(error.message) } }) + '\n');
  } else {
    const cause = error.cause instanceof Error && !usage ? `\n  caused by: ${maskSecrets(error.cause.message)}` : '';
    io.stderr(`fedgate: ${maskSecrets(error.message)}${cause}\n`);
  }
  return usage ? EXIT_USAGE : EXIT_FAILURE;
}

/** Where the CLI prints: the process's streams in the bin, buffers in tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

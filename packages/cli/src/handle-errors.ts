import { isFedgateError, maskSecrets, type ErrorKind } from '@fedgate/topology';
import type { CommandContext } from './command.ts';
import { jsonLine } from './emit.ts';
import { exitCodeOf } from './exit-codes.ts';

/** An error as the CLI reports it: the contract's three fields, whatever was thrown. */
interface ReportedError {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly message: string;
}

/**
 * The one place an error becomes output and an exit code: 2 for input errors, 1 for everything else (an error
 * without the contract is a failure nobody foresaw, so runtime). Printed once and masked: with --json as the
 * command's one JSON line on stdout, otherwise on stderr.
 */
export function handleErrors(err: unknown, ctx: Pick<CommandContext, 'io' | 'json'>): number {
  const error = err instanceof Error ? err : new Error(String(err));
  const reported = reportOf(error);
  if (ctx.json) {
    ctx.io.stdout(jsonLine({ ok: false, error: reported }));
  } else {
    const cause = error.cause instanceof Error && reported.kind === 'runtime' ? `\n  caused by: ${maskSecrets(error.cause.message)}` : '';
    const hint = (error as { hint?: unknown }).hint;
    ctx.io.stderr(`fedgate: ${reported.message}${cause}\n${typeof hint === 'string' ? `${hint}\n` : ''}`);
  }
  return exitCodeOf(reported.kind);
}

function reportOf(error: Error): ReportedError {
  const message = maskSecrets(error.message);
  if (isFedgateError(error)) return { code: error.code, kind: error.kind, message };
  // A system error (ENOENT, ECONNREFUSED) keeps its code; anything else is unexpected.
  const code = (error as { code?: unknown }).code;
  return { code: typeof code === 'string' ? code : 'UNEXPECTED', kind: 'runtime', message };
}

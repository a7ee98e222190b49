import { maskSecrets } from '@fedgate/topology';
import type { CommandContext } from './command.ts';
import { EXIT_FAILURE } from './exit-codes.ts';

/** What a command reports: `ok` says whether it did what was asked (false exits 1); the rest is its own. */
export interface CommandResult {
  readonly ok: boolean;
}

/**
 * The one way a command reports its outcome, once. With --json: exactly one line of JSON on stdout, secrets masked,
 * so `fedgate … --json | jq` always has one document. Otherwise `human`, the text people read (the command masks
 * what could hold a secret: masking all of it would also rewrite, say, a URI pattern in the schema).
 */
export function emit<T extends CommandResult>(ctx: CommandContext, result: T, human?: string | (() => string)): void {
  if (ctx.emitted) throw new Error('a command reports its result once');
  ctx.emitted = true;
  if (!result.ok) ctx.exitCode = EXIT_FAILURE;
  if (ctx.json) ctx.io.stdout(jsonLine(result));
  else if (human !== undefined) ctx.io.stdout(typeof human === 'function' ? human() : human);
}

/** One line of JSON with every URI password masked. */
export function jsonLine(value: unknown): string {
  return `${maskSecrets(JSON.stringify(value))}\n`;
}

import type { CommandContext } from './command.ts';
import { processIo, type CliIo } from './cli-io.ts';
import { COMMANDS } from './commands/index.ts';
import { createCommandCli, runCli } from './run-cli.ts';

/** Builds the `fedgate` parser with every command; tests run it in-process with their own io. */
export function createCli(argv: string[], ctx: CommandContext) {
  return createCommandCli(argv, ctx, COMMANDS);
}

/** Runs one invocation and returns the exit code; only the bin calls process.exit. */
export function main(argv: string[], io: CliIo = processIo): Promise<number> {
  return runCli(argv, io, COMMANDS);
}

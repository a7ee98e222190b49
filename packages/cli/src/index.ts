// @fedgate/cli: the `fedgate` command line, also runnable in-process (tests, tools) with an io of one's own.
export { createCli, main } from './main.ts';
export type { CliIo } from './cli-io.ts';
export type { CommandContext } from './command.ts';

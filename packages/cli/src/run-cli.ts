import yargs, { type CommandModule } from 'yargs';
import type { CommandContext, FedgateCommand } from './command.ts';
import { handleErrors, type CliIo } from './handle-errors.ts';
import { EXIT_OK, EXIT_USAGE } from './exit-codes.ts';

/**
 * Builds a `fedgate` parser over `commands`. The CLI passes every command; the release bundle's entries pass one each,
 * so a bundled service carries only that command's code.
 */
export function createCommandCli(argv: string[], ctx: CommandContext, commands: readonly FedgateCommand[]) {
  let cli = yargs(argv)
    .scriptName('fedgate')
    .usage('$0 <command> [options]\n\nCompile, run and operate a gateway/backend RabbitMQ fleet from one topology file.')
    .strict()
    .demandCommand(1, 'Name a command; `fedgate --help` lists them.')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .epilogue('Exit codes: 0 ok, 1 a runtime failure (broker unreachable, apply failed, link down), 2 invalid input or usage.')
    .fail((message, err) => {
      if (err) throw err;
      // A usage problem yargs found: show it with the command's help, exit 2.
      ctx.io.stderr(`fedgate: ${message}\nRun with --help for usage.\n`);
      throw Object.assign(new Error(message), { exitCode: EXIT_USAGE, reported: true });
    });
  for (const command of commands) cli = cli.command(command(ctx) as CommandModule);
  return cli;
}

/** Runs one invocation over `commands` and returns the exit code; only a bin calls process.exit. */
export async function runCli(argv: string[], io: CliIo, commands: readonly FedgateCommand[]): Promise<number> {
  const ctx: CommandContext = { io, exitCode: EXIT_OK };
  const json = argv.includes('--json');
  try {
    await createCommandCli(argv, ctx, commands)
      .exitProcess(false)
      .parseAsync();
    return ctx.exitCode;
  } catch (err) {
    if ((err as { reported?: boolean }).reported) return EXIT_USAGE;
    return handleErrors(err, io, json);
  }
}

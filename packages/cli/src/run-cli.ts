import yargs, { type Argv, type CommandModule } from 'yargs';
import { Parser } from 'yargs/helpers';
import type { CommandContext, FedgateCommand } from './command.ts';
import type { CliIo } from './cli-io.ts';
import { UsageError } from './cli-errors.ts';
import { handleErrors } from './handle-errors.ts';
import { EXIT_OK } from './exit-codes.ts';

/**
 * Builds a `fedgate` parser over `commands`. The CLI passes every command; the release bundle's entries pass one each,
 * so a bundled service carries only that command's code.
 */
export function createCommandCli(argv: string[], ctx: CommandContext, commands: readonly FedgateCommand[]): Argv {
  let cli = yargs(argv)
    .scriptName('fedgate')
    .usage('$0 <command> [options]\n\nCompile, run and operate a gateway/backend RabbitMQ fleet from one topology file.')
    .option('json', { type: 'boolean', default: false, global: true, describe: 'Print the result, or the error, as one line of JSON on stdout' })
    // Before validation, so a command refused for a bad option still answers in JSON.
    .middleware((args) => void (ctx.json = args.json === true), true)
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
      // A usage problem yargs found: it goes the way of every other error (handleErrors), exit 2.
      throw new UsageError(message, { hint: 'Run with --help for usage.' });
    });
  for (const command of commands) cli = cli.command(command(ctx) as CommandModule);
  return cli;
}

/** Runs one invocation over `commands` and returns the exit code; only a bin calls process.exit. */
export async function runCli(argv: string[], io: CliIo, commands: readonly FedgateCommand[]): Promise<number> {
  // Until yargs has parsed (and the middleware has read --json), ask the parser yargs uses: that is the answer for
  // a failure before parsing completed, e.g. an unknown command.
  const ctx: CommandContext = { io, json: jsonRequested(argv), exitCode: EXIT_OK, emitted: false };
  try {
    await createCommandCli(argv, ctx, commands).exitProcess(false).parseAsync();
    return ctx.exitCode;
  } catch (err) {
    return handleErrors(err, ctx);
  }
}

/** `--json` as yargs reads it (`--json`, `--json=true`, `--no-json`), without the command tree. */
function jsonRequested(argv: readonly string[]): boolean {
  return Parser([...argv], { boolean: ['json'] }).json === true;
}

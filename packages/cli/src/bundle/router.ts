/** Release bundle entry: `fedgate router` alone, so the bundle carries the router and nothing else of the CLI. */
import { processIo } from '../handle-errors.ts';
import { routerCommand } from '../commands/router.ts';
import { runCli } from '../run-cli.ts';

process.exitCode = await runCli(process.argv.slice(2), processIo, [routerCommand]);

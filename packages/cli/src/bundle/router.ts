/** Release bundle entry: `fedgate router` alone, so the bundle carries the router and nothing else of the CLI. */
import { processIo } from '../cli-io.ts';
import { routerCommand } from '../commands/router.ts';
import { runCli } from '../run-cli.ts';

// This bundle's bin: the one place it exits (a second signal must not wait for open sockets).
process.exit(await runCli(process.argv.slice(2), processIo, [routerCommand]));

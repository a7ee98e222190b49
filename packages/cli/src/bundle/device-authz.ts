/** Release bundle entry: `fedgate device-authz` alone, the device authorisation endpoint on TLS gateway nodes. */
import { processIo } from '../cli-io.ts';
import { deviceAuthzCommand } from '../commands/device-authz.ts';
import { runCli } from '../run-cli.ts';

// This bundle's bin: the one place it exits (a second signal must not wait for open sockets).
process.exit(await runCli(process.argv.slice(2), processIo, [deviceAuthzCommand]));

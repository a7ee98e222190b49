/** Release bundle entry: `fedgate device-authz` alone, the device authorisation endpoint on TLS gateway nodes. */
import { processIo } from '../handle-errors.ts';
import { deviceAuthzCommand } from '../commands/device-authz.ts';
import { runCli } from '../run-cli.ts';

process.exitCode = await runCli(process.argv.slice(2), processIo, [deviceAuthzCommand]);

/** Release bundle entry: `fedgate gateway-health` alone, the health service Route53 probes on gateway nodes. */
import { processIo } from '../cli-io.ts';
import { gatewayHealthCommand } from '../commands/gateway-health.ts';
import { runCli } from '../run-cli.ts';

// This bundle's bin: the one place it exits (a second signal must not wait for open sockets).
process.exit(await runCli(process.argv.slice(2), processIo, [gatewayHealthCommand]));

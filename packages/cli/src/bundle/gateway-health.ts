/** Release bundle entry: `fedgate gateway-health` alone, the health service Route53 probes on gateway nodes. */
import { processIo } from '../handle-errors.ts';
import { gatewayHealthCommand } from '../commands/gateway-health.ts';
import { runCli } from '../run-cli.ts';

process.exitCode = await runCli(process.argv.slice(2), processIo, [gatewayHealthCommand]);

import type { Argv } from 'yargs';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { emit } from '../emit.ts';

export const localCommand: FedgateCommand = (ctx) => ({
  command: 'local <action>',
  describe: "Run the topology's fleet on this machine: one RabbitMQ node per cluster under .fedgate/",
  builder: (y: Argv) =>
    withTopologyFile(y)
      .positional('action', { choices: ['up', 'down', 'status'] as const, describe: 'up: start and load definitions; down: stop; status: report' })
      .example('$0 local up', 'Start the local fleet of infra/topologies/local.yaml')
      .example('$0 local status --json', 'Where each cluster listens, for scripts')
      .example('$0 local down', 'Stop every node `up` started'),
  handler: async (argv: { action: 'up' | 'down' | 'status'; file: string }) => {
    // Loaded lazily: only these commands need the node and process machinery.
    const { upFleet, downFleet, fleetStatus } = await import('@fedgate/local-cluster');
    const progress = (line: string) => ctx.io.stderr(`${line}\n`);
    if (argv.action === 'up') {
      const fleet = await upFleet(argv.file, { onProgress: progress });
      emit(ctx, { ok: true, alreadyRunning: fleet.alreadyRunning, clusters: fleet.clusters }, () =>
        fleet.alreadyRunning
          ? 'the fleet is already running\n'
          : `fleet up: ${fleet.clusters.map((c) => c.name).join(', ')}\nstop it with: npx fedgate local down -f ${argv.file}\n`,
      );
    } else if (argv.action === 'down') {
      const { stopped } = await downFleet(argv.file, { onProgress: progress });
      emit(ctx, { ok: true, stopped }, stopped.length === 0 ? 'nothing was running\n' : `stopped: ${stopped.join(', ')}\n`);
    } else {
      const clusters = await fleetStatus(argv.file);
      emit(ctx, { ok: clusters.every((c) => c.running), clusters }, () =>
        clusters
          .map(
            (c) =>
              `${c.name.padEnd(12)} ${c.role.padEnd(8)} ${c.running ? 'running' : 'stopped'}  ${c.rabbitmqVersion ? `RabbitMQ ${c.rabbitmqVersion} Erlang ${c.erlangVersion}  ` : ''}${[c.amqpUrl, c.managementUrl, c.mqttUrl, c.stompUrl].filter(Boolean).join('  ')}\n`,
          )
          .join(''),
      );
    }
  },
});

import type { Argv } from 'yargs';
import { maskSecrets } from '@fedgate/topology';
import { compileCluster } from '@fedgate/broker-config';
import { restartLinks, type LinkDirection } from '@fedgate/broker-admin';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { emit } from '../emit.ts';
import { gatewayAdmin } from '../gateway-admin.ts';

const DIRECTIONS = { down: 'downlink', up: 'uplink', presence: 'presence' } as const satisfies Record<string, LinkDirection>;

interface RestartArgs {
  file: string;
  gateway: string;
  direction?: keyof typeof DIRECTIONS;
  recreate: boolean;
  dryRun: boolean;
  wait: number;
}

export const linkCommand: FedgateCommand = (ctx) => ({
  command: 'link <command>',
  describe: 'Operate the links between a gateway and the backend (shovels, federation)',
  builder: (y: Argv) =>
    y
      .command({
        command: 'restart <gateway>',
        describe: "Restart a gateway's links (all, or one direction) and wait until they run again",
        builder: (r: Argv) =>
          withTopologyFile(r)
            .positional('gateway', { type: 'string', demandOption: true, describe: 'Gateway name from the topology' })
            .option('direction', {
              choices: Object.keys(DIRECTIONS) as (keyof typeof DIRECTIONS)[],
              describe: 'Only this link: down (commands), up (events) or presence',
            })
            .option('recreate', {
              type: 'boolean',
              default: false,
              describe: "Delete and re-declare the link's parameter (and federation policy) from the topology instead of restarting it",
            })
            .option('dry-run', { type: 'boolean', default: false, describe: 'Say which links would restart; change nothing' })
            .option('wait', { type: 'number', default: 30, describe: 'Seconds to wait for the links to report running (0: do not wait)' })
            .example('$0 link restart eu --direction down', 'Restart the downlink of gateway eu')
            .example('$0 link restart eu --direction down --recreate', 'Re-create a downlink whose shovel is missing or stuck')
            .epilogue('Exits 1 when a link does not report running within --wait seconds.'),
        handler: (argv: RestartArgs) => restart(ctx, argv),
      })
      .demandCommand(1, 'Name a link command: restart.'),
  handler: () => {},
});

async function restart(ctx: Parameters<FedgateCommand>[0], argv: RestartArgs): Promise<void> {
  const { topology, gw, secrets, client, compileOptions } = await gatewayAdmin(argv.file, argv.gateway);
  const results = await restartLinks(topology, gw, client, {
    ...(argv.direction ? { directions: [DIRECTIONS[argv.direction]] } : {}),
    ...(argv.recreate ? { recreateFrom: compileCluster(topology, gw, secrets, compileOptions).definitions } : {}),
    dryRun: argv.dryRun,
    waitMs: Math.max(0, argv.wait) * 1000,
    onProgress: (line) => ctx.io.stderr(`${line}\n`),
  });
  const ok = argv.dryRun || argv.wait <= 0 || results.every((r) => r.after === 'running');
  const human = results.map((r) => {
    const verb = argv.dryRun ? `would ${r.action}` : r.action === 'restart' ? 'restarted' : 're-created';
    const after = r.after === undefined ? '' : ` → ${r.after}${r.reason ? ` (${maskSecrets(r.reason)})` : ''}`;
    return `${r.after === undefined || r.after === 'running' ? 'ok  ' : 'DOWN'} ${gw.name}: ${verb} ${r.direction} ${r.kind} ${r.name} (was ${r.before})${after}\n`;
  });
  emit(ctx, { ok, dryRun: argv.dryRun, links: results }, human.join(''));
}

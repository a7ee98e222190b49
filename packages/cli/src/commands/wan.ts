import { join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { loadTopology } from '@fedgate/topology';
import type { WanProxyState } from '@fedgate/local-cluster';
import { withTopologyFile, type CommandContext, type FedgateCommand } from '../command.ts';
import { NotRunningError, UsageError } from '../cli-errors.ts';
import { emit } from '../emit.ts';
import { findGateway } from '../gateway-admin.ts';

/** The process machinery loads only for `fedgate wan …`. */
const loadLocal = () => import('@fedgate/local-cluster');

interface WanArgs {
  file: string;
  gateway: string;
}

export const wanCommand: FedgateCommand = (ctx) => ({
  command: 'wan <command>',
  describe: "Local mode: the WAN simulator between each gateway's links and the backend (latency, jitter, partitions)",
  builder: (y: Argv) =>
    y
      .command({
        command: 'status',
        describe: 'Each WAN proxy: its conditions and traffic',
        builder: (s: Argv) => withTopologyFile(s).example('$0 wan status -f test/fixtures/drill-fleet.yaml', "Conditions of every gateway's link"),
        handler: (argv: Omit<WanArgs, 'gateway'>) => status(ctx, argv),
      })
      .command({
        command: 'partition <gateway>',
        describe: 'Cut a gateway off the backend until `fedgate wan heal`',
        builder: (p: Argv) =>
          withTopologyFile(p)
            .positional('gateway', { type: 'string', demandOption: true, describe: 'Gateway name from the topology' })
            .option('mode', {
              choices: ['reset', 'blackhole'] as const,
              default: 'reset' as const,
              describe: 'reset: connections are reset and refused; blackhole: nothing passes, connections hang',
            })
            .example('$0 wan partition eu -f test/fixtures/drill-fleet.yaml', 'Partition gateway eu from the backend'),
        handler: (argv: WanArgs & { mode: 'reset' | 'blackhole' }) => change(ctx, argv, { partition: argv.mode }),
      })
      .command({
        command: 'heal <gateway>',
        describe: 'End a partition',
        builder: (h: Argv) =>
          withTopologyFile(h)
            .positional('gateway', { type: 'string', demandOption: true, describe: 'Gateway name from the topology' })
            .example('$0 wan heal eu -f test/fixtures/drill-fleet.yaml', 'Reconnect gateway eu'),
        handler: (argv: WanArgs) => change(ctx, argv, { partition: null }),
      })
      .command({
        command: 'set <gateway>',
        describe: "Change the latency and jitter of a gateway's link",
        builder: (s: Argv) =>
          withTopologyFile(s)
            .positional('gateway', { type: 'string', demandOption: true, describe: 'Gateway name from the topology' })
            .option('latency-ms', { type: 'number', describe: 'Delay added in each direction, in milliseconds' })
            .option('jitter-ms', { type: 'number', describe: 'Up to this much more per chunk, in milliseconds' })
            .example('$0 wan set us --latency-ms 120 --jitter-ms 30 -f test/fixtures/drill-fleet.yaml', 'A transatlantic link'),
        handler: (argv: WanArgs & { latencyMs?: number; jitterMs?: number }) => {
          if (argv.latencyMs === undefined && argv.jitterMs === undefined) throw new UsageError('give --latency-ms, --jitter-ms or both');
          return change(ctx, argv, {
            ...(argv.latencyMs === undefined ? {} : { latencyMs: argv.latencyMs }),
            ...(argv.jitterMs === undefined ? {} : { jitterMs: argv.jitterMs }),
          });
        },
      })
      .demandCommand(1, 'Name a wan command: status, partition, heal or set.')
      .epilogue('The proxies run for gateways with `wan` in the topology; `fedgate local up` starts them and `local down` stops them.'),
  handler: () => {},
});

/** Where `fedgate local` keeps this topology's fleet (the default state directory). */
function stateDir(topologyName: string): string {
  return resolve(join('.fedgate', topologyName));
}

async function change(ctx: CommandContext, argv: WanArgs, wanted: Record<string, unknown>): Promise<void> {
  const local = await loadLocal();
  const { topology, gw } = await findGateway(argv.file, argv.gateway);
  if (!gw.wan) throw new UsageError(`gateway "${gw.name}" in ${argv.file} has no wan section, so its links do not go through a WAN proxy`);
  // Checked before asking the proxy: out-of-range conditions are input (exit 2) whether or not it runs.
  local.applyWanChange(local.WHOLE_LINK, wanted);
  if (!(await local.readWanProxy(stateDir(topology.name), gw.name))) {
    throw new NotRunningError(`the WAN proxy of ${gw.name} is not running; start the fleet with \`fedgate local up -f ${argv.file}\``);
  }
  const state = await local.changeWanProxy(stateDir(topology.name), gw.name, wanted);
  emit(ctx, { ok: true, ...state }, () => describe(state));
}

async function status(ctx: CommandContext, argv: Omit<WanArgs, 'gateway'>): Promise<void> {
  const local = await loadLocal();
  const { topology } = await loadTopology(argv.file);
  const specs = local.wanProxySpecs(topology);
  if (specs.length === 0) throw new UsageError(`no gateway in ${argv.file} has a wan section`);
  const proxies = await Promise.all(
    specs.map(async (spec) => ({ gateway: spec.gateway, state: await local.readWanProxy(stateDir(topology.name), spec.gateway) })),
  );
  emit(ctx, { ok: proxies.every((p) => p.state), proxies: proxies.map((p) => p.state ?? { gateway: p.gateway, running: false }) }, () =>
    proxies.map((p) => (p.state ? describe(p.state) : `${p.gateway}: WAN proxy not running (fedgate local up -f ${argv.file})\n`)).join(''),
  );
}

function describe(state: WanProxyState): string {
  const c = state.conditions;
  const link = c.partition ? `PARTITIONED (${c.partition})` : `${c.latencyMs} ms ± ${c.jitterMs} ms each way`;
  return `${state.gateway}: ${link}; ${state.listen} → ${state.targets.join(', ')}; ${state.stats.open} connection(s) open, ${state.stats.bytesForwarded} bytes forwarded\n`;
}

import type { Argv } from 'yargs';
import type { Gateway } from '@fedgate/topology';
import {
  drainDevices,
  normalizeConnectionLimit,
  normalizeDrainOptions,
  readConnectionLimits,
  setConnectionLimit,
  DEFAULT_DRAIN_BATCH_SIZE,
  DEFAULT_DRAIN_PAUSE_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  LIMIT_SCOPES,
  type ConnectionLimits,
  type LimitScope,
} from '@fedgate/broker-admin';
import { withTopologyFile, type CommandContext, type FedgateCommand } from '../command.ts';
import { UsageError } from '../cli-errors.ts';
import { emit } from '../emit.ts';
import { findGateway, gatewayAdmin } from '../gateway-admin.ts';
import { evacuateGateway, type EvacuateArgs } from '../evacuate-gateway.ts';

interface LimitArgs {
  file: string;
  gateway: string;
  maxConnections?: number;
  reset?: boolean;
  scope: LimitScope;
  dryRun: boolean;
}

interface DrainArgs {
  file: string;
  gateway: string;
  batchSize: number;
  pauseMs: number;
  timeoutSeconds: number;
  dryRun: boolean;
}

export const gatewayCommand: FedgateCommand = (ctx) => ({
  command: 'gateway <command>',
  describe: 'Protect a gateway from its devices (connection limits, graceful drains) and move commands off a lost one',
  builder: (y: Argv) =>
    y
      .command({
        command: 'limit <gateway>',
        describe: 'Show or set how many device connections a gateway admits',
        builder: (l: Argv) =>
          withTopologyFile(l)
            .positional('gateway', { type: 'string', demandOption: true, describe: 'Gateway name from the topology' })
            .option('max-connections', { type: 'number', describe: 'New limit: 0 admits no new connection, -1 removes the limit' })
            .option('reset', {
              type: 'boolean',
              describe: "Back to normal: no device limit (--scope devices) or the topology's maxConnections (--scope vhost)",
            })
            .option('scope', {
              choices: LIMIT_SCOPES,
              default: 'devices' as LimitScope,
              describe: 'devices: the device user (survives restarts, never blocks links); vhost: every connection, links included',
            })
            .option('dry-run', { type: 'boolean', default: false, describe: 'Show the change; make none' })
            .conflicts('max-connections', 'reset')
            .example('$0 gateway limit eu', 'Show the limits and how many devices are connected')
            .example('$0 gateway limit eu --max-connections 0', 'Admit no new device; connected ones stay')
            .example('$0 gateway limit eu --max-connections 2000', 'Let devices back in, up to 2,000')
            .example('$0 gateway limit eu --reset', 'Remove the device limit')
            .epilogue('Existing connections are never closed by a limit; `fedgate gateway drain` closes them.'),
        handler: (argv: LimitArgs) => limit(ctx, argv),
      })
      .command({
        command: 'evacuate <gateway>',
        describe: 'Move the commands waiting for a lost gateway to the gateways their devices reconnected to',
        builder: (e: Argv) =>
          withTopologyFile(e)
            .positional('gateway', { type: 'string', demandOption: true, describe: 'The lost gateway, from the topology' })
            .option('timeout-seconds', { type: 'number', default: 300, describe: 'Give up after this long; what could not be placed goes back to the queue' })
            .example('$0 gateway evacuate eu', "Send what waits in eu's outbox to where each device is now")
            .epilogue(
              "Routers do this by themselves once a gateway's downlink has consumed nothing for routing.evacuateAfterSeconds. " +
                'A command whose device has not reconnected elsewhere stays; exit 1 then, and run it again later.',
            ),
        handler: (argv: EvacuateArgs) => evacuateGateway(ctx, argv),
      })
      .command({
        command: 'drain <gateway>',
        describe: 'Admit no new device, then close device connections in batches until none is left',
        builder: (d: Argv) =>
          withTopologyFile(d)
            .positional('gateway', { type: 'string', demandOption: true, describe: 'Gateway name from the topology' })
            .option('batch-size', { type: 'number', default: DEFAULT_DRAIN_BATCH_SIZE, describe: 'Connections closed per batch' })
            .option('pause-ms', { type: 'number', default: DEFAULT_DRAIN_PAUSE_MS, describe: 'Pause between batches, in milliseconds' })
            .option('timeout-seconds', {
              type: 'number',
              default: DEFAULT_DRAIN_TIMEOUT_MS / 1000,
              describe: 'Give up after this long and report what is left',
            })
            .option('dry-run', { type: 'boolean', default: false, describe: 'Count the device connections; change nothing' })
            .example('$0 gateway drain eu', 'Drain gateway eu in batches of 200, one per second')
            .example('$0 gateway drain eu --batch-size 1000 --pause-ms 500', 'Drain faster')
            .epilogue(
              'Run `fedgate dns drain GATEWAY` first in production, so devices reconnect to another region. The device limit stays 0 ' +
                "after the drain (and across restarts); `fedgate gateway limit GATEWAY --reset` lets devices back. fedgate's links and " +
                'STOMP apps logged in as the administrator are not closed.',
            ),
        handler: (argv: DrainArgs) => drain(ctx, argv),
      })
      .demandCommand(1, 'Name a gateway command: limit or drain.'),
  handler: () => {},
});

/**
 * The device limit and the drain act on the shared device user of a plain gateway. A TLS gateway has none (each
 * device logs in as itself), so saying "done" there would admit and keep every device: refuse instead.
 */
function refuseWithoutSharedDeviceUser(gw: Gateway): void {
  if (gw.tls) {
    throw new UsageError(
      `${gw.name} speaks TLS: its devices log in with their own certificates, so there is no shared device user to limit or drain; ` +
        'use --scope vhost for a limit (it also counts the links)',
    );
  }
}

const shown = (limit: number | null) => (limit === null ? 'none' : String(limit));

async function limit(ctx: CommandContext, argv: LimitArgs): Promise<void> {
  const wanted = argv.maxConnections === undefined ? undefined : normalizeConnectionLimit(argv.maxConnections);
  if ((wanted !== undefined || argv.reset) && argv.scope === 'devices') refuseWithoutSharedDeviceUser((await findGateway(argv.file, argv.gateway)).gw);
  const { topology, gw, client } = await gatewayAdmin(argv.file, argv.gateway);
  if (wanted === undefined && !argv.reset) {
    const now = await readConnectionLimits(client, topology.vhost);
    emit(ctx, { ok: true, gateway: gw.name, limits: now, topologyMaxConnections: gw.maxConnections }, () => describeLimits(gw.name, now, gw.maxConnections));
    return;
  }
  // --reset: devices have no limit of their own normally; the vhost's normal limit is the topology's.
  const target = argv.reset ? (argv.scope === 'devices' ? null : gw.maxConnections) : wanted!;
  const { before, after } = await setConnectionLimit(client, topology.vhost, argv.scope, target, { dryRun: argv.dryRun });
  const what = argv.scope === 'devices' ? 'device limit' : 'vhost limit';
  emit(
    ctx,
    { ok: true, dryRun: argv.dryRun, gateway: gw.name, scope: argv.scope, before, after },
    () =>
      `${gw.name}: ${what} ${shown(before[argv.scope])} → ${shown(target)}${argv.dryRun ? ' (dry run: nothing changed)' : ''}\n` +
      describeLimits(gw.name, after, gw.maxConnections),
  );
}

function describeLimits(gateway: string, limits: ConnectionLimits, topologyMax: number): string {
  return (
    `${gateway}: ${limits.deviceConnections} device connection(s) open; device limit ${shown(limits.devices)}; ` +
    `vhost limit ${shown(limits.vhost)} (topology maxConnections ${topologyMax})\n`
  );
}

async function drain(ctx: CommandContext, argv: DrainArgs): Promise<void> {
  const options = normalizeDrainOptions({ batchSize: argv.batchSize, pauseMs: argv.pauseMs, timeoutMs: argv.timeoutSeconds * 1000, dryRun: argv.dryRun });
  refuseWithoutSharedDeviceUser((await findGateway(argv.file, argv.gateway)).gw);
  const { topology, gw, client } = await gatewayAdmin(argv.file, argv.gateway);
  if (!argv.dryRun) ctx.io.stderr(`${gw.name}: device limit → 0; closing device connections in batches of ${options.batchSize}\n`);
  const report = await drainDevices(client, topology.vhost, {
    ...options,
    onProgress: (p) =>
      ctx.io.stderr(
        `${gw.name}: batch ${p.batch}: ${p.closed} closed so far, ${p.remaining} still open` +
          `${p.notYetListed > 0 ? ` (${p.notYetListed} too new to close yet; next batch)` : ''}\n`,
      ),
  });
  emit(ctx, { ok: true, gateway: gw.name, ...report }, () =>
    report.dryRun
      ? `${gw.name}: ${report.found} device connection(s) would be closed (dry run: nothing changed)\n`
      : `${gw.name}: drained — closed ${report.closed} device connection(s) in ${report.batches} batch(es), ${(report.elapsedMs / 1000).toFixed(1)} s; ` +
        `no device can connect until \`fedgate gateway limit ${gw.name} --reset\` (device limit before: ${shown(report.previousDeviceLimit)})\n`,
  );
}

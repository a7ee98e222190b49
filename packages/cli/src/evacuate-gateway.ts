import { ROUTER_USER, loadTopology, resolveSecrets } from '@fedgate/topology';
import { clusterAmqpUri } from '@fedgate/broker-config';
import type { CommandContext } from './command.ts';
import { emit } from './emit.ts';
import { UsageError } from './cli-errors.ts';
import { routerCredentials } from './commands/router.ts';

export interface EvacuateArgs {
  file: string;
  gateway: string;
  timeoutSeconds: number;
}

/**
 * `fedgate gateway evacuate GW`: what routers do by themselves once a gateway stays lost, by hand — every command
 * waiting in GW's downlink queue goes to the gateway its device is at now. Runs a router that routes nothing new
 * (same credentials, same directory rebuild) until the queue is empty or the time is up; what it could not place
 * goes back to the queue.
 */
export async function evacuateGateway(ctx: CommandContext, argv: EvacuateArgs): Promise<void> {
  const [{ RouterService }, { pino }] = await Promise.all([import('@fedgate/router'), import('pino')]);
  const { topology } = await loadTopology(argv.file);
  if (!topology.gateways.some((g) => g.name === argv.gateway)) throw new UsageError(`no gateway "${argv.gateway}" in ${argv.file}`);
  if (!(argv.timeoutSeconds >= 1)) throw new UsageError(`--timeout-seconds must be at least 1, got ${argv.timeoutSeconds}`);
  const secrets = await resolveSecrets(topology, argv.file, process.env, routerCredentials(topology));
  const router = new RouterService(
    {
      amqpUrl: clusterAmqpUri(topology.backend, topology.vhost, { user: ROUTER_USER, password: secrets.password(topology.backend.name, ROUTER_USER) }),
      topology,
      httpPort: 0,
      httpHost: '127.0.0.1',
      routeCommands: false,
      snapshotIntervalMs: 0,
    },
    pino({ level: 'warn' }),
  );
  await router.start();
  const started = performance.now();
  try {
    const evacuator = router.evacuate(argv.gateway);
    const deadline = Date.now() + argv.timeoutSeconds * 1000;
    let last = '';
    for (;;) {
      const c = evacuator.counts;
      const line = `evacuating ${argv.gateway}: ${c.moved} moved, ${c.expired} expired, ${c.holding} waiting for their device to appear elsewhere`;
      if (!ctx.json && line !== last) ctx.io.stderr(`${line}\n`);
      last = line;
      if ((c.queueEmpty && c.holding === 0) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const { moved, expired, holding } = evacuator.counts;
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    const ok = holding === 0;
    emit(
      ctx,
      { ok, gateway: argv.gateway, moved, expired, returned: holding, seconds },
      ok
        ? `${argv.gateway}: ${moved} command(s) moved to where their devices are, ${expired} expired (dead-lettered), in ${seconds} s\n`
        : `${argv.gateway}: ${moved} moved, ${expired} expired; ${holding} went back to its queue (their devices have not reconnected elsewhere yet); run again later\n`,
    );
  } finally {
    await router.stop();
  }
}

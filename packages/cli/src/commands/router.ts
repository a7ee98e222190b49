import { ROUTER_USER, type CredentialRef, type Topology } from '@fedgate/topology';
import { clusterAmqpUri } from '@fedgate/broker-config';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { fleetAccess } from '../fleet-access.ts';
import { InterruptedError } from '../cli-errors.ts';
import { emit } from '../emit.ts';

export const routerCommand: FedgateCommand = (ctx) => ({
  command: 'router',
  describe: 'Run the location-aware router: each command goes only to the gateway where its device is connected',
  builder: (y) =>
    withTopologyFile(y)
      .option('port', { type: 'number', default: 9464, describe: 'HTTP port for /metrics, /healthz and /readyz' })
      .option('prefetch', { type: 'number', default: 256, describe: 'Commands in flight per instance' })
      .option('log-level', { type: 'string', default: 'info', choices: ['debug', 'info', 'warn', 'error'] as const })
      .example('$0 router', 'Route for the local fleet; logs JSON lines on stdout')
      .epilogue(
        'Run several instances for throughput and availability: they share fedgate.router as competing consumers. SIGTERM drains gracefully; a second signal exits at once. ' +
          "Reads only FEDGATE_<BACKEND>_ROUTER_PASSWORD; with TLS it trusts the CAs of the system store plus NODE_EXTRA_CA_CERTS (the fleet CA on AWS instances), and a local fleet's own CA.",
      ),
  handler: async (argv: { file: string; port: number; prefetch: number; logLevel: string }) => {
    const [{ RouterService }, { pino, destination }] = await Promise.all([import('@fedgate/router'), import('pino')]);
    const { topology, secrets, amqpTls } = await fleetAccess(argv.file, routerCredentials);
    // With --json stdout carries only the result line, so the log lines go to stderr.
    const logOptions = { level: argv.logLevel, redact: ['amqpUrl', '*.password'] };
    const log = ctx.json ? pino(logOptions, destination(2)) : pino(logOptions);
    const tls = amqpTls(topology.backend);
    const router = new RouterService(
      {
        amqpUrl: clusterAmqpUri(topology.backend, topology.vhost, { user: ROUTER_USER, password: secrets.password(topology.backend.name, ROUTER_USER) }),
        ...(tls.ca ? { tls } : {}),
        topology,
        httpPort: argv.port,
        prefetch: argv.prefetch,
      },
      log,
    );
    let signals = 0;
    const stopped = new Promise<string>((resolve, reject) => {
      const onSignal = (signal: string) => {
        // A second signal gives up on draining: the handler fails with it and the bin exits at once.
        if (++signals > 1) {
          log.warn({ signal }, 'second signal: exiting now');
          return reject(new InterruptedError(`router: second ${signal}, exiting without draining`));
        }
        void router.stop().then(() => resolve(signal), reject);
      };
      process.on('SIGTERM', () => onSignal('SIGTERM'));
      process.on('SIGINT', () => onSignal('SIGINT'));
    });
    await router.start();
    ctx.io.stderr(`router ready: metrics on http://127.0.0.1:${router.httpPort}/metrics\n`);
    const signal = await stopped;
    emit(ctx, { ok: true, stoppedBy: signal });
  },
});

/** The only credential the router uses: its own user on the backend (it reads gateway health over that connection). */
export function routerCredentials(topology: Topology): CredentialRef[] {
  return [{ cluster: topology.backend.name, user: ROUTER_USER }];
}

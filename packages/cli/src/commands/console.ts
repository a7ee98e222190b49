import type { Cluster } from '@fedgate/topology';
import { linkBackendEndpoint } from '@fedgate/broker-config';
import { fleetAccess } from '../fleet-access.ts';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { UsageError } from '../cli-errors.ts';

/** Where `fedgate console` listens unless told otherwise. */
export const DEFAULT_CONSOLE_PORT = 8091;

interface ConsoleArgs {
  file: string;
  port: number;
  host: string;
  router?: string;
  refresh: number;
}

export const consoleCommand: FedgateCommand = (ctx) => ({
  command: 'console',
  describe: 'A live, read-only web page of the fleet: clusters, versions, health, links (state, canary, depth), devices per gateway, router rates',
  builder: (y) =>
    withTopologyFile(y)
      .option('port', { type: 'number', default: DEFAULT_CONSOLE_PORT, describe: 'Listen port (0: any free port)' })
      .option('host', {
        type: 'string',
        default: '127.0.0.1',
        describe: 'Listen address; the page has no login, so keep it on loopback or behind your own proxy',
      })
      .option('router', { type: 'string', describe: "A router's metrics URL (http://host:9464/metrics) for its rates" })
      .option('refresh', { type: 'number', default: 5, describe: 'Seconds between refreshes (each runs a canary across every link, as fedgate status)' })
      .example('$0 console', 'Watch the local fleet at http://127.0.0.1:8091/')
      .example('$0 console --router http://127.0.0.1:9464/metrics', "With the demo router's rates")
      .epilogue('Uses the same credentials as fedgate status (the administrator of each cluster). Stop with Ctrl-C.'),
  handler: async (argv: ConsoleArgs) => {
    if (!Number.isFinite(argv.refresh) || argv.refresh < 1) throw new UsageError(`invalid --refresh ${argv.refresh}: at least 1 second`);
    const { startConsoleServer, collectConsoleSnapshot, routerRatesReader } = await import('@fedgate/web');
    let routerRates;
    try {
      routerRates = argv.router === undefined ? undefined : routerRatesReader(argv.router);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const { topology, adminFor, amqpTls } = await fleetAccess(argv.file);
    const { backend } = topology;
    const ca = amqpTls(backend).ca?.[0];
    const server = await startConsoleServer({
      host: argv.host,
      port: argv.port,
      refreshMs: argv.refresh * 1000,
      onError: (err) => ctx.io.stderr(`console: refresh failed: ${err.message}\n`),
      collect: () =>
        collectConsoleSnapshot({
          topology,
          adminFor: (c: Cluster) => adminFor(c),
          linkEndpoint: (gw) => (backend.tls ? { ...linkBackendEndpoint(backend, gw), ...(ca === undefined ? {} : { ca }) } : undefined),
          ...(routerRates ? { routerRates } : {}),
          canaryTimeoutMs: Math.min(5_000, argv.refresh * 1000),
        }),
    });
    ctx.io.stdout(`${server.url}\n`);
    ctx.io.stderr(`console for topology "${topology.name}": refreshes every ${argv.refresh} s while a page is open; stop with Ctrl-C\n`);
    await new Promise<void>((resolve) => {
      const stop = () => void server.close().then(resolve);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
  },
});

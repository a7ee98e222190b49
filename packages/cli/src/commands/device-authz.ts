import { authzPort, loadTopology } from '@fedgate/topology';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { UsageError } from '../cli-errors.ts';

export const deviceAuthzCommand: FedgateCommand = (ctx) => ({
  command: 'device-authz',
  describe: "Serve the device authorisation endpoint a TLS gateway node's RabbitMQ asks (HTTP auth backend) on 127.0.0.1:<ports.authz>",
  builder: (y) =>
    withTopologyFile(y)
      .option('gateway', { type: 'string', demandOption: true, describe: 'Gateway name (a gateway with tls: true)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Listen address: the node itself is the only one that asks' })
      .example('$0 device-authz --gateway us -f /etc/fedgate/topology.yaml', 'On a gateway node: answer its broker for devices of the fleet vhost')
      .epilogue(
        'Reads no secret: every decision is an exact rule on the certificate identity the broker passes. `fedgate local up` runs one per local TLS gateway node itself.',
      ),
  handler: async (argv: { file: string; gateway: string; host: string }) => {
    const { topology } = await loadTopology(argv.file);
    const gateway = topology.gateways.find((g) => g.name === argv.gateway);
    if (!gateway) throw new UsageError(`no gateway "${argv.gateway}" in ${argv.file} (gateways: ${topology.gateways.map((g) => g.name).join(', ')})`);
    if (!gateway.tls) throw new UsageError(`gateway "${gateway.name}" has tls: false: its devices share a broker login and no authorisation endpoint is asked`);
    // Loaded here so the rest of the CLI does not pay for it.
    const { startDeviceAuthzServer } = await import('@fedgate/device-authz');
    const log = (fields: Record<string, unknown>) => ctx.io.stderr(`${JSON.stringify({ time: new Date().toISOString(), gateway: gateway.name, ...fields })}\n`);
    const server = await startDeviceAuthzServer({
      policy: { vhost: topology.vhost },
      host: argv.host,
      port: authzPort(gateway),
      // Denials are attacks or bugs: each is logged (names only; the broker sends no device password).
      onDecision: (question, user, decision) => {
        if (!decision.allow) log({ msg: 'denied', question, user, reason: decision.reason });
      },
    });
    log({ msg: `listening on ${argv.host}:${server.port}`, vhost: topology.vhost });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log({ msg: `${signal}: closing` });
        void server.close().then(resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  },
});

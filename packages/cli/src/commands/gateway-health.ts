import { loadTopology } from '@fedgate/topology';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { UsageError } from '../cli-errors.ts';
import { emit } from '../emit.ts';
import { DEFAULT_NODE_ADDRESS, startLocalGatewayHealth } from '../local-gateway-health.ts';

export const gatewayHealthCommand: FedgateCommand = (ctx) => ({
  command: 'gateway-health',
  describe: 'Serve the HTTP health endpoint Route53 probes for one gateway node: 200 when it accepts devices and its links run, else 503',
  builder: (y) =>
    withTopologyFile(y)
      .option('gateway', { type: 'string', demandOption: true, describe: 'Gateway name' })
      .option('port', { type: 'number', describe: 'Listen port (default: dns.healthCheck.port, else 8080)' })
      .option('node-address', {
        type: 'string',
        default: DEFAULT_NODE_ADDRESS,
        describe: 'Address of the node to probe (device port and management API); the service runs on it',
      })
      .option('ca', {
        type: 'string',
        normalize: true,
        describe: 'PEM file of the fleet CA to trust for the management API (default: the system store and NODE_EXTRA_CA_CERTS)',
      })
      .example('$0 gateway-health --gateway eu', 'Serve /healthz for gateway eu of the local fleet')
      .example(
        '$0 gateway-health --gateway eu -f /etc/fedgate/topology.yaml --ca /etc/fedgate/tls/ca.pem',
        'On a gateway node: probe this node, checking its certificate names the gateway host',
      )
      .epilogue('Reads only FEDGATE_<GATEWAY>_ADMIN_PASSWORD (or that entry of the secrets file).'),
  handler: async (argv: { file: string; gateway: string; port?: number; nodeAddress: string; ca?: string }) => {
    const { topology } = await loadTopology(argv.file);
    const gateway = topology.gateways.find((g) => g.name === argv.gateway);
    if (!gateway) throw new UsageError(`no gateway "${argv.gateway}" in ${argv.file} (gateways: ${topology.gateways.map((g) => g.name).join(', ')})`);
    const port = argv.port ?? topology.dns?.healthCheck.port ?? 8080;
    const path = topology.dns?.healthCheck.path ?? '/healthz';
    const service = await startLocalGatewayHealth({
      topology,
      topologyFile: argv.file,
      gateway,
      port,
      path,
      nodeAddress: argv.nodeAddress,
      ...(argv.ca === undefined ? {} : { caFile: argv.ca }),
      onChange: (h) => ctx.io.stderr(`${h.checkedAt} ${gateway.name}: ${h.healthy ? 'healthy' : `UNHEALTHY — ${h.reasons.join('; ')}`}\n`),
    });
    ctx.io.stderr(`gateway-health for ${gateway.name} (node ${argv.nodeAddress}) on :${port}${path}\n`);
    const signal = await new Promise<string>((resolve, reject) => {
      const stop = (signal: string) => void service.close().then(() => resolve(signal), reject);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    emit(ctx, { ok: true, stoppedBy: signal });
  },
});

import { ADMIN_USER, loadTopology, resolveSecrets } from '@fedgate/topology';
import { ManagementClient, startGatewayHealthService } from '@fedgate/broker-admin';
import { clusterManagementUrl } from '@fedgate/broker-config';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { UsageError } from '../handle-errors.ts';

export const gatewayHealthCommand: FedgateCommand = (ctx) => ({
  command: 'gateway-health',
  describe: 'Serve the HTTP health endpoint Route53 probes for one gateway: 200 when it accepts devices and its links run, else 503',
  builder: (y) =>
    withTopologyFile(y)
      .option('gateway', { type: 'string', demandOption: true, describe: 'Gateway name' })
      .option('port', { type: 'number', describe: 'Listen port (default: dns.healthCheck.port, else 8080)' })
      .example('$0 gateway-health --gateway eu', 'Serve /healthz for gateway eu of the local fleet'),
  handler: async (argv: { file: string; gateway: string; port?: number }) => {
    const { topology } = await loadTopology(argv.file);
    const gw = topology.gateways.find((g) => g.name === argv.gateway);
    if (!gw) throw new UsageError(`no gateway "${argv.gateway}" in ${argv.file} (gateways: ${topology.gateways.map((g) => g.name).join(', ')})`);
    const secrets = await resolveSecrets(topology, argv.file);
    const client = new ManagementClient({ baseUrl: clusterManagementUrl(gw), user: ADMIN_USER, password: secrets.password(gw.name, ADMIN_USER) });
    const port = argv.port ?? topology.dns?.healthCheck.port ?? 8080;
    const path = topology.dns?.healthCheck.path ?? '/healthz';
    const service = await startGatewayHealthService(gw, client, {
      port,
      path,
      onChange: (h) => ctx.io.stderr(`${h.checkedAt} ${gw.name}: ${h.healthy ? 'healthy' : `UNHEALTHY — ${h.reasons.join('; ')}`}\n`),
    });
    ctx.io.stderr(`gateway-health for ${gw.name} on :${port}${path}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => void service.close().then(resolve);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
  },
});

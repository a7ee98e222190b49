import { maskSecrets, type Cluster } from '@fedgate/topology';
import { fleetStatus } from '@fedgate/broker-admin';
import { linkBackendEndpoint } from '@fedgate/broker-config';
import { fleetAccess } from '../fleet-access.ts';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { emit } from '../emit.ts';

export const statusCommand: FedgateCommand = (ctx) => ({
  command: 'status',
  describe: 'Reachability, link states, queue depths and a canary across every link; exit 1 when anything is down',
  builder: (y) =>
    withTopologyFile(y)
      .option('canary', { type: 'boolean', default: true, describe: 'Send a probe across every link (--no-canary to skip)' })
      .example('$0 status', 'Check the local fleet')
      .example('$0 status --json | jq .links', 'Link states for a script'),
  handler: async (argv: { file: string; canary: boolean }) => {
    const { topology, adminFor, amqpTls } = await fleetAccess(argv.file);
    const clusters = new Map<string, Cluster>([topology.backend, ...topology.gateways].map((c) => [c.name, c]));
    const { backend } = topology;
    const ca = amqpTls(backend).ca?.[0];
    const report = await fleetStatus(topology, (name) => adminFor(clusters.get(name)!), {
      canaries: argv.canary,
      // A link that fails its TLS handshake only says "starting": check its endpoint as the link would, for the reason.
      linkEndpoint: (gw) => (backend.tls ? { ...linkBackendEndpoint(backend, gw), ...(ca === undefined ? {} : { ca }) } : undefined),
    });
    const mark = (good: boolean) => (good ? 'ok  ' : 'DOWN');
    const lines: string[] = [];
    for (const c of report.clusters)
      lines.push(
        `${mark(c.reachable)} cluster ${c.name}${c.version ? ` (RabbitMQ ${c.version}, Erlang ${c.erlangVersion ?? '?'})` : ''}${c.error ? ` — ${c.error}` : ''}\n`,
      );
    for (const l of report.links)
      lines.push(
        `${mark(l.state === 'running')} ${l.direction.padEnd(8)} ${l.kind.padEnd(10)} ${l.name.padEnd(26)} ${l.state}${l.reason ? ` — ${maskSecrets(l.reason)}` : ''}\n`,
      );
    for (const c of report.canaries)
      lines.push(`${mark(c.delivered)} canary   ${c.link.padEnd(10)} ${c.gateway.padEnd(26)} ${c.delivered ? `${c.roundTripMs} ms round trip` : 'LOST'}\n`);
    for (const q of report.queues)
      lines.push(
        `${mark(!q.missing)} queue    ${q.cluster.padEnd(10)} ${q.name.padEnd(26)} ${q.missing ? 'missing' : q.messages === undefined ? 'depth unknown (the queue did not answer)' : `${q.messages} messages${q.consumers === undefined ? '' : `, ${q.consumers} consumers`}`}\n`,
      );
    lines.push(report.ok ? 'fleet healthy\n' : 'fleet NOT healthy\n');
    emit(ctx, report, lines.join(''));
  },
});

import type { Argv } from 'yargs';
import { loadTopology } from '@fedgate/topology';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { emit } from '../emit.ts';

export const secretsCommand: FedgateCommand = (ctx) => ({
  command: 'secrets <command>',
  describe: 'Put the secrets the fleet\'s instances read into AWS Secrets Manager',
  builder: (y) =>
    y
      .command({
        command: 'push',
        describe: 'Generate what is missing (passwords, Erlang cookies), render and gzip definitions, put every secret; idempotent',
        builder: (p: Argv) =>
          withTopologyFile(p)
            .option('dry-run', { type: 'boolean', default: false, describe: 'Read and compare, put nothing' })
            .option('tls-dir', { type: 'string', normalize: true, describe: 'PEM files for TLS clusters: DIR/ca.pem, DIR/<cluster>/cert.pem and key.pem' })
            .example('$0 secrets push -f infra/topologies/acme.example.yaml --dry-run', 'What would be put, without putting it')
            .epilogue(
              'Passwords come from the topology\'s credentials source when set there, else from the operator secret fedgate/<topology>/operator, ' +
                'else they are generated and kept there. Unchanged secrets get no new version. Values are never printed.',
            ),
        handler: (argv: { file: string; dryRun: boolean; tlsDir?: string }) => pushSecrets(ctx, argv),
      })
      .demandCommand(1, 'Name a secrets command: push.'),
  handler: () => {},
});

async function pushSecrets(ctx: Parameters<FedgateCommand>[0], argv: { file: string; dryRun: boolean; tlsDir?: string }): Promise<void> {
  const { topology } = await loadTopology(argv.file);
  // The Secrets Manager client loads only for this command.
  const { pushFleetSecrets, certificatesFromDirectory } = await import('@fedgate/infra/secrets');
  const report = await pushFleetSecrets({
    topology,
    topologyFile: argv.file,
    dryRun: argv.dryRun,
    ...(argv.tlsDir === undefined ? {} : { certificates: certificatesFromDirectory(argv.tlsDir) }),
    onProgress: (line) => ctx.io.stderr(`secrets: ${line}\n`),
  });
  const changed = report.secrets.filter((s) => s.action !== 'unchanged').length;
  const verb = report.dryRun ? 'would change' : 'changed';
  emit(
    ctx,
    { ok: true, ...report },
    [
      ...report.secrets.map((s) => `  ${s.action.padEnd(12)} ${s.name} (${s.region}, ${s.bytes} bytes)`),
      `${report.secrets.length} secret(s), ${changed} ${verb}; generated: ${report.generated.length > 0 ? report.generated.join(', ') : 'nothing'} (values are never printed)`,
    ].join('\n') + '\n',
  );
}

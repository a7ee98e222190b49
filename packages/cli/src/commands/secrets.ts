import type { Argv } from 'yargs';
import { loadTopology } from '@fedgate/topology';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { emit } from '../emit.ts';
import { loadOptionalPackage } from '../optional-package.ts';

export const secretsCommand: FedgateCommand = (ctx) => ({
  command: 'secrets <command>',
  describe: "Put the secrets the fleet's instances read into AWS Secrets Manager",
  builder: (y) =>
    y
      .command({
        command: 'push',
        describe: 'Generate what is missing (passwords, Erlang cookies), render and gzip definitions, put every secret; idempotent',
        builder: (p: Argv) =>
          withTopologyFile(p)
            .option('dry-run', { type: 'boolean', default: false, describe: 'Read and compare, put nothing' })
            .option('pki-dir', {
              type: 'string',
              normalize: true,
              describe:
                "The fleet CA directory (fedgate's PKI, as `device issue --pki-dir` uses it): node and link certificates are issued from it once and reused; the CA is created if missing",
            })
            .option('tls-dir', {
              type: 'string',
              normalize: true,
              describe:
                'PEM files prepared by hand instead: DIR/ca.pem, DIR/<cluster>/cert.pem and key.pem, DIR/<gateway>/<link user>.pem and .key, optionally DIR/token-signing.pub.pem',
            })
            .conflicts('pki-dir', 'tls-dir')
            .example('$0 secrets push -f infra/topologies/acme.example.yaml --pki-dir .fedgate/acme/pki --dry-run', 'What would be put, without putting it')
            .epilogue(
              "Passwords come from the topology's credentials source when set there, else from the operator secret fedgate/<topology>/operator, " +
                'else they are generated and kept there. Unchanged secrets get no new version. Values are never printed. ' +
                'The CA key stays in the CA directory: no secret holds it. Without --pki-dir or --tls-dir the TLS files the runtime secrets hold are kept.',
            ),
        handler: (argv: PushArgs) => pushSecrets(ctx, argv),
      })
      .demandCommand(1, 'Name a secrets command: push.'),
  handler: () => {},
});

interface PushArgs {
  file: string;
  dryRun: boolean;
  tlsDir?: string;
  pkiDir?: string;
}

async function pushSecrets(ctx: Parameters<FedgateCommand>[0], argv: PushArgs): Promise<void> {
  const { topology } = await loadTopology(argv.file);
  // The Secrets Manager client loads only for this command.
  const { pushFleetSecrets, certificatesFromDirectory, certificatesFromFleetPki } = await loadOptionalPackage(
    'secrets push',
    '@fedgate/infra',
    () => import('@fedgate/infra/secrets'),
  );
  const certificates =
    argv.pkiDir !== undefined
      ? certificatesFromFleetPki(argv.pkiDir, topology.name, { onIssued: (line) => ctx.io.stderr(`secrets: ${line}\n`) })
      : argv.tlsDir !== undefined
        ? certificatesFromDirectory(argv.tlsDir)
        : undefined;
  const report = await pushFleetSecrets({
    topology,
    topologyFile: argv.file,
    dryRun: argv.dryRun,
    ...(certificates === undefined ? {} : { certificates }),
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

import { join } from 'node:path';
import { loadTopology, resolveSecrets } from '@fedgate/topology';
import { compileTopology } from '@fedgate/broker-config';
import { writeArtifacts } from '@fedgate/broker-config/write-artifacts';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { emit } from '../emit.ts';

export const renderCommand: FedgateCommand = (ctx) => ({
  command: 'render',
  describe: "Write each cluster's definitions.json, rabbitmq.conf and enabled_plugins",
  builder: (y) =>
    withTopologyFile(y)
      .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Directory to write <cluster>/ folders into', normalize: true })
      .example('$0 render -f infra/topologies/acme.example.yaml --out build/acme', 'Render the example fleet')
      .epilogue('definitions.json holds link passwords and is written with mode 0600; passwords come from the environment or the secrets file.'),
  handler: async (argv: { file: string; out: string }) => {
    const { topology } = await loadTopology(argv.file);
    const secrets = await resolveSecrets(topology, argv.file);
    const written: Awaited<ReturnType<typeof writeArtifacts>>[] = [];
    for (const artifacts of compileTopology(topology, secrets)) {
      written.push(await writeArtifacts(artifacts, join(argv.out, artifacts.cluster.name)));
    }
    emit(ctx, { ok: true, clusters: written }, () => written.map((w) => `${w.cluster}: ${w.files.join(', ')}\n`).join(''));
  },
});

import { join } from 'node:path';
import { loadTopology, resolveSecrets } from '@fedgate/topology';
import { compileTopology } from '@fedgate/broker-config';
import { writeArtifacts } from '@fedgate/broker-config/write-artifacts';
import { withJson, withTopologyFile, type FedgateCommand } from '../command.ts';

export const renderCommand: FedgateCommand = (ctx) => ({
  command: 'render',
  describe: 'Write each cluster\'s definitions.json, rabbitmq.conf and enabled_plugins',
  builder: (y) =>
    withJson(withTopologyFile(y))
      .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Directory to write <cluster>/ folders into', normalize: true })
      .example('$0 render -f infra/topologies/acme.example.yaml --out build/acme', 'Render the example fleet')
      .epilogue('definitions.json holds link passwords and is written with mode 0600; passwords come from the environment or the secrets file.'),
  handler: async (argv: { file: string; out: string; json: boolean }) => {
    const { topology } = await loadTopology(argv.file);
    const secrets = await resolveSecrets(topology, argv.file);
    const written = [];
    for (const artifacts of compileTopology(topology, secrets)) {
      written.push(await writeArtifacts(artifacts, join(argv.out, artifacts.cluster.name)));
    }
    if (argv.json) {
      ctx.io.stdout(JSON.stringify({ ok: true, clusters: written }) + '\n');
    } else {
      for (const w of written) ctx.io.stdout(`${w.cluster}: ${w.files.join(', ')}\n`);
    }
  },
});

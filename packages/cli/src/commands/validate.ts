import { loadTopology, requiredCredentials, credentialEnvVar, credentialFileKey } from '@fedgate/topology';
import { withJson, withTopologyFile, type FedgateCommand } from '../command.ts';

export const validateCommand: FedgateCommand = (ctx) => ({
  command: 'validate',
  describe: 'Check a topology file and report every problem at once',
  builder: (y) =>
    withJson(withTopologyFile(y)).example('$0 validate -f infra/topologies/acme.example.yaml', 'Check the example fleet'),
  handler: async (argv: { file: string; json: boolean }) => {
    const { topology } = await loadTopology(argv.file);
    const credentials = requiredCredentials(topology).map((ref) => ({
      ...ref,
      // Where each password is expected; the values are never read or printed here.
      from: topology.credentials.source === 'env' ? credentialEnvVar(ref) : credentialFileKey(ref),
    }));
    if (argv.json) {
      ctx.io.stdout(JSON.stringify({ ok: true, file: argv.file, name: topology.name, clusters: 1 + topology.gateways.length, credentials }) + '\n');
      return;
    }
    ctx.io.stdout(
      `${argv.file}: ok — topology "${topology.name}": backend ${topology.backend.name}, ` +
        `${topology.gateways.length} gateway(s): ${topology.gateways.map((g) => `${g.name} (${g.region}, downlink ${g.downlink.kind})`).join(', ')}\n` +
        `passwords expected (${topology.credentials.source}): ${credentials.map((c) => c.from).join(', ')}\n`,
    );
  },
});

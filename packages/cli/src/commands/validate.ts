import { loadTopology, requiredCredentials, credentialEnvVar, credentialFileKey } from '@fedgate/topology';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { emit } from '../emit.ts';

export const validateCommand: FedgateCommand = (ctx) => ({
  command: 'validate',
  describe: 'Check a topology file and report every problem at once',
  builder: (y) => withTopologyFile(y).example('$0 validate -f infra/topologies/acme.example.yaml', 'Check the example fleet'),
  handler: async (argv: { file: string }) => {
    const { topology } = await loadTopology(argv.file);
    const credentials = requiredCredentials(topology).map((ref) => ({
      ...ref,
      // Where each password is expected; the values are never read or printed here.
      from: topology.credentials.source === 'env' ? credentialEnvVar(ref) : credentialFileKey(ref),
    }));
    emit(
      ctx,
      { ok: true, file: argv.file, name: topology.name, clusters: 1 + topology.gateways.length, credentials },
      () =>
        `${argv.file}: ok — topology "${topology.name}": backend ${topology.backend.name}, ` +
        `${topology.gateways.length} gateway(s): ${topology.gateways.map((g) => `${g.name} (${g.region}, downlink ${g.downlink.kind})`).join(', ')}\n` +
        `passwords expected (${topology.credentials.source}): ${credentials.map((c) => c.from).join(', ')}\n`,
    );
  },
});

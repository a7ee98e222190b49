import { reconcileTopology } from '@fedgate/broker-admin';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { fleetAccess } from '../fleet-access.ts';
import { emitOutcomes } from '../emit-outcomes.ts';

export const applyCommand: FedgateCommand = (ctx) => ({
  command: 'apply',
  describe: 'Converge each cluster to the topology; a failing cluster does not stop the others',
  builder: (y) =>
    withTopologyFile(y)
      .option('cluster', { type: 'string', describe: 'Only this cluster' })
      .option('prune', { type: 'boolean', default: false, describe: 'Also delete fedgate-owned objects the topology no longer has' })
      .example('$0 apply', 'Converge the local fleet')
      .example('$0 apply --prune --cluster eu', 'Converge one gateway and remove what the topology dropped'),
  handler: async (argv: { file: string; cluster?: string; prune: boolean }) => {
    const { topology, secrets, adminFor, compileOptions } = await fleetAccess(argv.file);
    const outcomes = await reconcileTopology(topology, secrets, {
      adminFor,
      compileOptions,
      apply: true,
      prune: argv.prune,
      cluster: argv.cluster,
      onProgress: (line) => ctx.io.stderr(`${line}\n`),
    });
    emitOutcomes(ctx, outcomes, { applied: true, prune: argv.prune });
  },
});

import { reconcileTopology } from '@fedgate/broker-admin';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { fleetAccess } from '../fleet-access.ts';
import { emitOutcomes } from '../emit-outcomes.ts';

export const planCommand: FedgateCommand = (ctx) => ({
  command: 'plan',
  describe: 'Show, per cluster, what apply would create, update and delete (only objects fedgate owns)',
  builder: (y) =>
    withTopologyFile(y)
      .option('cluster', { type: 'string', describe: 'Only this cluster' })
      .example('$0 plan', 'Compare the local fleet with local.yaml')
      .example('$0 plan -f infra/topologies/acme.example.yaml --cluster us --json', 'One cluster, for a script'),
  handler: async (argv: { file: string; cluster?: string }) => {
    const { topology, secrets, adminFor, compileOptions } = await fleetAccess(argv.file);
    const outcomes = await reconcileTopology(topology, secrets, {
      adminFor,
      compileOptions,
      apply: false,
      cluster: argv.cluster,
    });
    emitOutcomes(ctx, outcomes, { applied: false, prune: false });
  },
});

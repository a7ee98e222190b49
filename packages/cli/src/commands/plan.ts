import { reconcileTopology } from '@fedgate/broker-admin';
import { withJson, withTopologyFile, type FedgateCommand } from '../command.ts';
import { fleetAccess } from '../fleet-access.ts';
import { printOutcomes } from '../print-outcomes.ts';
import { EXIT_FAILURE } from '../exit-codes.ts';

export const planCommand: FedgateCommand = (ctx) => ({
  command: 'plan',
  describe: 'Show, per cluster, what apply would create, update and delete (only objects fedgate owns)',
  builder: (y) =>
    withJson(withTopologyFile(y))
      .option('cluster', { type: 'string', describe: 'Only this cluster' })
      .example('$0 plan', 'Compare the local fleet with local.yaml')
      .example('$0 plan -f infra/topologies/acme.example.yaml --cluster us --json', 'One cluster, for a script'),
  handler: async (argv: { file: string; json: boolean; cluster?: string }) => {
    const { topology, secrets, adminFor, compileOptions } = await fleetAccess(argv.file);
    const outcomes = await reconcileTopology(topology, secrets, {
      adminFor,
      compileOptions, apply: false, cluster: argv.cluster });
    if (!printOutcomes(ctx.io, outcomes, { json: argv.json, applied: false, prune: false })) ctx.exitCode = EXIT_FAILURE;
  },
});

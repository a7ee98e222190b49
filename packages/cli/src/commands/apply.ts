import { reconcileTopology } from '@fedgate/broker-admin';
import { withJson, withTopologyFile, type FedgateCommand } from '../command.ts';
import { fleetAccess } from '../fleet-access.ts';
import { printOutcomes } from '../print-outcomes.ts';
import { EXIT_FAILURE } from '../exit-codes.ts';

export const applyCommand: FedgateCommand = (ctx) => ({
  command: 'apply',
  describe: 'Converge each cluster to the topology; a failing cluster does not stop the others',
  builder: (y) =>
    withJson(withTopologyFile(y))
      .option('cluster', { type: 'string', describe: 'Only this cluster' })
      .option('prune', { type: 'boolean', default: false, describe: 'Also delete fedgate-owned objects the topology no longer has' })
      .example('$0 apply', 'Converge the local fleet')
      .example('$0 apply --prune --cluster eu', 'Converge one gateway and remove what the topology dropped'),
  handler: async (argv: { file: string; json: boolean; cluster?: string; prune: boolean }) => {
    const { topology, secrets, adminFor, compileOptions } = await fleetAccess(argv.file);
    const outcomes = await reconcileTopology(topology, secrets, {
      adminFor,
      compileOptions,
      apply: true,
      prune: argv.prune,
      cluster: argv.cluster,
      onProgress: (line) => ctx.io.stderr(`${line}\n`),
    });
    if (!printOutcomes(ctx.io, outcomes, { json: argv.json, applied: true, prune: argv.prune })) ctx.exitCode = EXIT_FAILURE;
  },
});

import { topologyJsonSchema } from '@fedgate/topology';
import type { FedgateCommand } from '../command.ts';

export const schemaCommand: FedgateCommand = (ctx) => ({
  command: 'schema',
  describe: 'Print the JSON Schema of the topology file (for editor completion)',
  builder: (y) => y.example('$0 schema > topology.schema.json', 'Save it for your editor\'s YAML language server'),
  handler: () => {
    ctx.io.stdout(JSON.stringify(topologyJsonSchema(), null, 2) + '\n');
  },
});

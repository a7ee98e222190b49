import { topologyJsonSchema } from '@fedgate/topology';
import type { FedgateCommand } from '../command.ts';
import { emit } from '../emit.ts';

export const schemaCommand: FedgateCommand = (ctx) => ({
  command: 'schema',
  describe: 'Print the JSON Schema of the topology file (for editor completion)',
  builder: (y) => y.example('$0 schema > topology.schema.json', "Save it for your editor's YAML language server"),
  handler: () => {
    const schema = topologyJsonSchema();
    // For people and editors the schema itself, indented; with --json it is one field of the one result line.
    emit(ctx, { ok: true, schema }, () => JSON.stringify(schema, null, 2) + '\n');
  },
});

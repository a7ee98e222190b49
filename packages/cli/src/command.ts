import type { Argv } from 'yargs';
import type { CliIo } from './handle-errors.ts';

/** What a command handler gets besides its arguments. */
export interface CommandContext {
  readonly io: CliIo;
  /** Set by handlers that finish with a non-zero code without throwing (e.g. a link is down). */
  exitCode: number;
}

/** One module per command: the builder declares options and examples, the handler does the work. */
export interface FedgateCommandModule {
  readonly command: string | readonly string[];
  readonly describe: string;
  readonly builder: (yargs: Argv) => Argv<any>;
  // yargs has already checked the options the builder declared; each handler names the ones it reads.
  readonly handler: (argv: any) => void | Promise<void>;
}

export type FedgateCommand = (ctx: CommandContext) => FedgateCommandModule;

/** The topology file option every topology command shares. */
export const DEFAULT_TOPOLOGY_FILE = 'infra/topologies/local.yaml';

export function withTopologyFile<T>(yargs: Argv<T>) {
  return yargs.option('file', {
    alias: 'f',
    type: 'string',
    default: DEFAULT_TOPOLOGY_FILE,
    describe: 'Topology file (YAML)',
    normalize: true,
  });
}

export function withJson<T>(yargs: Argv<T>) {
  return yargs.option('json', { type: 'boolean', default: false, describe: 'Print a machine-readable JSON report' });
}

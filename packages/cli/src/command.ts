import type { Argv } from 'yargs';
import type { CliIo } from './cli-io.ts';

/** What a command handler gets besides its arguments. */
export interface CommandContext {
  readonly io: CliIo;
  /** `--json` as parsed, set before any handler runs: output is one JSON line (see emit). */
  json: boolean;
  /** Set only by emit: a result with `ok: false` exits 1. Errors pick their code in handleErrors. */
  exitCode: number;
  /** Whether the command has emitted its result (each emits once). */
  emitted: boolean;
}

/** One module per command: the builder declares options and examples, the handler does the work. */
export interface FedgateCommandModule {
  readonly command: string | readonly string[];
  readonly describe: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each builder declares its own options; yargs types them per command
  readonly builder: (yargs: Argv) => Argv<any>;
  // yargs has already checked the options the builder declared; each handler names the ones it reads.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: the handler's own parameter type says what it reads
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

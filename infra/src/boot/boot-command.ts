/**
 * `fedgate boot …`: what the boot script asks AWS through the SDK (the instance role's credentials from IMDSv2, the
 * standard chain, AWS_ENDPOINT_URL_* honoured), so instances need no AWS CLI. Shipped in the release bundle.
 *
 *   fedgate boot secret-value --secret-id ID --field binary|string   the value's bytes on stdout
 *   fedgate boot peers --group NAME                                   the group's private DNS names, one a line
 */
import { parseArgs } from 'node:util';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BootHelperError } from './boot-helper-error.ts';
import { findPeers } from './find-peers.ts';
import { readSecretValue } from './read-secret-value.ts';

export const BOOT_USAGE = [
  'usage: fedgate boot secret-value --secret-id ID --field binary|string [--region R]',
  '       fedgate boot peers --group NAME [--region R]',
  'Region: --region, else AWS_REGION. Exit codes: 0 ok, 1 AWS refused or failed, 2 usage.',
].join('\n');

export interface BootIo {
  stdout(bytes: Uint8Array | string): void;
  stderr(text: string): void;
}

/** Clients per region; tests pass their own. */
export interface BootClients {
  secretsManager(region: string): SecretsManagerClient;
  ec2(region: string): EC2Client;
}

const sdkClients: BootClients = {
  secretsManager: (region) => new SecretsManagerClient({ region }),
  ec2: (region) => new EC2Client({ region }),
};

/** Runs one invocation (`argv` starts with `boot`) and returns the exit code. Never prints a secret except as asked on stdout. */
export async function runBootCommand(
  argv: readonly string[],
  io: BootIo,
  env: NodeJS.ProcessEnv = process.env,
  clients: BootClients = sdkClients,
): Promise<number> {
  try {
    const { command, options } = parseBootArgs(argv, env);
    if (command === 'help') {
      io.stdout(BOOT_USAGE + '\n');
    } else if (command === 'secret-value') {
      io.stdout(await readSecretValue(clients.secretsManager(options.region), options.secretId!, options.field!));
    } else {
      const peers = await findPeers(clients.ec2(options.region), options.group!);
      io.stdout(peers.map((p) => `${p}\n`).join(''));
    }
    return 0;
  } catch (err) {
    const error = err instanceof BootHelperError ? err : BootHelperError.from(err, 'boot', 'helper');
    io.stderr(`fedgate boot: ${error.message}\n${error.code === 'BOOT_USAGE' ? BOOT_USAGE + '\n' : ''}`);
    return error.code === 'BOOT_USAGE' ? 2 : 1;
  }
}

interface BootArgs {
  readonly command: 'help' | 'secret-value' | 'peers';
  readonly options: { region: string; secretId?: string; field?: 'binary' | 'string'; group?: string };
}

/** Pure: argv → the command and its checked options; every problem names the option and what it got. */
export function parseBootArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BootArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'secret-id': { type: 'string' },
        field: { type: 'string' },
        group: { type: 'string' },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new BootHelperError('BOOT_USAGE', (err as Error).message, { cause: err });
  }
  const [boot, command, ...extra] = parsed.positionals;
  const { values } = parsed;
  if (boot !== 'boot') throw new BootHelperError('BOOT_USAGE', `expected "boot" first, got "${boot ?? ''}"`);
  if (values.help || command === undefined) return { command: 'help', options: { region: '' } };
  if (extra.length > 0) throw new BootHelperError('BOOT_USAGE', `unexpected argument "${extra[0]}"`);
  const region = values.region ?? env.AWS_REGION ?? '';
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region))
    throw new BootHelperError('BOOT_USAGE', `--region: expected an AWS region such as eu-west-1 (or AWS_REGION), got "${region}"`);
  if (command === 'secret-value') {
    if (!values['secret-id']) throw new BootHelperError('BOOT_USAGE', '--secret-id: required');
    if (values.field !== 'binary' && values.field !== 'string')
      throw new BootHelperError('BOOT_USAGE', `--field: expected binary or string, got "${values.field ?? ''}"`);
    return { command, options: { region, secretId: values['secret-id'], field: values.field } };
  }
  if (command === 'peers') {
    if (!values.group) throw new BootHelperError('BOOT_USAGE', '--group: required');
    return { command, options: { region, group: values.group } };
  }
  throw new BootHelperError('BOOT_USAGE', `unknown command "${command}" (secret-value, peers)`);
}

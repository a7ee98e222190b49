import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rabbitmqUser } from './local-node.ts';

const execFileAsync = promisify(execFile);

/** Where the Debian package keeps the CLI tools; /usr/sbin has wrappers for only some of them. */
const CLI_DIR = '/usr/lib/rabbitmq/bin';

/** A CLI call that may wait on a cluster operation (join, grow) but must not hang a fleet start. @default 120000 ms */
export const DEFAULT_CLI_TIMEOUT_MS = 120_000;

export type RabbitmqTool = 'rabbitmqctl' | 'rabbitmq-queues' | 'rabbitmq-streams' | 'rabbitmq-diagnostics';

export class RabbitmqCliError extends Error {
  override readonly name = 'RabbitmqCliError';
  readonly code = 'RABBITMQ_CLI_FAILED';
}

/**
 * Runs a RabbitMQ CLI tool against `nodeName`. As root it runs as `rabbitmq`, like the nodes, so it reads the
 * same Erlang cookie (the /usr/sbin wrappers do the same, but not every tool has one).
 */
export async function rabbitmqCli(tool: RabbitmqTool, nodeName: string, args: readonly string[], timeoutMs = DEFAULT_CLI_TIMEOUT_MS): Promise<string> {
  const owner = process.getuid?.() === 0 ? await rabbitmqUser() : undefined;
  try {
    const { stdout } = await execFileAsync(`${CLI_DIR}/${tool}`, ['-n', nodeName, ...args], {
      timeout: timeoutMs,
      ...(owner ? { uid: owner.uid, gid: owner.gid, env: { ...process.env, HOME: owner.home, USER: 'rabbitmq', LOGNAME: 'rabbitmq' } } : {}),
    });
    return stdout;
  } catch (err) {
    const detail = ((err as { stderr?: string }).stderr ?? '').trim().split('\n').slice(-3).join(' ');
    throw new RabbitmqCliError(`${tool} ${args.join(' ')} on ${nodeName} failed${detail ? `: ${detail}` : ''}`, { cause: err });
  }
}

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { brokerRuntime, runtimeCommand } from './broker-runtime.ts';
import { LocalClusterError } from './local-cluster-error.ts';

const execFileAsync = promisify(execFile);

/** A CLI call that may wait on a cluster operation (join, grow) but must not hang a fleet start. @default 120000 ms */
export const DEFAULT_CLI_TIMEOUT_MS = 120_000;

export type RabbitmqTool = 'rabbitmqctl' | 'rabbitmq-queues' | 'rabbitmq-streams' | 'rabbitmq-diagnostics';

export class RabbitmqCliError extends LocalClusterError {
  override readonly name = 'RabbitmqCliError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('RABBITMQ_CLI_FAILED', message, options);
  }
}

/** Runs a RabbitMQ CLI tool against `nodeName` in the broker runtime, as the nodes' account (same Erlang cookie). */
export async function rabbitmqCli(tool: RabbitmqTool, nodeName: string, args: readonly string[], timeoutMs = DEFAULT_CLI_TIMEOUT_MS): Promise<string> {
  const command = runtimeCommand(await brokerRuntime(), tool, ['-n', nodeName, ...args]);
  try {
    const { stdout } = await execFileAsync(command.file, command.args, {
      timeout: timeoutMs,
      ...(command.uid === undefined ? {} : { uid: command.uid, gid: command.gid }),
      env: { ...process.env, ...command.env },
    });
    return stdout;
  } catch (err) {
    const detail = ((err as { stderr?: string }).stderr ?? '').trim().split('\n').slice(-3).join(' ');
    throw new RabbitmqCliError(`${tool} ${args.join(' ')} on ${nodeName} failed${detail ? `: ${detail}` : ''}`, { cause: err });
  }
}

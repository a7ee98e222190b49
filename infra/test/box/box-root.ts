/**
 * Test support: the filesystem of one instance booted in a box. An overlay over the cached Debian 13 root with
 * RabbitMQ 4.0.5 (scripts/broker-runtime builds it; it stays untouched), /proc, the host's Node 20 bind-mounted as
 * Debian's nodejs, and stand-ins for what the box has no use for (systemctl, apt-get, sysctl). Commands run in it
 * chrooted, in the instance's network namespace, with its own host name and only the environment given.
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { BoxError } from './box-network.ts';

const execFileAsync = promisify(execFile);
const SHIMS = new URL('./shims/', import.meta.url);
/** Where the shims go in the box: first on the boot's PATH, as cloud-init's PATH has it. */
const SHIM_DIR = '/usr/local/sbin';
export const BOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface BoxRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

async function sh(file: string, ...args: string[]): Promise<void> {
  try {
    await execFileAsync(file, args);
  } catch (err) {
    throw new BoxError(`${file} ${args.join(' ')} failed: ${(err as { stderr?: string }).stderr?.trim() ?? (err as Error).message}`, { cause: err });
  }
}

export class BoxRoot {
  private constructor(
    readonly dir: string,
    readonly root: string,
    readonly hostname: string,
    readonly netns: string,
  ) {}

  /** Mounts the root in `dir` (an empty directory) for an instance named `hostname` living in `netns`. */
  static async create(dir: string, lower: string, hostname: string, netns: string): Promise<BoxRoot> {
    const box = new BoxRoot(dir, join(dir, 'root'), hostname, netns);
    for (const d of ['upper', 'work', 'root']) await mkdir(join(dir, d), { recursive: true });
    await sh('mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`, box.root);
    await sh('mount', '-t', 'proc', 'proc', join(box.root, 'proc'));
    const node = join(box.root, 'usr/bin/node');
    await writeFile(node, '');
    await sh('mount', '--bind', '-o', 'ro', process.execPath, node);
    for (const shim of await readdir(SHIMS)) {
      await copyFile(new URL(shim, SHIMS), join(box.root, SHIM_DIR, shim));
      await chmod(join(box.root, SHIM_DIR, shim), 0o755);
    }
    await writeFile(join(box.root, 'etc/hostname'), `${hostname}\n`);
    return box;
  }

  /** /etc/hosts: the instance's own name and the fleet's hosts, as the private hosted zone would resolve them. */
  async setHosts(entries: readonly (readonly [address: string, ...names: string[]])[]): Promise<void> {
    const lines = ['127.0.0.1 localhost', ...entries.map((e) => e.join(' '))];
    await writeFile(join(this.root, 'etc/hosts'), lines.join('\n') + '\n');
  }

  /** cloud-init's write_files: each file with its mode, parents created, owned by root. */
  async writeFiles(files: readonly { path: string; permissions: string; content: string }[]): Promise<void> {
    for (const file of files) {
      const target = join(this.root, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content);
      await chmod(target, parseInt(file.permissions, 8));
    }
  }

  async readFile(path: string): Promise<string> {
    return readFile(join(this.root, path), 'utf8');
  }

  /**
   * Runs `command` as root inside the box (chroot, network namespace, own UTS namespace with the box's host name)
   * with exactly `env` plus PATH; kills it after `timeoutMs`.
   */
  run(command: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<BoxRun> {
    const assignments = Object.entries({ PATH: BOX_PATH, HOME: '/root', LANG: 'C.UTF-8', ...env }).map(([k, v]) => `${k}=${v}`);
    const args = [
      'netns',
      'exec',
      this.netns,
      'unshare',
      '--uts',
      '--',
      'sh',
      '-c',
      'hostname "$1" && shift && exec chroot "$@"',
      'sh',
      this.hostname,
      this.root,
      '/usr/bin/env',
      '-i',
      ...assignments,
      ...command,
    ];
    return new Promise((resolve) => {
      // Its own process group, so a timeout kills the boot and what it waits on (services detach into their own).
      const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
      const timer = setTimeout(() => {
        stderr += `\nbox: ${command.join(' ')} killed after ${timeoutMs} ms\n`;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Pids of every process whose root is this box (the services the boot started, epmd included). */
  processes(): Promise<number[]> {
    return processesUnder(this.root);
  }

  /** Stops every process of the box (TERM, then KILL after `graceMs`), unmounts and removes it. Safe after a failed boot. */
  destroy(graceMs = 5_000): Promise<void> {
    return removeBox(this.dir, graceMs);
  }
}

/** Pids of processes whose root directory is `dir` or below it. */
async function processesUnder(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const root = await readlink(`/proc/${entry}/root`).catch(() => undefined);
    if (root !== undefined && (root === dir || root.startsWith(`${dir}/`))) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Stops every process rooted in `dir` (TERM, then KILL after `graceMs`), unmounts everything under it and removes
 * it: one box's directory, or a whole region box's left by a run that died.
 */
export async function removeBox(dir: string, graceMs = 5_000): Promise<void> {
  await signalAll(await processesUnder(dir), 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while ((await processesUnder(dir)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await signalAll(await processesUnder(dir), 'SIGKILL');
  for (const point of await mountsUnder(dir)) {
    await sh('umount', point).catch(() => sh('umount', '-l', point));
  }
  await rm(dir, { recursive: true, force: true });
}

async function signalAll(pids: readonly number[], signal: NodeJS.Signals): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Mount points at or under `root`, deepest first. */
async function mountsUnder(root: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p === root || p.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
}

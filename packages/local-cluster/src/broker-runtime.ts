import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileExists } from './file-exists.ts';
import { LocalClusterError } from './local-cluster-error.ts';

const execFileAsync = promisify(execFile);

/** Where `scripts/broker-runtime` caches the Debian 13 root on hosts whose own packages are older than 4.0. */
export const DEFAULT_BROKER_ROOT = '/var/cache/fedgate/rabbitmq-4.0-trixie';
/** The oldest RabbitMQ fedgate runs on: MQTT 5, certificate client ids, native MQTT memory, quorum federation queues. */
export const MIN_RABBITMQ_VERSION = '4.0.0';
/** Where the Debian package keeps the server and CLI scripts, on the host or inside the root. */
const RABBITMQ_BIN = '/usr/lib/rabbitmq/bin';
const RABBITMQ_LIB = '/usr/lib/rabbitmq/lib';

export class BrokerRuntimeError extends LocalClusterError {
  override readonly name = 'BrokerRuntimeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('BROKER_RUNTIME_UNAVAILABLE', message, options);
  }
}

/** The account RabbitMQ runs as, as the runtime's own user database knows it. */
export interface RabbitmqAccount {
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** Where RabbitMQ comes from: the host's packages, or the cached Debian 13 root nodes run inside (chroot). */
export interface BrokerRuntime {
  /** The chroot directory, or undefined when the host's own packages are new enough. */
  readonly root: string | undefined;
  /** The installed rabbitmq-server version, e.g. `4.0.5`. */
  readonly version: string;
  /** Present when fedgate runs as root: nodes and CLI tools then run as this account. */
  readonly account: RabbitmqAccount | undefined;
}

/** A program of the runtime ready to spawn: `file` + `args`, and the uid/gid/HOME to run it with. */
export interface RuntimeCommand {
  readonly file: string;
  readonly args: string[];
  readonly uid?: number;
  readonly gid?: number;
  readonly env: Record<string, string>;
}

/** `a` ≥ `b` for dotted versions (`4.0.5` ≥ `4.0.0`). */
export function versionAtLeast(a: string, b: string): boolean {
  const pa = a.split('.').map((n) => parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

let found: Promise<BrokerRuntime> | undefined;

/**
 * The runtime local mode uses: the host's RabbitMQ when it is ≥ 4.0, else the cached root (`FEDGATE_BROKER_ROOT`
 * or DEFAULT_BROKER_ROOT). Throws naming the version found when only an older one is there.
 */
export function brokerRuntime(): Promise<BrokerRuntime> {
  found ??= locateRuntime();
  return found;
}

async function locateRuntime(): Promise<BrokerRuntime> {
  const asRoot = process.getuid?.() === 0;
  const hostVersion = await installedVersion('');
  if (hostVersion && versionAtLeast(hostVersion, MIN_RABBITMQ_VERSION)) {
    return { root: undefined, version: hostVersion, account: asRoot ? await hostAccount() : undefined };
  }
  const root = process.env.FEDGATE_BROKER_ROOT ?? DEFAULT_BROKER_ROOT;
  const rootVersion = (await fileExists(join(root, '.fedgate-ready'))) ? await installedVersion(root) : undefined;
  if (!rootVersion) {
    const seen = hostVersion ? `this host has RabbitMQ ${hostVersion}, older than ${MIN_RABBITMQ_VERSION}` : 'this host has no RabbitMQ';
    throw new BrokerRuntimeError(`no RabbitMQ ≥ ${MIN_RABBITMQ_VERSION} found: ${seen} and ${root} holds no runtime; run \`bash scripts/setup\``);
  }
  if (!versionAtLeast(rootVersion, MIN_RABBITMQ_VERSION)) {
    throw new BrokerRuntimeError(`${root} has RabbitMQ ${rootVersion}; fedgate needs ≥ ${MIN_RABBITMQ_VERSION}`);
  }
  if (!asRoot) throw new BrokerRuntimeError(`nodes run inside ${root} with chroot, which needs root; run fedgate as root`);
  return { root, version: rootVersion, account: await rootAccount(root) };
}

/** The version in the package's lib directory name (`rabbitmq_server-4.0.5`), under `prefix`. */
async function installedVersion(prefix: string): Promise<string | undefined> {
  const entries = await readdir(join(prefix || '/', RABBITMQ_LIB)).catch(() => [] as string[]);
  const versions = entries.map((e) => /^rabbitmq_server-(\d+\.\d+\.\d+)/.exec(e)?.[1]).filter((v): v is string => !!v);
  return versions.sort((a, b) => (versionAtLeast(a, b) ? -1 : 1))[0];
}

async function hostAccount(): Promise<RabbitmqAccount> {
  const { stdout } = await execFileAsync('getent', ['passwd', 'rabbitmq']).catch(() => ({ stdout: '' }));
  return parsePasswd(stdout, 'the host');
}

async function rootAccount(root: string): Promise<RabbitmqAccount> {
  return parsePasswd(await readFile(join(root, 'etc/passwd'), 'utf8'), root);
}

function parsePasswd(text: string, where: string): RabbitmqAccount {
  const fields = text
    .split('\n')
    .find((l) => l.startsWith('rabbitmq:'))
    ?.split(':');
  if (!fields) throw new BrokerRuntimeError(`${where} has no rabbitmq account; is rabbitmq-server installed?`);
  return { uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] || '/var/lib/rabbitmq' };
}

/**
 * How to run `program` (a script in RabbitMQ's bin directory) with `args`. Inside a root it goes through chroot as
 * the root's rabbitmq account; `fdLimit` is raised before dropping privileges, so it may exceed the caller's
 * soft limit (the Debian wrapper's `su` would reset it to ~1,024, which let a storm take a stock node down).
 */
export function runtimeCommand(runtime: BrokerRuntime, program: string, args: readonly string[], fdLimit?: number): RuntimeCommand {
  const path = `${RABBITMQ_BIN}/${program}`;
  const account = runtime.account;
  const env: Record<string, string> = account ? { HOME: account.home, USER: 'rabbitmq', LOGNAME: 'rabbitmq' } : {};
  const ulimit = fdLimit ? `ulimit -n ${fdLimit} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; ` : '';
  if (runtime.root && account) {
    const chroot = ['chroot', `--userspec=${account.uid}:${account.gid}`, runtime.root, path, ...args];
    return fdLimit ? { file: 'sh', args: ['-c', `${ulimit}exec "$@"`, 'sh', ...chroot], env } : { file: chroot[0]!, args: chroot.slice(1), env };
  }
  const ids = account ? { uid: account.uid, gid: account.gid } : {};
  return fdLimit ? { file: 'sh', args: ['-c', `${ulimit}exec "$@"`, 'sh', path, ...args], env, ...ids } : { file: path, args: [...args], env, ...ids };
}

/** Mount points under `root`, deepest first, from /proc/self/mountinfo. */
async function mountsUnder(root: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = info
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
  return points.filter((p) => p === root || p.startsWith(`${root}/`)).sort((a, b) => b.length - a.length);
}

let mounting: Promise<unknown> = Promise.resolve();

/** Serialises mount changes within this process: two fleets starting together must not mount proc twice. */
function serialised<T>(work: () => Promise<T>): Promise<T> {
  const next = mounting.then(work, work);
  mounting = next.catch(() => undefined);
  return next;
}

/**
 * Makes the root usable for a fleet whose files live in `stateDir`: /proc mounted in the root, and `stateDir`
 * bind-mounted at the same path inside it, so config, data and log paths read the same inside and outside.
 */
export function mountForFleet(runtime: BrokerRuntime, stateDir: string): Promise<void> {
  const root = runtime.root;
  if (!root) return Promise.resolve();
  return serialised(async () => {
    const mounted = new Set(await mountsUnder(root));
    if (!mounted.has(join(root, 'proc'))) await execFileAsync('mount', ['-t', 'proc', 'proc', join(root, 'proc')]);
    const inside = join(root, stateDir);
    if (mounted.has(inside) && !(await sameDirectory(inside, stateDir))) {
      // Left by a run that was killed before it unmounted, of a state directory deleted since: nodes would write
      // into the deleted one (RabbitMQ cannot even create its feature-flags file there).
      await execFileAsync('umount', ['-l', inside]);
      mounted.delete(inside);
    }
    if (!mounted.has(inside)) {
      await mkdir(inside, { recursive: true });
      await execFileAsync('mount', ['--bind', stateDir, inside]);
    }
  });
}

async function sameDirectory(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([stat(a), stat(b)]);
  return sa.dev === sb.dev && sa.ino === sb.ino;
}

/**
 * Undoes mountForFleet for `stateDir`, also after the fleet crashed; /proc is unmounted once no process runs
 * inside the root any more (another fleet may still use it).
 */
export function unmountForFleet(runtime: BrokerRuntime, stateDir: string): Promise<void> {
  const root = runtime.root;
  if (!root) return Promise.resolve();
  return serialised(async () => {
    const mounted = await mountsUnder(root);
    const inside = join(root, stateDir);
    for (const point of mounted.filter((p) => p === inside || p.startsWith(`${inside}/`))) {
      await execFileAsync('umount', [point]).catch(() => execFileAsync('umount', ['-l', point]));
    }
    const proc = join(root, 'proc');
    if (!mounted.includes(proc)) return;
    const running = await processesInside(root);
    // epmd outlives the nodes that started it; once only it is left, no fleet uses the root.
    if (running.some((p) => p.command !== 'epmd')) return;
    for (const { pid } of running) killQuietly(pid);
    await execFileAsync('umount', [proc]).catch(() => execFileAsync('umount', ['-l', proc]).catch(() => undefined));
  });
}

async function processesInside(root: string): Promise<{ pid: number; command: string }[]> {
  const pids = (await readdir('/proc')).filter((e) => /^\d+$/.test(e));
  const inside: { pid: number; command: string }[] = [];
  for (const pid of pids) {
    if ((await readlink(`/proc/${pid}/root`).catch(() => undefined)) !== root) continue;
    inside.push({ pid: Number(pid), command: (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() });
  }
  return inside;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

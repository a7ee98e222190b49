import { spawn, execFile } from 'node:child_process';
import { chmod, mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isGateway, webMqttPort, webStompPort, type Cluster } from '@fedgate/topology';
import { writeArtifacts } from '@fedgate/broker-config/write-artifacts';
import type { ClusterArtifacts } from '@fedgate/broker-config';
import { processAlive } from './process-alive.ts';
import { brokerRuntime, runtimeCommand, type RabbitmqAccount } from './broker-runtime.ts';
import { rabbitmqCli } from './rabbitmq-cli.ts';

const execFileAsync = promisify(execFile);

/** A stock node allows ~1,000 descriptors; a gateway must outlast a reconnect storm. Capped by the hard limit. */
export const GATEWAY_FD_HEADROOM = 4096;
export const BACKEND_FD_LIMIT = 8192;

/** One local RabbitMQ node: its name and where its files live. */
export interface LocalNode {
  readonly cluster: string;
  readonly nodeName: string;
  readonly dir: string;
  readonly pidFile: string;
  readonly logFile: string;
}

/** A node of a topology cluster: which one, and where it listens. */
export interface ClusterNode extends LocalNode {
  /** 0 for the first node of its cluster, which other nodes join. */
  readonly index: number;
  /** This node's listeners: the cluster's ports, plus `index` (nodes of one cluster share the host locally). */
  readonly ports: Cluster['ports'];
}

/**
 * Node `index` of a cluster. The first keeps the name and directory a single-node cluster always had; node N
 * (from 2) is `<cluster>_N`: underscores cannot appear in cluster names, so it never collides with another cluster.
 */
export function localNode(stateDir: string, topologyName: string, cluster: Cluster, index = 0): ClusterNode {
  const suffix = index === 0 ? '' : `_${index + 1}`;
  const dir = join(stateDir, `${cluster.name}${suffix}`);
  const nodeName = `fedgate-${topologyName}-${cluster.name}${suffix}@localhost`;
  return {
    cluster: cluster.name,
    index,
    nodeName,
    dir,
    pidFile: join(dir, 'node.pid'),
    logFile: join(dir, 'log', `${nodeName}.log`),
    ports: nodeCluster(cluster, index).ports,
  };
}

/** Every node of a cluster (`nodes` in the topology). */
export function clusterNodes(stateDir: string, topologyName: string, cluster: Cluster): ClusterNode[] {
  return Array.from({ length: cluster.nodes }, (_, i) => localNode(stateDir, topologyName, cluster, i));
}

/** The cluster as node `index` sees itself: every listener moved up by `index`, for its rabbitmq.conf. */
export function nodeCluster<C extends Cluster>(cluster: C, index: number): C {
  if (index === 0) return cluster;
  // WebSocket listeners a gateway has on their default ports move up too, as check-topology expects them to.
  const web = isGateway(cluster)
    ? {
        ...(cluster.protocols.includes('web-mqtt') ? { webMqtt: webMqttPort(cluster) } : {}),
        ...(cluster.protocols.includes('web-stomp') ? { webStomp: webStompPort(cluster) } : {}),
      }
    : {};
  const ports = Object.fromEntries(Object.entries({ ...web, ...cluster.ports }).map(([name, port]) => [name, port + index]));
  return { ...cluster, ports } as C;
}

/** Descriptors the node needs: the gateway's connection limit plus headroom for links, files and the storm itself. */
export function fdLimitFor(cluster: Cluster): number {
  return isGateway(cluster) ? cluster.maxConnections + GATEWAY_FD_HEADROOM : BACKEND_FD_LIMIT;
}

/**
 * Local nodes talk Erlang distribution only on loopback: the node's distribution listener binds 127.0.0.1, and so
 * does epmd when this node is the one that starts it. Whoever reaches a distribution port with the cookie owns
 * the node, so it must not be on the machine's network.
 */
export const LOOPBACK_DISTRIBUTION: Readonly<Record<string, string>> = {
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  ERL_EPMD_ADDRESS: '127.0.0.1',
};

/** Writes the node's files and launches it in the background; returns once the process is spawned. */
export async function launchNode(node: LocalNode, artifacts: ClusterArtifacts): Promise<void> {
  const cluster = artifacts.cluster;
  const runtime = await brokerRuntime();
  await mkdir(join(node.dir, 'mnesia'), { recursive: true });
  await mkdir(join(node.dir, 'log'), { recursive: true });
  // The node's data, logs and keys are its own: no other account on the machine reads them.
  await chmod(node.dir, 0o700);
  await writeArtifacts(artifacts, node.dir);
  await rm(node.pidFile, { force: true });
  if (runtime.account) await chownTree(node.dir, runtime.account); // the node runs as `rabbitmq`

  const out = await open(join(node.dir, 'log', 'console.log'), 'a');
  const wanted = fdLimitFor(cluster);
  // The server script itself, not Debian's wrapper: the wrapper's `su` resets the descriptor limit.
  const command = runtimeCommand(runtime, 'rabbitmq-server', [], wanted);
  const child = spawn(command.file, command.args, {
    detached: true,
    stdio: ['ignore', out.fd, out.fd],
    ...(command.uid === undefined ? {} : { uid: command.uid, gid: command.gid }),
    env: {
      ...process.env,
      ...command.env,
      RABBITMQ_NODENAME: node.nodeName,
      RABBITMQ_CONFIG_FILE: join(node.dir, 'rabbitmq.conf'),
      RABBITMQ_MNESIA_BASE: join(node.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(node.dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(node.dir, 'enabled_plugins'),
      RABBITMQ_DIST_PORT: String(cluster.ports.dist),
      RABBITMQ_PID_FILE: node.pidFile,
      // Erlang ports (sockets, files) must not be the limit below the descriptor limit.
      ERL_MAX_PORTS: String(Math.max(wanted, 65536)),
      ...LOOPBACK_DISTRIBUTION,
    },
  });
  child.unref();
  await out.close();
}

async function chownTree(dir: string, account: RabbitmqAccount): Promise<void> {
  await execFileAsync('chown', ['-R', `${account.uid}:${account.gid}`, dir]);
}

/** The node's OS pid, if its pid file names a live process. */
export async function nodePid(node: LocalNode): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(node.pidFile, 'utf8')).trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && processAlive(pid) ? pid : undefined;
}

/** Stops a node: graceful `rabbitmqctl stop`, then SIGKILL if it is still there after `graceMs`. */
export async function stopNode(node: LocalNode, graceMs = 30_000): Promise<void> {
  const pid = await nodePid(node);
  if (pid === undefined) return;
  await rabbitmqCli('rabbitmqctl', node.nodeName, ['stop'], graceMs).catch(() => undefined);
  if (await waitForExit(pid, 5_000)) return;
  killNode(pid);
  await waitForExit(pid, 5_000);
}

/** SIGKILL, for fault drills and as the last resort of stop. */
export function killNode(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** The last lines of the node's log, to explain a failed start. */
export async function logTail(node: LocalNode, lines = 15): Promise<string> {
  const sources = [node.logFile, join(node.dir, 'log', 'console.log')];
  for (const file of sources) {
    try {
      const text = await readFile(file, 'utf8');
      const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
      if (tail) return tail;
    } catch {
      // try the next one
    }
  }
  return '(no log yet)';
}

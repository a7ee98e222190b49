// A stock RabbitMQ gateway node for the storm comparison: the same plugins as a fedgate gateway, but the package's
// defaults everywhere else — default listener options, no connection limit, the guest user, and the descriptor
// limit Debian's systemd unit gives it.
import { spawn, execFile } from 'node:child_process';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ManagementClient } from '@fedgate/broker-admin';
import { renderEnabledPlugins } from '@fedgate/broker-config';
import { brokerRuntime, localNode, mountForFleet, nodePid, runtimeCommand, stopNode, unmountForFleet, type LocalNode } from '@fedgate/local-cluster';
import type { Gateway } from '@fedgate/topology';
import { STOCK_NODE_PORTS, benchTopologyName, stockNodePorts, type StockNodePorts } from './bench-topology.ts';
import { BenchError } from './errors.ts';

const execFileAsync = promisify(execFile);

/** The descriptor limit Debian 13's rabbitmq-server.service gives a packaged node (LimitNOFILE). */
export const STOCK_FD_LIMIT = 65536;

export interface StockNode {
  readonly node: LocalNode;
  readonly pid: number;
  readonly mqttUrl: string;
  readonly admin: ManagementClient;
  /** Stock MQTT lets anyone in as guest from localhost. */
  readonly credentials: { readonly username: string; readonly password: string };
  stop(): Promise<void>;
}

/** Pure: the whole rabbitmq.conf of the stock node — listeners only, so every other setting is the default. */
export function stockRabbitmqConf(ports: StockNodePorts = STOCK_NODE_PORTS): string {
  return [
    "# Stock gateway for `fedgate bench gateway`: listeners only, every other setting is the package's default.",
    `listeners.tcp.default = ${ports.amqp}`,
    `management.tcp.port = ${ports.management}`,
    `prometheus.tcp.port = ${ports.prometheus}`,
    `mqtt.listeners.tcp.default = ${ports.mqtt}`,
    `stomp.listeners.tcp.1 = ${ports.stomp}`,
    '',
  ].join('\n');
}

/** Boots the stock node from the broker runtime (ports moved up by `portOffset`) and waits until it serves. */
export async function startStockNode(
  stateDir: string,
  like: Gateway,
  portOffset: number,
  progress: (line: string) => void,
  timeoutMs = 120_000,
): Promise<StockNode> {
  const ports = stockNodePorts(portOffset);
  // Named and placed like a fleet node (`fedgate-bench-stock@localhost` in <stateDir>/stock), on its own ports.
  const node: LocalNode = localNode(stateDir, benchTopologyName(portOffset), { ...like, name: 'stock', ports: { ...like.ports, ...ports } });
  const { dir, nodeName } = node;
  if (await nodePid(node)) await stopNode(node, 10_000);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'mnesia'), { recursive: true });
  await mkdir(join(dir, 'log'), { recursive: true });
  await writeFile(join(dir, 'rabbitmq.conf'), stockRabbitmqConf(ports));
  await writeFile(join(dir, 'enabled_plugins'), renderEnabledPlugins(like));
  const runtime = await brokerRuntime();
  // Its own directory only: unmounting it at the end must not reach into the bench fleets' state beside it.
  await mountForFleet(runtime, dir);
  const stop = async (timeout: number) => {
    await stopNode(node, timeout);
    await unmountForFleet(runtime, dir);
  };
  if (runtime.account) await execFileAsync('chown', ['-R', `${runtime.account.uid}:${runtime.account.gid}`, dir]);
  const out = await open(join(dir, 'log', 'console.log'), 'a');
  progress(`stock: starting ${nodeName} (RabbitMQ ${runtime.version}, ulimit -n ${STOCK_FD_LIMIT} as the package's systemd unit sets)`);
  const command = runtimeCommand(runtime, 'rabbitmq-server', [], STOCK_FD_LIMIT);
  const child = spawn(command.file, command.args, {
    detached: true,
    stdio: ['ignore', out.fd, out.fd],
    ...(command.uid === undefined ? {} : { uid: command.uid, gid: command.gid }),
    env: {
      ...process.env,
      ...command.env,
      RABBITMQ_NODENAME: nodeName,
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_DIST_PORT: String(ports.dist),
      RABBITMQ_PID_FILE: node.pidFile,
    },
  });
  child.unref();
  await out.close();

  const admin = new ManagementClient({ baseUrl: `http://127.0.0.1:${ports.management}`, user: 'guest', password: 'guest' });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = await nodePid(node);
    if (
      pid !== undefined &&
      (await admin.get('/overview').then(
        () => true,
        () => false,
      ))
    ) {
      progress(`stock: ready (pid ${pid})`);
      return {
        node,
        pid,
        mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`,
        admin,
        credentials: { username: 'guest', password: 'guest' },
        stop: () => stop(15_000),
      };
    }
    if (Date.now() > deadline) {
      await stop(5_000);
      throw new BenchError('BENCH_FLEET_FAILED', `the stock node did not become ready within ${timeoutMs / 1000} s (logs in ${join(dir, 'log')})`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Topology } from '@fedgate/topology';
import { nodeCluster } from './local-node.ts';
import type { ProxyTarget, TcpProxyStats } from './tcp-proxy.ts';
import type { WanConditions } from './wan-conditions.ts';
import { processAlive } from './process-alive.ts';
import { siblingMain, startDetachedMain } from './detached-main.ts';
import { LocalClusterError, type LocalClusterErrorCode } from './local-cluster-error.ts';

/** What one gateway's WAN proxy does: listen where its links connect, forward to every backend node. */
export interface WanProxySpec {
  readonly gateway: string;
  readonly listenHost: string;
  readonly listenPort: number;
  readonly targets: readonly ProxyTarget[];
  readonly conditions: Pick<WanConditions, 'latencyMs' | 'jitterMs'>;
}

/** What `fedgate wan status` shows for one proxy. */
export interface WanProxyState {
  readonly gateway: string;
  readonly pid: number;
  readonly listen: string;
  readonly targets: readonly string[];
  readonly conditions: WanConditions;
  readonly stats: TcpProxyStats;
}

export type WanProxyErrorCode = Extract<LocalClusterErrorCode, `WAN_${string}`>;

export class WanProxyError extends LocalClusterError {
  override readonly name = 'WanProxyError';
  declare readonly code: WanProxyErrorCode;
  constructor(code: WanProxyErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A proxy process answers its control socket within this after it is spawned, or it failed. @default 15000 ms */
export const DEFAULT_WAN_START_TIMEOUT_MS = 15_000;
/** Unix socket paths longer than this do not fit `sockaddr_un` on Linux. */
const MAX_SOCKET_PATH = 100;

/** Pure: one proxy per gateway with `wan` set. */
export function wanProxySpecs(topology: Topology): WanProxySpec[] {
  const { backend } = topology;
  const targets = Array.from({ length: backend.nodes }, (_, i) => ({ host: backend.host, port: nodeCluster(backend, i).ports.amqp }));
  return topology.gateways.flatMap((gw) =>
    gw.wan
      ? [{ gateway: gw.name, listenHost: gw.host, listenPort: gw.wan.port, targets, conditions: { latencyMs: gw.wan.latencyMs, jitterMs: gw.wan.jitterMs } }]
      : [],
  );
}

export function wanProxyFiles(stateDir: string, gateway: string): { dir: string; pidFile: string; logFile: string; socket: string } {
  const dir = join(stateDir, 'wan');
  const socket = join(dir, `${gateway}.sock`);
  return {
    dir,
    pidFile: join(dir, `${gateway}.pid`),
    logFile: join(dir, `${gateway}.log`),
    socket: socket.length <= MAX_SOCKET_PATH ? socket : join(tmpdir(), `fedgate-wan-${createHash('sha256').update(socket).digest('hex').slice(0, 16)}.sock`),
  };
}

/** Starts the proxy unless one with the same listener and targets answers already; restarts one that differs. */
export async function startWanProxy(stateDir: string, spec: WanProxySpec, timeoutMs = DEFAULT_WAN_START_TIMEOUT_MS): Promise<'started' | 'running'> {
  const files = wanProxyFiles(stateDir, spec.gateway);
  const current = await readWanProxy(stateDir, spec.gateway);
  if (
    current &&
    current.listen === `${spec.listenHost}:${spec.listenPort}` &&
    current.targets.join() === spec.targets.map((t) => `${t.host}:${t.port}`).join()
  ) {
    return 'running';
  }
  await stopWanProxy(stateDir, spec.gateway);
  const started = await startDetachedMain(
    siblingMain(import.meta.url, 'wan-proxy-main'),
    { ...spec, controlSocket: files.socket },
    files,
    async () => (await readWanProxy(stateDir, spec.gateway)) !== undefined,
    { timeoutMs },
  );
  if (started.ready) return 'started';
  throw new WanProxyError('WAN_PROXY_FAILED', `the WAN proxy of ${spec.gateway} did not start; last log lines:\n${started.logTail}`);
}

/** Stops the gateway's proxy if it runs; true when there was one. */
export async function stopWanProxy(stateDir: string, gateway: string): Promise<boolean> {
  const files = wanProxyFiles(stateDir, gateway);
  const pid = Number((await readFile(files.pidFile, 'utf8').catch(() => '')).trim());
  let stopped = false;
  if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    stopped = true;
  }
  await rm(files.pidFile, { force: true });
  await rm(files.socket, { force: true });
  return stopped;
}

/** The proxy's state, or undefined when it does not run. */
export async function readWanProxy(stateDir: string, gateway: string): Promise<WanProxyState | undefined> {
  try {
    return await control<WanProxyState>(wanProxyFiles(stateDir, gateway).socket, 'GET');
  } catch (err) {
    if (err instanceof WanProxyError && err.code !== 'WAN_PROXY_NOT_RUNNING') throw err;
    return undefined;
  }
}

/** Changes latency, jitter or the partition of a running proxy. */
export async function changeWanProxy(stateDir: string, gateway: string, change: Partial<WanConditions>): Promise<WanProxyState> {
  return control<WanProxyState>(wanProxyFiles(stateDir, gateway).socket, 'PUT', change);
}

function control<T>(socketPath: string, method: 'GET' | 'PUT', body?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/state', method, headers: { 'content-type': 'application/json' }, timeout: 5_000 }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => void (text += chunk.toString()));
      res.on('end', () => {
        let parsed: { error?: string } = {};
        try {
          parsed = JSON.parse(text) as { error?: string };
        } catch {
          // reported below
        }
        if (res.statusCode === 200) resolve(parsed as T);
        else if (res.statusCode === 400) reject(new WanProxyError('WAN_CONDITIONS_INVALID', parsed.error ?? text));
        else reject(new WanProxyError('WAN_PROXY_FAILED', `WAN proxy answered ${res.statusCode}: ${parsed.error ?? text}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const missing = err.code === 'ENOENT' || err.code === 'ECONNREFUSED';
      reject(
        new WanProxyError(
          missing ? 'WAN_PROXY_NOT_RUNNING' : 'WAN_PROXY_FAILED',
          missing ? 'the WAN proxy is not running' : `WAN proxy control: ${err.message}`,
          { cause: err },
        ),
      );
    });
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { authzPort, hasDeviceLogins, type Topology } from '@fedgate/topology';
import { DEFAULT_AUTHZ_HOST } from '@fedgate/device-authz';
import { nodeCluster } from './local-node.ts';
import { processAlive } from './process-alive.ts';
import { siblingMain, startDetachedMain } from './detached-main.ts';
import { LocalClusterError } from './local-cluster-error.ts';

/** One TLS gateway node's device authorisation endpoint, as local mode runs it. */
export interface DeviceAuthzSpec {
  readonly gateway: string;
  /** 0 for the gateway's first node. */
  readonly node: number;
  readonly host: string;
  readonly port: number;
  readonly vhost: string;
}

export class DeviceAuthzProcessError extends LocalClusterError {
  override readonly name = 'DeviceAuthzProcessError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('DEVICE_AUTHZ_FAILED', message, options);
  }
}

/** An endpoint answers its health check within this after it is spawned, or it failed. @default 15000 ms */
export const DEFAULT_AUTHZ_START_TIMEOUT_MS = 15_000;

/** Pure: one endpoint per node of every gateway with `tls: true`, on loopback at the node's `ports.authz`. */
export function deviceAuthzSpecs(topology: Topology): DeviceAuthzSpec[] {
  return topology.gateways.filter(hasDeviceLogins).flatMap((gw) =>
    Array.from({ length: gw.nodes }, (_, node) => ({
      gateway: gw.name,
      node,
      host: DEFAULT_AUTHZ_HOST,
      port: authzPort(nodeCluster(gw, node)),
      vhost: topology.vhost,
    })),
  );
}

export function deviceAuthzFiles(stateDir: string, spec: Pick<DeviceAuthzSpec, 'gateway' | 'node'>): { dir: string; pidFile: string; logFile: string } {
  const dir = join(stateDir, 'authz');
  const label = spec.node === 0 ? spec.gateway : `${spec.gateway}_${spec.node + 1}`;
  return { dir, pidFile: join(dir, `${label}.pid`), logFile: join(dir, `${label}.log`) };
}

/** Starts the endpoint unless its process is alive and answers; returns what it did. */
export async function startDeviceAuthz(stateDir: string, spec: DeviceAuthzSpec, timeoutMs = DEFAULT_AUTHZ_START_TIMEOUT_MS): Promise<'started' | 'running'> {
  const files = deviceAuthzFiles(stateDir, spec);
  const pid = await readPid(files.pidFile);
  if (pid !== undefined && (await healthy(spec))) return 'running';
  await stopDeviceAuthz(stateDir, spec);
  const started = await startDetachedMain(siblingMain(import.meta.url, 'device-authz-main'), spec, files, () => healthy(spec), { timeoutMs, private: true });
  if (started.ready) return 'started';
  throw new DeviceAuthzProcessError(
    `the device authorisation endpoint of ${spec.gateway} (node ${spec.node + 1}) did not start on ${spec.host}:${spec.port}; last log lines:\n${started.logTail}`,
  );
}

/** Stops the endpoint if its process runs; true when there was one. */
export async function stopDeviceAuthz(stateDir: string, spec: Pick<DeviceAuthzSpec, 'gateway' | 'node'>): Promise<boolean> {
  const files = deviceAuthzFiles(stateDir, spec);
  const pid = await readPid(files.pidFile);
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  await rm(files.pidFile, { force: true });
  return pid !== undefined;
}

async function readPid(file: string): Promise<number | undefined> {
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 && processAlive(pid) ? pid : undefined;
}

async function healthy(spec: DeviceAuthzSpec): Promise<boolean> {
  try {
    const res = await fetch(`http://${spec.host}:${spec.port}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return res.ok && (await res.text()) === 'ok';
  } catch {
    return false;
  }
}

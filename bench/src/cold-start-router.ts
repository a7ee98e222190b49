// The scenario's side of a router process (cold-start-router-main.ts): start it, have it write snapshots, stop it.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RebuildReport } from '@fedgate/router';
import { BenchError } from './errors.ts';

const MAIN = fileURLToPath(new URL('./cold-start-router-main.ts', import.meta.url));
/** Longest loading the router's code may take. */
const BOOT_TIMEOUT_MS = 120_000;
/**
 * Longest one request may take: a start that replays a million presence events took over 6 minutes on a shared
 * 2-core machine under a load average of 20.
 */
const REQUEST_TIMEOUT_MS = 30 * 60_000;

export type ColdStartRouterRequest =
  | { readonly kind: 'start'; readonly amqpUrl: string; readonly topologyFile: string }
  /** Waits until the directory holds `afterDevices`, then writes one snapshot. */
  | { readonly kind: 'write-snapshot'; readonly afterDevices: number }
  | { readonly kind: 'stop' };

/** How a router process started: times are epoch milliseconds, so they compare with the scenario's own clock. */
export interface RouterStart {
  /** When the process began (node's time origin), before loading any code. */
  readonly processStartedAt: number;
  /** When `RouterService.start()` was called, and when it returned (directory rebuilt, consuming commands). */
  readonly startedAt: number;
  readonly readyAt: number;
  /** CPU the process spent inside `start()`, and since it began (loading code included). */
  readonly startCpuSeconds: number;
  readonly processCpuSeconds: number;
  /** Resident set when ready, and the largest it had been until then (VmHWM). */
  readonly residentBytes: number;
  readonly peakResidentBytes: number;
  readonly devices: number;
  readonly rebuild: RebuildReport;
}

export type ColdStartRouterReply =
  | { readonly kind: 'booted' }
  | ({ readonly kind: 'ready' } & RouterStart)
  | { readonly kind: 'snapshot-written'; readonly bytes: number; readonly parts: number; readonly seconds: number }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'failed'; readonly message: string };

export interface ColdStartRouter {
  readonly pid: number;
  /** Starts the router and resolves once it routes commands. */
  start(amqpUrl: string, topologyFile: string): Promise<RouterStart>;
  writeSnapshot(afterDevices: number): Promise<{ bytes: number; parts: number; seconds: number }>;
  /** Graceful stop, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Forks the router process and resolves once its code is loaded, so a start that follows measures the router alone. */
export async function forkColdStartRouter(cwd: string): Promise<ColdStartRouter> {
  const child = fork(MAIN, [], { cwd, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const next = <K extends ColdStartRouterReply['kind']>(kind: K, doing: string, timeoutMs = REQUEST_TIMEOUT_MS) =>
    new Promise<Extract<ColdStartRouterReply, { kind: K }>>((resolve, reject) => {
      const timer = setTimeout(() => fail(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
      const onMessage = (reply: ColdStartRouterReply) => {
        if (reply.kind === kind) done(() => resolve(reply as Extract<ColdStartRouterReply, { kind: K }>));
        else if (reply.kind === 'failed') fail(reply.message);
      };
      const onExit = (code: number | null) => fail(`the router process exited (${code}) ${stderr}`);
      const fail = (reason: string) => done(() => reject(new BenchError('BENCH_PROCESS_FAILED', `router process, ${doing}: ${reason}`)));
      const done = (settle: () => void) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        settle();
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  try {
    await next('booted', 'loading', BOOT_TIMEOUT_MS);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const request = (r: ColdStartRouterRequest) => child.send(r);
  return {
    pid: child.pid!,
    async start(amqpUrl, topologyFile) {
      const ready = next('ready', 'starting');
      request({ kind: 'start', amqpUrl, topologyFile });
      const { kind: _, ...start } = await ready;
      return start;
    },
    async writeSnapshot(afterDevices) {
      const written = next('snapshot-written', 'writing a snapshot');
      request({ kind: 'write-snapshot', afterDevices });
      const { kind: _, ...snapshot } = await written;
      return snapshot;
    },
    stop: (graceMs = 20_000) => stopChild(child, graceMs),
  };
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.send({ kind: 'stop' } satisfies ColdStartRouterRequest);
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

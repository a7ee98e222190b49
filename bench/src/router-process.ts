// A router instance as it runs in production: its own `fedgate router` process, so it has its own event loop and
// its CPU time can be read apart from the bench's.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BenchError } from './errors.ts';

export interface RouterProcess {
  readonly pid: number;
  readonly metricsUrl: string;
  /** `fedgate_router_directory_devices` as the instance reports it now. */
  directorySize(): Promise<number>;
  /** The instance's /metrics text now (a scrape also resets its event-loop delay gauges). */
  scrape(): Promise<string>;
  /** SIGTERM (graceful: stop consuming, finish confirms), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** How a router instance is started beyond the topology. */
export interface RouterProcessOptions {
  /** `fedgate router --prefetch`. @default the command's default */
  readonly prefetch?: number;
  /** V8 flags for the router's Node process, e.g. `--max-semi-space-size=32`. @default none */
  readonly v8Flags?: readonly string[];
  readonly timeoutMs?: number;
}

/** Starts `fedgate router` on the bench topology and resolves once it printed that it is ready. */
export async function startRouterProcess(cwd: string, topologyFile: string, options: RouterProcessOptions = {}): Promise<RouterProcess> {
  const { prefetch, v8Flags = [], timeoutMs = 60_000 } = options;
  const bin = join(cwd, 'packages', 'cli', 'bin', 'fedgate.js');
  const args = [
    ...v8Flags,
    bin,
    'router',
    '-f',
    topologyFile,
    '--port',
    '0',
    '--log-level',
    'warn',
    ...(prefetch === undefined ? [] : ['--prefetch', String(prefetch)]),
  ];
  const child = spawn(process.execPath, args, {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new BenchError('BENCH_PROCESS_FAILED', `the router did not report ready within ${timeoutMs / 1000} s: ${err.slice(-500)}`));
    }, timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const ready = /router ready: metrics on http:\/\/[^:]+:(\d+)\//.exec(err);
      if (ready) {
        clearTimeout(timer);
        resolve(Number(ready[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new BenchError('BENCH_PROCESS_FAILED', `the router exited with ${code} before it was ready: ${err.slice(-500)}`));
    });
  });
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const scrape = async () => (await fetch(metricsUrl)).text();
  return {
    pid: child.pid!,
    metricsUrl,
    async directorySize() {
      return Number(/^fedgate_router_directory_devices (\d+)/m.exec(await scrape())?.[1] ?? 0);
    },
    scrape,
    stop: (graceMs = 15_000) => stopChild(child, graceMs),
  };
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

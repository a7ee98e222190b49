// The parent side of a storm: forks the client processes, hands each its share of the logins, starts them all at
// one moment and gathers what they report. Their pids are the storm's client CPU.
import { fork, type ChildProcess } from 'node:child_process';
import { BenchError } from '../errors.ts';
import type { FromStormClients, StormClientSettings, StormLogin, ToStormClients } from './storm-protocol.ts';

export interface StormClients {
  readonly pids: readonly number[];
  /** Epoch ms at which the clients were told to start. */
  readonly startedAtEpochMs: number;
  /** Epoch ms of every QoS 1 subscription granted so far. */
  readonly subscribedAtEpochMs: readonly number[];
  failedAttempts(): number;
  dropped(): number;
  connected(): number;
  failures(): Record<string, number>;
  /** Closes every client and waits for the processes to exit. */
  stop(): Promise<void>;
}

interface ClientProcess {
  readonly child: ChildProcess;
  last: Extract<FromStormClients, { type: 'progress' }> | undefined;
}

function waitFor(child: ChildProcess, type: FromStormClients['type'], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new BenchError('BENCH_PROCESS_FAILED', `a storm client process did not say "${type}" within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    const onMessage = (m: FromStormClients) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (type === 'stopped') resolve();
      else reject(new BenchError('BENCH_PROCESS_FAILED', `a storm client process exited with ${code} before it said "${type}"`));
    });
  });
}

/** Splits `logins` over `processes` client processes and starts them all together, `leadMs` from now. */
export async function startStormClients(logins: readonly StormLogin[], settings: StormClientSettings, processes: number, leadMs = 500): Promise<StormClients> {
  const shares = Array.from({ length: processes }, (_, p) => logins.filter((_, i) => i % processes === p));
  const procs: ClientProcess[] = shares.map(() => ({
    child: fork(new URL('./storm-clients-main.ts', import.meta.url), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    last: undefined,
  }));
  const subscribedAtEpochMs: number[] = [];
  const totals = procs.map(() => ({ failedAttempts: 0, dropped: 0, connected: 0, failures: {} as Record<string, number> }));
  procs.forEach((p, i) =>
    p.child.on('message', (m: FromStormClients) => {
      if (m.type !== 'progress') return;
      subscribedAtEpochMs.push(...m.subscribedAtEpochMs);
      totals[i] = { failedAttempts: m.failedAttempts, dropped: m.dropped, connected: m.connected, failures: m.failures };
    }),
  );
  const tell = (p: ClientProcess, m: ToStormClients) => p.child.send(m);
  try {
    await Promise.all(
      procs.map((p, i) => {
        const loaded = waitFor(p.child, 'loaded', 60_000);
        tell(p, { type: 'load', logins: shares[i]!, settings });
        return loaded;
      }),
    );
  } catch (err) {
    for (const p of procs) p.child.kill('SIGKILL');
    throw err;
  }
  const startedAtEpochMs = Date.now() + leadMs;
  for (const p of procs) tell(p, { type: 'go', atEpochMs: startedAtEpochMs });
  const sum = (field: 'failedAttempts' | 'dropped' | 'connected') => totals.reduce((n, t) => n + t[field], 0);
  return {
    pids: procs.map((p) => p.child.pid!),
    startedAtEpochMs,
    subscribedAtEpochMs,
    failedAttempts: () => sum('failedAttempts'),
    dropped: () => sum('dropped'),
    connected: () => sum('connected'),
    failures: () => {
      const all: Record<string, number> = {};
      for (const t of totals) for (const [kind, n] of Object.entries(t.failures)) all[kind] = (all[kind] ?? 0) + n;
      return all;
    },
    async stop() {
      await Promise.all(
        procs.map(async (p) => {
          if (p.child.exitCode !== null) return;
          const stopped = waitFor(p.child, 'stopped', 60_000).catch(() => p.child.kill('SIGKILL'));
          tell(p, { type: 'stop' });
          await stopped;
        }),
      );
    },
  };
}

import { spawn } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const READY_TIMEOUT_MS = 20_000;

/** A fedgate command the demo leaves running, serving HTTP on 127.0.0.1:`port`. */
export interface BackgroundService {
  /** For messages and the log file's name (`<stateDir>/<name>.log`). */
  readonly name: string;
  /** The fedgate arguments that run it. */
  readonly args: readonly string[];
  readonly port: number;
  /** A path that answers 200 once it serves. */
  readonly probePath: string;
  /** Where its pid goes, so `fedgate local down` stops it too. */
  readonly pidFile: string;
}

async function serving(port: number, path: string): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

/** Reuses the service when something already serves on its port, else starts `fedgate ARGS` detached and waits for it. */
export async function ensureBackgroundService(stateDir: string, service: BackgroundService): Promise<{ started: boolean; url: string; log: string }> {
  const log = join(stateDir, `${service.name}.log`);
  const url = `http://127.0.0.1:${service.port}/`;
  if (await serving(service.port, service.probePath)) return { started: false, url, log };
  const bin = resolve(import.meta.dirname, '../../bin/fedgate.js');
  const out = openSync(log, 'a');
  const child = spawn(process.execPath, [bin, ...service.args], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(service.pidFile, `${child.pid}\n`);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await serving(service.port, service.probePath)) return { started: true, url, log };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const tail = readFileSync(log, 'utf8').trimEnd().split('\n').slice(-5).join('\n');
  throw new Error(`${service.name} did not start on port ${service.port}; last lines of ${log}:\n${tail}`);
}

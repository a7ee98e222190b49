import { spawn } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { routerPidFile } from '@fedgate/local-cluster';

/** How long a starting router may take to rebuild its directory and become ready. */
const READY_TIMEOUT_MS = 60_000;

async function isReady(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

/**
 * Makes sure a router runs for the fleet: reuses a ready one on `port`, else starts `fedgate router` detached
 * (logs in `<stateDir>/router.log`, pid in `router.pid` so `fedgate local down` stops it too).
 */
export async function ensureBackgroundRouter(topologyFile: string, stateDir: string, port: number): Promise<{ started: boolean; pid?: number; log: string }> {
  const log = join(stateDir, 'router.log');
  if (await isReady(port)) return { started: false, log };
  const bin = resolve(import.meta.dirname, '../../bin/fedgate.js');
  const out = openSync(log, 'a');
  const child = spawn(process.execPath, [bin, 'router', '-f', topologyFile, '--port', String(port)], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(routerPidFile(stateDir), `${child.pid}\n`);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await isReady(port)) return { started: true, pid: child.pid, log };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const tail = readFileSync(log, 'utf8').trimEnd().split('\n').slice(-10).join('\n');
  throw new Error(`the router did not become ready on port ${port}; last lines of ${log}:\n${tail}`);
}

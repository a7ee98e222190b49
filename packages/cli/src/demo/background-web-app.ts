import { spawn } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { webAppPidFile } from '@fedgate/local-cluster';

const READY_TIMEOUT_MS = 20_000;

async function serving(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/app.js`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

/**
 * Makes sure the browser example app is served for the demo: reuses one on `port`, else starts `fedgate app serve`
 * detached (logs in `<stateDir>/web-app.log`, pid in `web-app.pid` so `fedgate local down` stops it too).
 */
export async function ensureBackgroundWebApp(
  topologyFile: string,
  stateDir: string,
  options: { app: string; gateway: string; port: number },
): Promise<{ started: boolean; url: string; log: string }> {
  const log = join(stateDir, 'web-app.log');
  const url = `http://127.0.0.1:${options.port}/`;
  if (await serving(options.port)) return { started: false, url, log };
  const bin = resolve(import.meta.dirname, '../../bin/fedgate.js');
  const out = openSync(log, 'a');
  const args = [bin, 'app', 'serve', options.app, '--gateway', options.gateway, '-f', topologyFile, '--port', String(options.port), '--ttl', '12h'];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(webAppPidFile(stateDir), `${child.pid}\n`);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await serving(options.port)) return { started: true, url, log };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const tail = readFileSync(log, 'utf8').trimEnd().split('\n').slice(-5).join('\n');
  throw new Error(`the browser example app did not start on port ${options.port}; last lines of ${log}:\n${tail}`);
}

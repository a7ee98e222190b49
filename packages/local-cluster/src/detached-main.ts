import { spawn } from 'node:child_process';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processAlive } from './process-alive.ts';

/** Where a detached helper process of local mode keeps its pid and log. */
export interface DetachedFiles {
  readonly dir: string;
  readonly pidFile: string;
  readonly logFile: string;
}

/**
 * The entry `name` beside the module at `moduleUrl`, in that module's own form: TypeScript in a checkout, the built
 * JavaScript in an installed package (which has no sources and no tsx).
 */
export function siblingMain(moduleUrl: string, name: string): URL {
  return new URL(`./${name}${extname(new URL(moduleUrl).pathname)}`, moduleUrl);
}

/**
 * Starts `main` (an entry from siblingMain: TypeScript is run through tsx, JavaScript by plain node) detached, with
 * `argument` as JSON on its command line, its output appended to the log and its pid written down; then waits until
 * `ready()` says it serves.
 * Resolves with the log's last lines instead when it exits first or does not get ready within `timeoutMs`.
 */
export async function startDetachedMain(
  main: URL,
  argument: unknown,
  files: DetachedFiles,
  ready: () => Promise<boolean>,
  options: { timeoutMs: number; private?: boolean },
): Promise<{ ready: true } | { ready: false; logTail: string }> {
  await mkdir(files.dir, { recursive: true, ...(options.private ? { mode: 0o700 } : {}) });
  const out = await open(files.logFile, 'a', ...(options.private ? [0o600] : []));
  const entry = fileURLToPath(main);
  const loader = entry.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  const child = spawn(process.execPath, [...loader, entry, JSON.stringify(argument)], {
    detached: true,
    stdio: ['ignore', out.fd, out.fd],
  });
  child.unref();
  await out.close();
  await writeFile(files.pidFile, `${child.pid}\n`);
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (await ready()) return { ready: true };
    if (!processAlive(child.pid!)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = await readFile(files.logFile, 'utf8').catch(() => '');
  return { ready: false, logTail: log.trimEnd().split('\n').slice(-10).join('\n') };
}

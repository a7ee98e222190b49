import { createServer, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_HOST, closeServer, listen, pageUrl } from '../listen.ts';
import { PAGE_HEADERS, notFound, sendJson, serveStatic } from '../static-files.ts';
import { WebError } from '../errors.ts';
import type { ConsoleSnapshot } from './console-snapshot.ts';

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'static');
const ROUTES = new Map([
  ['/', join(STATIC_DIR, 'console.html')],
  ['/console.js', join(STATIC_DIR, 'console.js')],
]);

/** @default 5000 ms between two refreshes (the next starts when the last one finished plus this). */
export const DEFAULT_REFRESH_MS = 5_000;

export interface ConsoleServerOptions {
  /** Collects one snapshot; called once per refresh whoever is watching, never twice at once. */
  collect(): Promise<ConsoleSnapshot>;
  /** @default DEFAULT_HOST (loopback: the page has no login and shows the fleet's state) */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default DEFAULT_REFRESH_MS */
  readonly refreshMs?: number;
  /** Told of a refresh that failed (the page shows the error too). */
  onError?(err: Error): void;
}

export interface ConsoleServer {
  readonly url: string;
  /** The newest snapshot, once there is one. */
  latest(): ConsoleSnapshot | undefined;
  close(): Promise<void>;
}

/**
 * The fleet console: a read-only page (`/`) that refreshes by itself from server-sent events (`/events`, one
 * `snapshot` event per refresh, a `failure` event when one fails; EventSource keeps `error` for the connection) and `/snapshot.json` for scripts. Snapshots are
 * collected only while someone watches (an open event stream) and shared by every viewer.
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
  if (!Number.isFinite(refreshMs) || refreshMs < 500) throw new WebError('WEB_INVALID_OPTION', `invalid refresh interval ${refreshMs} ms: at least 500 ms`);
  const viewers = new Set<ServerResponse>();
  let latest: ConsoleSnapshot | undefined;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const send = (res: ServerResponse, event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

  async function refresh(): Promise<void> {
    if (running || closed) return;
    running = true;
    timer = undefined;
    try {
      latest = await options.collect();
      for (const res of viewers) send(res, 'snapshot', latest);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      options.onError?.(error);
      for (const res of viewers) send(res, 'failure', { at: new Date().toISOString(), message: error.message });
    } finally {
      running = false;
      if (viewers.size > 0 && !closed) timer = setTimeout(() => void refresh(), refreshMs);
    }
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return notFound(res);
    if (path === '/events') {
      res.writeHead(200, { ...PAGE_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
      res.write(`retry: ${Math.min(refreshMs, 5_000)}\n\n`);
      viewers.add(res);
      if (latest) send(res, 'snapshot', latest);
      req.on('close', () => viewers.delete(res));
      if (!running && timer === undefined) void refresh();
      return;
    }
    if (path === '/snapshot.json') {
      if (latest) return sendJson(res, 200, latest);
      options.collect().then(
        (s) => {
          latest = s;
          sendJson(res, 200, s);
        },
        (err: Error) => sendJson(res, 503, { error: err.message }),
      );
      return;
    }
    serveStatic(ROUTES, path, res).then(
      (served) => served || notFound(res),
      () => notFound(res),
    );
  });
  const host = options.host ?? DEFAULT_HOST;
  const bound = await listen(server, host, options.port ?? 0);
  return {
    url: pageUrl(host, bound.port),
    latest: () => latest,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const res of viewers) res.end();
      viewers.clear();
      await closeServer(server);
    },
  };
}

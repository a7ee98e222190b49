import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
};

/**
 * Headers every page fedgate serves carries: nothing is cached (a token or a fleet's state may be in it), no other
 * site may frame it, scripts come from this origin only, and the browser may open WebSockets anywhere (the app
 * connects to a gateway on another port or host).
 */
export const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' wss: ws:; frame-ancestors 'none'",
} as const;

/** A fixed URL path → file table: nothing outside it is served, so no path can walk out of the directory. */
export type StaticRoutes = ReadonlyMap<string, string>;

/** Writes the file `routes` maps `path` to; false when the path is not one of them. */
export async function serveStatic(routes: StaticRoutes, path: string, res: ServerResponse): Promise<boolean> {
  const file = routes.get(path);
  if (file === undefined) return false;
  const body = await readFile(file);
  const type = TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream';
  res.writeHead(200, { ...PAGE_HEADERS, 'content-type': type, 'content-length': body.length });
  res.end(body);
  return true;
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { ...PAGE_HEADERS, 'content-type': TYPES['.json']!, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function notFound(res: ServerResponse): void {
  res.writeHead(404, { ...PAGE_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
  res.end('not found\n');
}

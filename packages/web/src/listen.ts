import type { Server } from 'node:http';
import { WebError } from './errors.ts';

/** Loopback only unless asked: these pages carry a token or a fleet's state, and have no login of their own. */
export const DEFAULT_HOST = '127.0.0.1';

/** Starts `server` on host:port (0 = any free port); rejects with the cause (port in use, bad address). */
export function listen(server: Server, host: string, port: number): Promise<{ host: string; port: number }> {
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    return Promise.reject(new WebError('WEB_INVALID_OPTION', `invalid port ${port}: expected 0 to 65535`));
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new WebError(
          'WEB_LISTEN_FAILED',
          err.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use` : `cannot listen on ${host}:${port}: ${err.message}`,
        ),
      ),
    );
    server.listen(port, host, () => {
      const address = server.address();
      resolve({ host, port: typeof address === 'object' && address ? address.port : port });
    });
  });
}

/** The URL a browser opens for a server listening on host:port (IPv6 in brackets). */
export function pageUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}/`;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

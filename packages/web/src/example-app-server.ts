import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_HOST, closeServer, listen, pageUrl } from './listen.ts';
import { notFound, sendJson, serveStatic } from './static-files.ts';
import { WebError } from './errors.ts';

/** The package's example-app folder: one level above this module both in src/ and in the built dist/. */
export const EXAMPLE_APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'example-app');

/** What the page connects with; served as config.json to the page only (never printed). */
export interface ExampleAppConfig {
  /** wss://gateway:port/ws */
  readonly url: string;
  readonly app: string;
  /** The app's signed token. Left out, the page asks for it. */
  readonly token?: string;
}

export interface ExampleAppServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the example app (index.html, app.js), the `mqtt` package's browser build as vendor/mqtt.esm.js, and the
 * connection settings as config.json. Binds 127.0.0.1 by default: config.json holds the app's token.
 */
export async function startExampleAppServer(options: { config: ExampleAppConfig; host?: string; port?: number }): Promise<ExampleAppServer> {
  const { config } = options;
  if (!/^wss?:\/\//.test(config.url)) throw new WebError('WEB_INVALID_OPTION', `invalid gateway URL ${JSON.stringify(config.url)}: expected ws:// or wss://`);
  const mqttBrowserBuild = join(dirname(createRequire(import.meta.url).resolve('mqtt/package.json')), 'dist', 'mqtt.esm.js');
  const routes = new Map([
    ['/', join(EXAMPLE_APP_DIR, 'index.html')],
    ['/index.html', join(EXAMPLE_APP_DIR, 'index.html')],
    ['/app.js', join(EXAMPLE_APP_DIR, 'app.js')],
    ['/vendor/mqtt.esm.js', mqttBrowserBuild],
  ]);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return notFound(res);
    if (path === '/config.json') return sendJson(res, 200, config);
    serveStatic(routes, path, res)
      .then((served) => served || notFound(res))
      .catch(() => notFound(res));
  });
  const host = options.host ?? DEFAULT_HOST;
  const bound = await listen(server, host, options.port ?? 0);
  return { url: pageUrl(host, bound.port), close: () => closeServer(server) };
}

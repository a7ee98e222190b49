import { createServer, type Server } from 'node:http';
import type { Readiness } from './readiness.ts';
import type { RouterMetrics } from './router-metrics.ts';

export interface HttpEndpointsDeps {
  readonly metrics: RouterMetrics;
  readonly readiness: () => Readiness;
  readonly stopping: () => boolean;
}

/** `/metrics`, `/healthz` (the process is up and not stopping) and `/readyz` (routing right now, with the reason). */
export async function startHttpEndpoints(deps: HttpEndpointsDeps, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      deps.metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(text),
        (err) => res.writeHead(500).end(String(err)),
      );
    } else if (req.url === '/healthz') {
      res.writeHead(deps.stopping() ? 503 : 200).end(deps.stopping() ? 'stopping\n' : 'ok\n');
    } else if (req.url === '/readyz') {
      const state = deps.readiness();
      res.writeHead(state.ready ? 200 : 503).end(`${state.reason}\n`);
    } else {
      res.writeHead(404).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

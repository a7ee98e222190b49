// The WAN simulator as a background process: `fedgate local up` starts one per gateway with `wan` set, so it
// outlives the command; `fedgate wan` changes its conditions through a control socket; `local down` stops it.
import { createServer } from 'node:http';
import { rm } from 'node:fs/promises';
import { TcpProxy } from './tcp-proxy.ts';
import { WanConditionsError } from './wan-conditions.ts';
import type { WanProxySpec, WanProxyState } from './wan-proxy.ts';

const MAX_CONTROL_BODY_BYTES = 4_096;

const spec = JSON.parse(process.argv[2] ?? '') as WanProxySpec & { controlSocket: string };
const proxy = new TcpProxy({ listenHost: spec.listenHost, listenPort: spec.listenPort, targets: spec.targets, conditions: spec.conditions });
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} wan ${spec.gateway}: ${line}\n`);

const state = (): WanProxyState => ({
  gateway: spec.gateway,
  pid: process.pid,
  listen: `${spec.listenHost}:${spec.listenPort}`,
  targets: spec.targets.map((t) => `${t.host}:${t.port}`),
  conditions: proxy.conditions,
  stats: proxy.stats(),
});

const control = createServer((req, res) => {
  const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (req.url !== '/state') return reply(404, { error: 'not found' });
  if (req.method === 'GET') return reply(200, state());
  if (req.method !== 'PUT') return reply(405, { error: 'GET or PUT /state' });
  let body = '';
  req.on('data', (chunk: Buffer) => {
    body += chunk.toString();
    if (body.length > MAX_CONTROL_BODY_BYTES) req.destroy();
  });
  req.on('end', () => {
    try {
      const change = JSON.parse(body) as Record<string, unknown>;
      const next = proxy.set(change);
      log(`conditions now ${JSON.stringify(next)}`);
      reply(200, state());
    } catch (err) {
      reply(err instanceof WanConditionsError || err instanceof SyntaxError ? 400 : 500, { error: (err as Error).message });
    }
  });
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) process.exit(1); // a second signal: exit at once
  stopping = true;
  log(`${signal}: closing`);
  control.close();
  await proxy.close();
  await rm(spec.controlSocket, { force: true });
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));

await rm(spec.controlSocket, { force: true });
await proxy.listen();
await new Promise<void>((resolve) => control.listen(spec.controlSocket, resolve));
log(`listening on ${spec.listenHost}:${spec.listenPort} → ${spec.targets.map((t) => `${t.host}:${t.port}`).join(', ')}`);

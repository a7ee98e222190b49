import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { pino } from 'pino';
import type { Topology } from '@fedgate/topology';
import { RouterService } from '../src/router-service.ts';
import { RouterError } from '../src/router-error.ts';

const topology = {
  gateways: [],
  routing: { commandTtlSeconds: 60, locationTtlSeconds: 86_400, maxCommandBytes: 262_144, onUnknown: 'broadcast', evacuateAfterSeconds: 60 },
} as unknown as Topology;

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('router - service start without a backend', () => {
  it('fails with a typed error naming what it was doing, and leaves no HTTP server behind', async () => {
    const port = await closedPort();
    const router = new RouterService(
      { amqpUrl: `amqp://u:p@127.0.0.1:${port}`, topology, httpPort: 0, httpHost: '127.0.0.1', connectTimeoutMs: 300 },
      pino({ level: 'silent' }),
    );
    await assert.rejects(router.start(), (err: RouterError) => {
      assert.ok(err instanceof RouterError);
      assert.equal(err.code, 'ROUTER_BROKER_ERROR');
      assert.match(err.message, /^probing the backend for its frame_max: /);
      return true;
    });
    assert.equal(router.httpPort, undefined, 'HTTP server closed');
    assert.equal(router.ready, false);
  });
});

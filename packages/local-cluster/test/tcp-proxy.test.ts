import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { TcpProxy } from '../src/tcp-proxy.ts';
import { applyWanChange, releaseTime, WanConditionsError, WHOLE_LINK } from '../src/wan-conditions.ts';

/** An echo server standing in for a backend node. */
async function echoServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

/** A closed port: something that refuses, like a node that is down. */
async function refusingPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Client {
  readonly socket: Socket;
  received(): string;
  /** Resolves when `text` has arrived, with the ms it took; rejects after `timeoutMs`. */
  waitFor(text: string, timeoutMs?: number): Promise<number>;
  closed: Promise<string>;
}

async function client(port: number): Promise<Client> {
  const socket = connect({ host: '127.0.0.1', port });
  let data = '';
  const closed = new Promise<string>((resolve) => {
    let error = '';
    socket.on('error', (err: NodeJS.ErrnoException) => void (error = err.code ?? err.message));
    socket.once('close', () => resolve(error || 'closed'));
  });
  socket.on('data', (chunk) => void (data += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const started = () => performance.now();
  return {
    socket,
    received: () => data,
    closed,
    async waitFor(text, timeoutMs = 2_000) {
      const t0 = started();
      while (!data.includes(text)) {
        if (performance.now() - t0 > timeoutMs) throw new Error(`"${text}" did not arrive within ${timeoutMs} ms (got ${JSON.stringify(data)})`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return performance.now() - t0;
    },
  };
}

/** How a connection attempt ends when the proxy turns it away: the error code, at connect or just after. */
function refusal(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let code = 'closed';
    socket.on('error', (err: NodeJS.ErrnoException) => void (code = err.code ?? err.message));
    socket.once('close', () => resolve(code));
  });
}

describe('wan - conditions', () => {
  it('releases a chunk after latency plus its share of the jitter', () => {
    assert.equal(releaseTime(1_000, 0, { latencyMs: 50, jitterMs: 0 }, 0.7), 1_050);
    assert.equal(releaseTime(1_000, 0, { latencyMs: 50, jitterMs: 20 }, 0), 1_050);
    assert.equal(releaseTime(1_000, 0, { latencyMs: 50, jitterMs: 20 }, 0.999), 1_070);
  });

  it('never releases a chunk before the one ahead of it', () => {
    assert.equal(releaseTime(1_000, 1_090, { latencyMs: 50, jitterMs: 20 }, 0), 1_090);
  });

  it('refuses a delay out of range or an unknown partition mode, naming the field and the value', () => {
    assert.throws(
      () => applyWanChange(WHOLE_LINK, { latencyMs: -1 }),
      (err: Error) => err instanceof WanConditionsError && err.message === 'latencyMs must be an integer from 0 to 60000 ms, got -1',
    );
    assert.throws(() => applyWanChange(WHOLE_LINK, { jitterMs: 1.5 }), /jitterMs must be an integer/);
    assert.throws(() => applyWanChange(WHOLE_LINK, { partition: 'drop' }), /partition must be "reset", "blackhole" or null, got "drop"/);
    assert.deepEqual(applyWanChange(WHOLE_LINK, { latencyMs: 40, partition: 'reset' }), { latencyMs: 40, jitterMs: 0, partition: 'reset' });
  });
});

describe('wan - tcp proxy', function () {
  this.timeout(10_000);
  let echo: Awaited<ReturnType<typeof echoServer>>;
  const proxies: TcpProxy[] = [];
  const clients: Client[] = [];

  async function proxy(options: Partial<ConstructorParameters<typeof TcpProxy>[0]> = {}): Promise<{ proxy: TcpProxy; port: number }> {
    const p = new TcpProxy({ listenHost: '127.0.0.1', listenPort: 0, targets: [{ host: '127.0.0.1', port: echo.port }], ...options });
    proxies.push(p);
    return { proxy: p, port: await p.listen() };
  }

  async function open(port: number): Promise<Client> {
    const c = await client(port);
    clients.push(c);
    return c;
  }

  beforeEach(async () => {
    echo = await echoServer();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    for (const s of echo.sockets) s.destroy();
    await new Promise<void>((resolve) => echo.server.close(() => resolve()));
  });

  it('forwards both ways and adds the latency in each direction', async () => {
    const { port } = await proxy({ conditions: { latencyMs: 60 } });
    const c = await open(port);
    c.socket.write('ping');
    const roundTrip = await c.waitFor('ping');
    assert.ok(roundTrip >= 115, `round trip ${roundTrip.toFixed(0)} ms includes 2 × 60 ms`);
    assert.ok(roundTrip < 1_000, `round trip ${roundTrip.toFixed(0)} ms is not much more`);
  });

  it('keeps byte order under jitter', async () => {
    const { port } = await proxy({ conditions: { latencyMs: 1, jitterMs: 30 } });
    const c = await open(port);
    const words = Array.from({ length: 200 }, (_, i) => `<${i}>`);
    for (const w of words) {
      c.socket.write(w);
      await new Promise((r) => setImmediate(r));
    }
    await c.waitFor('<199>', 5_000);
    assert.equal(c.received(), words.join(''));
  });

  it('a reset partition resets open connections and every new one until it heals', async () => {
    const { proxy: p, port } = await proxy();
    const before = await open(port);
    before.socket.write('a');
    await before.waitFor('a');
    p.set({ partition: 'reset' });
    assert.equal(await before.closed, 'ECONNRESET');
    assert.equal(await refusal(port), 'ECONNRESET');
    p.set({ partition: null });
    const after = await open(port);
    after.socket.write('b');
    await after.waitFor('b');
    assert.ok(p.stats().reset >= 2);
  });

  it('a blackhole stalls open connections and holds new ones; nothing is lost when it heals', async () => {
    const { proxy: p, port } = await proxy();
    const open1 = await open(port);
    open1.socket.write('x');
    await open1.waitFor('x');
    p.set({ partition: 'blackhole' });
    open1.socket.write('y');
    const held = await open(port);
    held.socket.write('z');
    await assert.rejects(open1.waitFor('y', 300), /did not arrive/);
    await assert.rejects(held.waitFor('z', 300), /did not arrive/);
    p.set({ partition: null });
    await open1.waitFor('y');
    await held.waitFor('z');
    assert.equal(open1.received(), 'xy');
  });

  it('skips a target that refuses and uses the next, like a load balancer over backend nodes', async () => {
    const dead = await refusingPort();
    const { proxy: p, port } = await proxy({
      targets: [
        { host: '127.0.0.1', port: dead },
        { host: '127.0.0.1', port: echo.port },
      ],
    });
    const c = await open(port);
    c.socket.write('hello');
    await c.waitFor('hello');
    assert.equal(p.stats().upstreamFailures, 1);
    const again = await open(port);
    again.socket.write('again');
    await again.waitFor('again');
    assert.equal(p.stats().upstreamFailures, 1, 'the target that answered is tried first next time');
  });

  it('resets the client when no target answers', async () => {
    const { port } = await proxy({ targets: [{ host: '127.0.0.1', port: await refusingPort() }] });
    assert.equal(await refusal(port), 'ECONNRESET');
  });
});
